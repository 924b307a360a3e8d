"""Decoding photos into RGB/RGBA arrays and encoding arrays as PNG.

Everything a user can throw at File > Open ends up here, so every failure is an ``ImageLoadError``
whose text is a sentence fit to show in the window: empty, truncated, corrupt, not an image, too
many pixels. Odd pixel modes (palette, greyscale, CMYK, 16-bit) become plain 8-bit RGB or RGBA.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from inpaint_desktop.core.rules import MAX_DECODE_PIXELS, exif_orientation, sniff_mime, upright

# Images with more pixels than this are refused before any pixel is decoded (a 16384 x 16384
# photo fits). A small file can claim a gigantic size: decoding it would exhaust memory.
# (core.rules raises Pillow's own guard to this limit, so our check, which names the size, decides
# up to 2x the limit; beyond that Pillow refuses first and the message is rebuilt from its figures.)
MAX_PIXELS = MAX_DECODE_PIXELS

_UPLOADABLE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


class ImageLoadError(ValueError):
    """The file cannot be opened as a photo; ``str(exc)`` is a clear user-facing sentence."""


@dataclass(frozen=True)
class LoadedImage:
    """A decoded photo ready for the editor and for upload."""

    array: np.ndarray = field(repr=False)  # HxWx3 RGB or HxWx4 RGBA uint8, C-contiguous
    # The original file's bytes when they can be uploaded unchanged (PNG/JPEG/WebP, 8-bit RGB or
    # RGBA, no orientation change, single frame); None when the array must be re-encoded.
    source_bytes: bytes | None = field(repr=False)
    format: str
    notice: str | None = None

    @property
    def width(self) -> int:
        return int(self.array.shape[1])

    @property
    def height(self) -> int:
        return int(self.array.shape[0])

    @property
    def has_alpha(self) -> bool:
        return self.array.ndim == 3 and self.array.shape[2] == 4


def load_image(source: str | os.PathLike[str] | bytes) -> LoadedImage:
    """Decode a photo from a path or bytes; raises ``ImageLoadError`` with a readable reason."""
    data = _read(source)
    if not data:
        raise ImageLoadError("The file is empty (0 bytes).")
    with warnings.catch_warnings():
        # Pillow warns about odd-but-readable files (EXIF quirks, palette transparency as bytes);
        # the result is still correct, and the test suite treats warnings as errors.
        warnings.simplefilter("ignore")
        return _decode(data)


def _read(source: str | os.PathLike[str] | bytes) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    path = Path(source)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ImageLoadError(f"The file {path.name} does not exist.") from None
    except IsADirectoryError:
        raise ImageLoadError(f"{path.name} is a folder, not an image file.") from None
    except PermissionError:
        raise ImageLoadError(f"Permission denied when reading {path.name}.") from None
    except OSError as exc:
        raise ImageLoadError(f"The file {path.name} could not be read ({exc.strerror or exc}).") from None


def _decode(data: bytes) -> LoadedImage:
    try:
        img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise ImageLoadError(
            "This is not an image file that can be opened (supported: PNG, JPEG, WebP, BMP, TIFF)."
        ) from None
    except Image.DecompressionBombError as exc:
        raise ImageLoadError(_too_big_message(None, str(exc))) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageLoadError(f"The image is damaged and cannot be read ({exc}).") from None
    with img:
        fmt = (img.format or "").upper()
        width, height = img.size
        if width <= 0 or height <= 0:
            raise ImageLoadError("The image has no pixels (its width or height is 0).")
        if width * height > MAX_PIXELS:
            raise ImageLoadError(_too_big_message((width, height)))
        # Read from the header before decoding: the same rule as the CLI's checks (core.rules).
        orientation = exif_orientation(img)
        frames = int(getattr(img, "n_frames", 1) or 1)
        notice = None
        if frames > 1:
            img.seek(0)
            notice = f"Animated image: opened the first of {frames} frames."
        try:
            img.load()
        except Image.DecompressionBombError:
            raise ImageLoadError(_too_big_message((width, height))) from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            text = str(exc)
            if "truncated" in text or isinstance(exc, EOFError):
                raise ImageLoadError("The image file is truncated (incomplete).") from None
            raise ImageLoadError(f"The image is damaged and cannot be read ({text}).") from None
        source_mode = img.mode
        oriented = upright(img, orientation)
        try:
            array = _to_rgb_or_rgba(oriented)
        except (OSError, ValueError) as exc:
            message = f"The image's pixel format ({source_mode}) is not supported ({exc})."
            raise ImageLoadError(message) from None
        reusable = (
            oriented is img
            and frames == 1
            and fmt in _UPLOADABLE_FORMATS
            and sniff_mime(data) == _UPLOADABLE_FORMATS[fmt]
            and source_mode in ("RGB", "RGBA")
            and _eight_bit(data, fmt)
        )
        return LoadedImage(
            array=array, source_bytes=data if reusable else None, format=fmt or "UNKNOWN", notice=notice
        )


def _too_big_message(size: tuple[int, int] | None, pillow_text: str = "") -> str:
    limit = f"{MAX_PIXELS / 1e6:.0f} megapixels"
    if size is None:
        found = re.search(r"\((\d+) pixels\)", pillow_text)
        claimed = f" ({int(found.group(1)) / 1e6:.0f} megapixels)" if found else ""
        return f"The image is too large to open safely{claimed}; the limit is {limit}."
    width, height = size
    return (
        f"The image is too large to open safely: {width}x{height} is {width * height / 1e6:.0f} "
        f"megapixels, the limit is {limit}."
    )


def upright_upload(data: bytes) -> bytes:
    """The bytes to upload for a PNG, JPEG or WebP file: the file itself when it is stored upright,
    else its upright pixels (the picture the editor shows) re-encoded in the same format.

    A server may ignore the EXIF orientation: sending the stored pixels would give a result turned
    on its side and a mask exported by the editor the wrong way round. JPEG and WebP are re-encoded
    at quality 95 with their colour profile and the rest of their EXIF (orientation removed).
    Unreadable data and other formats come back unchanged, for validation to judge.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(io.BytesIO(data)) as img:
                orientation = exif_orientation(img)
                fmt = (img.format or "").upper()
                if orientation == 1 or fmt not in _UPLOADABLE_FORMATS or img.width * img.height > MAX_PIXELS:
                    return data
                img.load()
                exif = img.getexif()
                exif.pop(0x0112, None)
                options: dict[str, object] = {"exif": exif.tobytes()}
                if img.info.get("icc_profile"):
                    options["icc_profile"] = img.info["icc_profile"]
                if fmt in ("JPEG", "WEBP"):
                    options["quality"] = 95
                turned = upright(img, orientation)
                buf = io.BytesIO()
                turned.save(buf, fmt, **options)
                return buf.getvalue()
        except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
            return data


