"""Edit masks: conversion to and from the API's PNG form, and grow/shrink/feather operations.

Inside the app a mask is an HxW uint8 array where 255 means "edit here" and 0 means "keep";
values in between come from soft brush edges and feathering. The API wants the opposite in an
alpha channel: an RGBA PNG whose alpha is 0 where the model may edit and 255 where it must keep.
"""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from inpaint_desktop.core.imaging import MAX_PIXELS, encode_png, wide_grey_to_uint8
from inpaint_desktop.core.rules import MAX_MASK_BYTES, exif_orientation, unreadable_reason, upright

# Largest structuring element applied in one pass. cv2's cost grows with the square of the kernel,
# so a wide grow is done as several small disc dilations (a sum of discs is a disc).
_PASS_RADIUS = 6


def encode_api_mask(mask: np.ndarray) -> bytes:
    """Internal mask -> RGBA PNG the API accepts: alpha = 255 - mask (alpha 0 = edit).

    The colour channels are black: they carry nothing and compress to almost nothing. A mask
    whose fast encoding would exceed the API's 4 MB limit is re-encoded at maximum compression.
    """
    mask = _as_mask(mask)
    rgba = np.zeros((*mask.shape, 4), np.uint8)
    np.subtract(255, mask, out=rgba[..., 3])
    data = encode_png(rgba, compress_level=1)
    if len(data) >= MAX_MASK_BYTES:
        data = encode_png(rgba, compress_level=9)
    return data


def decode_mask(data: bytes, *, invert: bool = False) -> np.ndarray:
    """A mask file -> internal mask (HxW uint8, 255 = edit).

    - With an alpha channel (RGBA, LA, PA, palette transparency): the alpha is used as is
      (alpha 0 = edit), so masks exported for the API come back exactly.
    - Without alpha (black-and-white or greyscale): the luminance becomes the alpha, as the API
      guide recommends, so black = edit and white = keep.
    - ``invert`` flips the result, for masks drawn the other way round (white = edit).
    - A file stored turned (EXIF orientation) comes back upright, as the editor shows photos.

    Raises ``ValueError`` with a readable reason for empty, damaged or non-image data.
    """
    if not data:
        raise ValueError("The mask file is empty (0 bytes).")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            img = Image.open(io.BytesIO(data))
        except UnidentifiedImageError:
            raise ValueError("The mask file is not an image that can be opened.") from None
        except (OSError, SyntaxError, Image.DecompressionBombError) as exc:
            raise ValueError(f"The mask file is damaged or too large ({unreadable_reason(exc)}).") from None
        with img:
            if img.width * img.height > MAX_PIXELS:
                raise ValueError(f"The mask is too large ({img.width}x{img.height}).")
            try:
                orientation = exif_orientation(img)
                img.seek(0)
                img.load()
                alpha = _alpha_of(upright(img, orientation))
            except (OSError, SyntaxError, ValueError, EOFError) as exc:
                reason = unreadable_reason(exc)
                raise ValueError(f"The mask file is damaged or truncated ({reason}).") from None
    mask = 255 - alpha
    if invert:
        mask = 255 - mask
    return np.ascontiguousarray(mask, dtype=np.uint8)


def _alpha_of(img: Image.Image) -> np.ndarray:
    """The API-style alpha of a mask image (0 = edit): its alpha channel, else its luminance."""
    mode = img.mode
    if mode in ("RGBA", "LA", "PA", "La", "RGBa") or (mode == "P" and "transparency" in img.info):
        return np.asarray(img.convert("RGBA"))[..., 3]
    if mode.startswith("I") or mode == "F":
        return wide_grey_to_uint8(img)
    return np.asarray(img.convert("L"))


def bw_to_api_png(data: bytes, *, invert: bool = False) -> bytes:
    """A black-and-white (or greyscale) mask image -> an RGBA PNG the API accepts.

    The guide's recipe: greyscale -> RGBA -> the greyscale put in as alpha. Black becomes
    transparent (edit), white opaque (keep); ``invert`` for images where white means edit.
    Images that already have alpha keep it (see ``decode_mask``).
    """
    alpha = 255 - decode_mask(data, invert=invert)
    # As the recipe does, the colour channels repeat the grey value.
    rgba = np.repeat(alpha[:, :, None], 4, axis=2)
    png = encode_png(rgba, compress_level=6)
    if len(png) >= MAX_MASK_BYTES:
        png = encode_png(rgba, compress_level=9)  # the same pixels, smaller: worth the time here
    return png


