"""Decode request images and masks, check output options, encode results.

Shared by ``LocalBackend`` and the HTTP server, so both refuse the same inputs with the same words.
Errors are ``ValidationError`` with ``param`` naming the field and ``code`` as the OpenAI API uses it.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from inpaint_desktop.api.errors import ValidationError
from inpaint_desktop.core.rules import (
    MAX_DECODE_PIXELS,
    MAX_IMAGE_BYTES,
    MAX_MASK_BYTES,
    MAX_N,
    probe_image,
    sniff_mime,
)

FORMATS = ("png", "jpeg", "webp")
BACKGROUNDS = ("transparent", "opaque", "auto")
QUALITIES = ("low", "medium", "high", "auto", "standard")
_SIZE = re.compile(r"^([1-9][0-9]{0,4})x([1-9][0-9]{0,4})$")
MAX_SIDE = 16384
# A requested output size beyond this many pixels is refused: n such images must fit in memory.
MAX_OUTPUT_PIXELS = 40_000_000


@dataclass(frozen=True)
class OutputOptions:
    """Checked output options. ``size`` None means the input's size (``auto``)."""

    n: int
    size: tuple[int, int] | None
    output_format: str
    compression: int | None
    background: str
    quality: str


def check_options(*, n: int | None, size: str | None, output_format: str | None,
                  output_compression: int | None, background: str | None,
                  quality: str | None) -> OutputOptions:
    """Validate the output options the way the API does; ``ValidationError`` names the bad one."""
    count = 1 if n is None else n
    if not 1 <= count <= MAX_N:
        raise _invalid(f"n must be between 1 and {MAX_N} (got {count}).", "n")
    fmt = (output_format or "png").lower()
    if fmt not in FORMATS:
        raise _invalid(f"output_format must be one of png, jpeg, webp (got {output_format!r}).",
                       "output_format")
    if output_compression is not None:
        if not 0 <= output_compression <= 100:
            raise _invalid(f"output_compression must be between 0 and 100 (got {output_compression}).",
                           "output_compression")
        if fmt == "png" and output_compression != 100:
            raise _invalid("output_compression is only supported with the jpeg and webp output formats.",
                           "output_compression")
    bg = (background or "auto").lower()
    if bg not in BACKGROUNDS:
        raise _invalid(f"background must be one of transparent, opaque, auto (got {background!r}).",
                       "background")
    if bg == "transparent" and fmt == "jpeg":
        raise _invalid("A transparent background needs the png or webp output format (jpeg has no alpha).",
                       "background")
    qual = (quality or "auto").lower()
    if qual not in QUALITIES:
        raise _invalid(f"quality must be one of low, medium, high, auto (got {quality!r}).", "quality")
    return OutputOptions(count, parse_size(size), fmt, output_compression, bg, qual)


def parse_size(size: str | None) -> tuple[int, int] | None:
    """``"WxH"`` -> (W, H); ``None``/``"auto"`` -> None (the input's size)."""
    if size is None or size == "auto":
        return None
    match = _SIZE.match(size)
    if not match:
        raise _invalid(f"size must be 'auto' or WIDTHxHEIGHT such as 1024x1024 (got {size!r}).", "size")
    w, h = int(match.group(1)), int(match.group(2))
    if w > MAX_SIDE or h > MAX_SIDE or w * h > MAX_OUTPUT_PIXELS:
        raise _invalid(f"size {size} is too large: each side must be at most {MAX_SIDE} and the "
                       f"picture at most {MAX_OUTPUT_PIXELS:,} pixels.", "size")
    return w, h


def decode_image(data: bytes, param: str = "image") -> np.ndarray:
    """An upload as an (H, W, 3) RGB or (H, W, 4) RGBA uint8 array (alpha only when it has one)."""
    _check_upload(data, param, MAX_IMAGE_BYTES)
    with _open(data, param) as img:
        has_alpha = img.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in img.info
        return np.asarray(img.convert("RGBA" if has_alpha else "RGB"))


def decode_mask(data: bytes, image_shape: tuple[int, int]) -> np.ndarray:
    """The hole (True where the mask's alpha is 0) of a PNG mask the size of the first image."""
    _check_upload(data, "mask", MAX_MASK_BYTES)
    if sniff_mime(data) != "image/png":
        raise _invalid("The mask must be a PNG file with an alpha channel.", "mask", "invalid_image_format")
    with _open(data, "mask") as img:
        if not (img.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in img.info):
            raise _invalid("The mask has no alpha channel: its fully transparent pixels (alpha 0) mark "
                           "where to edit. Save it as an RGBA PNG.", "mask", "invalid_image_format")
        if (img.height, img.width) != tuple(image_shape):
            raise _invalid(f"The mask is {img.width}x{img.height} but the image is "
                           f"{image_shape[1]}x{image_shape[0]}; they must be the same size.",
                           "mask", "invalid_image_dimensions")
        alpha = np.asarray(img.convert("RGBA"))[:, :, 3]
    return np.asarray(alpha == 0)


