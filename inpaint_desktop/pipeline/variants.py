"""From returned bytes to a variant: decode, map back to the photo's size, paste a crop back, protect.

Pure numpy/Pillow work with no Qt, run on whatever thread runs the job.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from inpaint_desktop.core.compose import match_channels, measure_drift, paste, protected_composite
from inpaint_desktop.core.geometry import map_back
from inpaint_desktop.core.imaging import encode_png
from inpaint_desktop.core.rules import MAX_DECODE_PIXELS, unreadable_reason
from inpaint_desktop.pipeline.job import JobSpec

# Width of the soft edge between original and result in the protected composite.
FEATHER_RADIUS_PX = 3.0


class UndecodableResultError(ValueError):
    """A returned image that cannot be decoded (it does not count as a result)."""


def decode_result(data: bytes) -> np.ndarray:
    """The pixels of a returned image as RGB or RGBA uint8 (RGBA when it has any transparency)."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            # A small answer can claim a gigantic picture: refuse it before decoding a pixel.
            if img.width * img.height > MAX_DECODE_PIXELS:
                raise ValueError(f"it claims {img.width}x{img.height} pixels")
            img.load()
            rgba = "A" in img.getbands() or "transparency" in img.info
            return np.asarray(img.convert("RGBA" if rgba else "RGB"))
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        reason = unreadable_reason(exc)
        raise UndecodableResultError(f"the returned image cannot be decoded ({reason})") from None


@dataclass(frozen=True)
class VariantImages:
    """One variant's pixels, as arrays.

    ``raw`` is the image as returned; ``fullsize`` is it at the original's exact size (mapped back,
    and pasted into the photo when a crop was sent; the same array as ``raw`` when nothing changed);
    ``protected`` keeps every pixel of the original outside the mask. ``fullsize_png`` and
    ``protected_png`` are their encodings for the results library (``fullsize_png`` only when it
    differs from what was returned).
    """

    index: int
    raw_bytes: bytes = field(repr=False)
    raw: np.ndarray = field(repr=False)
    fullsize: np.ndarray = field(repr=False)
    protected: np.ndarray | None = field(default=None, repr=False)
    resized: bool = False
    drift: str = ""
    fullsize_png: bytes | None = field(default=None, repr=False)
    protected_png: bytes | None = field(default=None, repr=False)
    # False when the work stopped early (a cancel): only the image as returned is here.
    complete: bool = True


def _never() -> bool:
    return False


Decoder = Callable[[bytes], np.ndarray]


def process_variant(
    index: int, data: bytes, spec: JobSpec, *, encode: bool = True, stop: Callable[[], bool] = _never,
    decode: Decoder = decode_result,
) -> VariantImages:
    """Decode one returned image and build its full-size and protected versions for ``spec``.

    ``encode`` also makes the PNG files the results library stores. ``stop`` is asked between the
    steps (mapping, compositing, encoding); once it says yes, the image is returned as it came back,
    with ``complete`` False. ``decode`` turns the returned bytes into pixels (the GUI passes one that
    also draws SVG, which Pillow cannot).
    """
    raw = decode(data)
    if spec.kind != "edit" or spec.image is None or spec.upload_box is None:
        return VariantImages(index, data, raw, raw)
    if stop():
        return VariantImages(index, data, raw, raw, complete=False)
    original = spec.image
    channels = original.shape[2] if original.ndim == 3 else 3
    result_array = match_channels(raw, channels)
    left, top, right, bottom = box = spec.upload_box
    if spec.plan is not None:
        mapped = map_back(result_array, spec.plan)
    elif result_array.shape[:2] != (bottom - top, right - left):
        # The server returned another size than was sent: scale it onto the sent region.
        mapped = np.asarray(Image.fromarray(result_array).resize((right - left, bottom - top),
                                                                  Image.Resampling.LANCZOS))
    else:
        mapped = result_array
    full = paste(original, mapped, box) if spec.cropped else mapped
    resized = spec.cropped or full.shape[:2] != raw.shape[:2]
    protected = None
    drift = ""
    if spec.mask is not None and spec.protect:
        if stop():
            return VariantImages(index, data, raw, raw, complete=False)
        protected = protected_composite(original, full, spec.mask, feather_px=FEATHER_RADIUS_PX)
        drift = measure_drift(original, full, spec.mask).describe()
    if stop():
        return VariantImages(index, data, raw, raw, complete=False)
    return VariantImages(
        index, data, raw, full if resized else raw, protected, resized, drift,
        fullsize_png=encode_png(full) if encode and resized else None,
        protected_png=encode_png(protected) if encode and protected is not None else None,
    )