def coverage(mask: np.ndarray) -> float:
    """Percent of the image marked for editing, each pixel counted by its strength.

    A soft edge pixel of value 128 counts as half a pixel, so feathering does not inflate the figure.
    """
    mask = _as_mask(mask)
    if mask.size == 0:
        return 0.0
    # cv2.sumElems is several times faster than numpy's sum over a 24-megapixel uint8 array.
    total = float(cv2.sumElems(mask)[0])
    return total * 100.0 / (255.0 * mask.size)


def bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x, y, width, height) of the non-zero pixels, or None for an empty mask."""
    points = cv2.findNonZero(_as_mask(mask))
    if points is None:
        return None
    x, y, w, h = cv2.boundingRect(points)
    return int(x), int(y), int(w), int(h)


def grow(mask: np.ndarray, px: int) -> np.ndarray:
    """Expand the painted area by ``px`` pixels in every direction (soft edges move outwards)."""
    mask = _as_mask(mask)
    px = int(px)
    if px < 0:
        return shrink(mask, -px)
    box = bbox(mask)
    if px == 0 or box is None:
        return np.asarray(mask.copy())
    out = mask.copy()
    y0, y1, x0, x1 = _expanded(box, px, mask.shape)
    out[y0:y1, x0:x1] = _morph(mask[y0:y1, x0:x1], px, cv2.MORPH_DILATE)
    return np.asarray(out)


def shrink(mask: np.ndarray, px: int) -> np.ndarray:
    """Pull the painted area in by ``px`` pixels. The image border does not count as unpainted,
    so a filled mask stays filled."""
    mask = _as_mask(mask)
    px = int(px)
    if px < 0:
        return grow(mask, -px)
    box = bbox(mask)
    if px == 0 or box is None:
        return np.asarray(mask.copy())
    out = np.zeros_like(mask)
    # Nothing outside the painted box can be painted after shrinking; one pixel of margin gives
    # the erosion the unpainted neighbours it needs.
    y0, y1, x0, x1 = _expanded(box, 1, mask.shape)
    out[y0:y1, x0:x1] = _morph(mask[y0:y1, x0:x1], px, cv2.MORPH_ERODE)
    return out


def feather(mask: np.ndarray, px: float) -> np.ndarray:
    """Soften the mask's edges so they fade over about ``px`` pixels on each side (Gaussian blur)."""
    mask = _as_mask(mask)
    box = bbox(mask)
    if px <= 0 or box is None:
        return np.asarray(mask.copy())
    sigma = float(px) / 2.0
    margin = int(np.ceil(3 * sigma)) + 1
    y0, y1, x0, x1 = _expanded(box, margin, mask.shape)
    out = mask.copy()
    out[y0:y1, x0:x1] = cv2.GaussianBlur(
        mask[y0:y1, x0:x1], (0, 0), sigmaX=sigma, borderType=cv2.BORDER_REPLICATE
    )
    return np.asarray(out)


def resize_mask(mask: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale a mask to ``width`` x ``height`` (area averaging when shrinking, linear when enlarging)."""
    mask = _as_mask(mask)
    if width <= 0 or height <= 0:
        raise ValueError(f"cannot resize a mask to {width}x{height}")
    if (width, height) == (mask.shape[1], mask.shape[0]):
        return np.asarray(mask.copy())
    shrinking = width * height < mask.shape[0] * mask.shape[1]
    interp = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return np.ascontiguousarray(cv2.resize(mask, (int(width), int(height)), interpolation=interp))


def _morph(region: np.ndarray, px: int, op: int) -> np.ndarray:
    out = region
    remaining = px
    while remaining > 0:
        step = min(_PASS_RADIUS, remaining)
        out = cv2.morphologyEx(out, op, _disc_kernel(step), borderType=cv2.BORDER_REPLICATE)
        remaining -= step
    return out


def _disc_kernel(radius: int) -> np.ndarray:
    # Built by hand: cv2's MORPH_ELLIPSE kernels are lopsided at small sizes (narrower one way).
    yy, xx = np.ogrid[-radius : radius + 1, -radius : radius + 1]
    return np.asarray((xx * xx + yy * yy <= radius * radius + 0.5).astype(np.uint8))


def _expanded(
    box: tuple[int, int, int, int], margin: int, shape: tuple[int, ...]
) -> tuple[int, int, int, int]:
    x, y, w, h = box
    return (
        max(0, y - margin),
        min(shape[0], y + h + margin),
        max(0, x - margin),
        min(shape[1], x + w + margin),
    )


def _as_mask(mask: np.ndarray) -> np.ndarray:
    array = np.asarray(mask)
    if array.ndim != 2:
        raise ValueError(f"a mask must be a 2-D array, got shape {array.shape}")
    return np.ascontiguousarray(array, dtype=np.uint8)