def _check_upload(data: bytes, param: str, limit: int) -> None:
    if not data:
        raise _invalid(f"The {param} file is empty.", param, "invalid_image")
    if len(data) >= limit:
        raise _invalid(f"The {param} file is {len(data) / 1024 / 1024:.1f} MB; it must be under "
                       f"{limit // (1024 * 1024)} MB.", param, "file_too_large")
    if sniff_mime(data) is None:
        raise _invalid(f"The {param} file is not a PNG, JPEG or WebP image.", param, "invalid_image_format")


def unreadable_reason(exc: Exception) -> str:
    """The decoder's reason without the in-memory file object it names (meaningless to the user)."""
    return re.sub(r"\s*<_io\.BytesIO object at 0x[0-9a-f]+>", "", str(exc))


def _open(data: bytes, param: str) -> Image.Image:
    try:
        info = probe_image(data)
    except ValueError as exc:
        raise _invalid(f"The {param} file could not be read: {unreadable_reason(exc)}.", param,
                       "invalid_image") from exc
    if info.width * info.height > MAX_DECODE_PIXELS:
        raise _invalid(f"The {param} is {info.width}x{info.height}: more pixels than the engine decodes "
                       f"({MAX_DECODE_PIXELS:,}).", param, "invalid_image_dimensions")
    try:
        # The pixel count is already bounded above; Pillow's own bomb warning would only repeat it.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            img.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise _invalid(f"The {param} file could not be read: {unreadable_reason(exc)}.", param,
                       "invalid_image") from exc
    return img


def flatten(rgba: np.ndarray) -> np.ndarray:
    """Composite an RGBA picture over white (what ``background=opaque`` gives an RGBA input)."""
    alpha = rgba[:, :, 3:].astype(np.float32) / 255.0
    rgb = rgba[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
    return np.asarray(np.clip(np.rint(rgb), 0, 255).astype(np.uint8))


def resolve_background(requested: str, picture: np.ndarray, fmt: str) -> str:
    """``auto`` keeps transparency when the input has any and the format can hold it."""
    if requested != "auto":
        return requested
    has_transparency = picture.shape[2] == 4 and bool((picture[:, :, 3] < 255).any())
    return "transparent" if has_transparency and fmt != "jpeg" else "opaque"


def encode(picture: np.ndarray, options: OutputOptions, background: str) -> bytes:
    """Resize to the requested size and encode; transparent backgrounds keep an alpha channel."""
    if background == "transparent" and picture.shape[2] == 3:
        picture = np.dstack([picture, np.full(picture.shape[:2], 255, np.uint8)])
    elif background == "opaque" and picture.shape[2] == 4:
        picture = flatten(picture)
    if options.size is not None and options.size != (picture.shape[1], picture.shape[0]):
        w, h = options.size
        shrink = w * h < picture.shape[0] * picture.shape[1]
        picture = cv2.resize(picture, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    order = cv2.COLOR_RGBA2BGRA if picture.shape[2] == 4 else cv2.COLOR_RGB2BGR
    bgr = cv2.cvtColor(picture, order)
    fmt, compression = options.output_format, options.compression
    if fmt == "png":
        # Level 1: a fast encode; higher levels cost several times more for a few % smaller files.
        params = [cv2.IMWRITE_PNG_COMPRESSION, 1]
    elif fmt == "jpeg":
        params = [cv2.IMWRITE_JPEG_QUALITY, 100 if compression is None else max(compression, 1)]
    else:
        # WebP above 100 is lossless in OpenCV: the default (100) keeps every pixel exactly.
        params = [cv2.IMWRITE_WEBP_QUALITY, 101 if compression in (None, 100) else max(compression, 1)]
    ok, buf = cv2.imencode("." + ("jpg" if fmt == "jpeg" else fmt), bgr, params)
    if not ok:  # pragma: no cover - OpenCV refuses only impossible shapes, checked above
        raise _invalid(f"Could not encode the result as {fmt}.", "output_format")
    return buf.tobytes()


def _invalid(message: str, param: str, code: str = "invalid_value") -> ValidationError:
    return ValidationError(message, status=400, code=code, param=param, type="invalid_request_error")