def _eight_bit(data: bytes, fmt: str) -> bool:
    # Pillow reports 16-bit RGB PNGs as mode RGB; the IHDR bit depth (byte 24) tells them apart.
    if fmt == "PNG":
        return len(data) > 24 and data[24] == 8
    return True


def _to_rgb_or_rgba(img: Image.Image) -> np.ndarray:
    """Normalise any Pillow mode to an 8-bit RGB or RGBA array without shifting colours."""
    mode = img.mode
    if mode in ("RGB", "RGBA"):
        out = np.asarray(img)
    elif mode == "P" or mode == "PA":
        has_alpha = mode == "PA" or "transparency" in img.info
        out = np.asarray(img.convert("RGBA" if has_alpha else "RGB"))
    elif mode in ("1", "L"):
        out = np.asarray(img.convert("RGB"))
    elif mode in ("LA", "La", "RGBa", "RGBX"):
        target = "RGB" if mode == "RGBX" else "RGBA"
        out = np.asarray(img.convert(target))
    elif mode.startswith("I") or mode == "F":
        grey = wide_grey_to_uint8(img)
        out = np.repeat(grey[:, :, None], 3, axis=2)
    else:
        # CMYK, YCbCr, LAB, HSV: Pillow's conversion to RGB (no ICC profile applied).
        out = np.asarray(img.convert("RGB"))
    out = np.asarray(out, dtype=np.uint8)
    if out.ndim != 3 or out.shape[2] not in (3, 4):
        raise ValueError(f"unexpected array shape {out.shape}")
    return np.ascontiguousarray(out)


def wide_grey_to_uint8(img: Image.Image) -> np.ndarray:
    """16-bit and 32-bit greyscale scaled (not clipped) into 0..255."""
    mode = img.mode
    if mode == "F":
        values = np.asarray(img, dtype=np.float64)
        top = 1.0 if float(np.nanmax(values, initial=0.0)) <= 1.0 else 255.0
        return (np.clip(np.nan_to_num(values) / top, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    values = np.asarray(img).astype(np.int64)
    if mode.startswith("I;16") or int(values.max(initial=0)) > 255:
        # 16-bit sources: 65535 maps to 255; "I" images from 16-bit PNGs hold 0..65535.
        values = np.clip(values, 0, 65535)
        return ((values * 255 + 32767) // 65535).astype(np.uint8)
    return np.clip(values, 0, 255).astype(np.uint8)


def encode_png(array: np.ndarray, *, compress_level: int = 1) -> bytes:
    """HxW, HxWx2 (grey + alpha), HxWx3 or HxWx4 uint8 array -> PNG bytes.

    Level 1 is the default because editing sessions encode often and the size gain of higher
    levels is small for photos; masks compress well at any level.
    """
    array = np.ascontiguousarray(array, dtype=np.uint8)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    img = Image.fromarray(array)  # 2 channels are read as grey + alpha (LA)
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=int(np.clip(compress_level, 0, 9)))
    return buf.getvalue()
