"""Size planning: what to upload for a photo whose size the model cannot return, and the way back.

Design: *scale to fit, then pad*, never stretch. The photo is scaled (aspect kept) to fit inside
the upload size and the rest is filled by repeating the edge pixels, so the model sees a plausible
continuation rather than a black bar. ``content_box`` records where the photo sits; ``map_back``
cuts that box out of a result (of whatever size the server returned, scaled proportionally) and
resizes it to the original's exact pixel size. Masks go through the same two functions, so the
mask stays aligned with the image pixel for pixel.

Boxes are ``(left, top, right, bottom)`` in pixels, right/bottom exclusive (``a[top:bottom,
left:right]``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class SizePlan:
    """How one photo is uploaded and how results come back.

    ``original``/``upload`` are (width, height); ``size_param`` is the ``size`` value to send
    (``None`` to send none); ``content_box`` is where the scaled photo sits inside ``upload``.
    """

    original: tuple[int, int]
    upload: tuple[int, int]
    size_param: str | None
    content_box: Box

    @property
    def is_identity(self) -> bool:
        """True when the photo is sent as it is (no resize, no padding)."""
        return self.original == self.upload and self.content_box == (0, 0, *self.original)


def _fmt(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def _custom_size_for(width: int, height: int, rules: Any) -> tuple[int, int]:
    """A valid custom size as close as possible to the photo's own size and aspect."""
    m = int(rules.multiple)
    aspect = width / height
    # Aspect beyond the limit cannot be met by resizing: clamp it and let padding take the rest.
    aspect = min(max(aspect, 1 / rules.max_aspect), rules.max_aspect)
    pixels = min(max(width * height, rules.min_pixels), rules.max_pixels)
    h = math.sqrt(pixels / aspect)
    w = h * aspect
    scale = min(1.0, rules.max_long_edge / max(w, h))
    w, h = w * scale, h * scale
    # Round to the multiple, then nudge until every rule holds (rounding can step over a bound).
    tw, th = max(m, round(w / m) * m), max(m, round(h / m) * m)
    for _ in range(64):
        problems = rules.problems(tw, th)
        if not problems:
            return tw, th
        if tw * th < rules.min_pixels:
            tw, th = (tw + m, th) if tw / th < aspect else (tw, th + m)
        elif tw * th > rules.max_pixels or max(tw, th) > rules.max_long_edge:
            tw, th = (tw - m, th) if tw / th > aspect else (tw, th - m)
        elif max(tw, th) / min(tw, th) > rules.max_aspect:
            tw, th = (tw + m, th) if tw < th else (tw, th + m)
        else:
            break
    raise ValueError(f"no valid custom size found for {width}x{height}")


def _closest_fixed(width: int, height: int, sizes: tuple[tuple[int, int], ...]) -> tuple[int, int]:
    aspect = math.log(width / height)
    # Closest aspect first; among equals the one that needs the least scaling.
    return min(sizes, key=lambda s: (abs(math.log(s[0] / s[1]) - aspect), abs(s[0] * s[1] - width * height)))


def _fit_box(original: tuple[int, int], upload: tuple[int, int]) -> Box:
    ow, oh = original
    uw, uh = upload
    scale = min(uw / ow, uh / oh)
    cw, ch = max(1, min(uw, round(ow * scale))), max(1, min(uh, round(oh * scale)))
    left, top = (uw - cw) // 2, (uh - ch) // 2
    return left, top, left + cw, top + ch


def plan_size(width: int, height: int, caps: Any, requested: str | None = None) -> SizePlan:
    """Plan the upload of a ``width`` x ``height`` photo for a model with capabilities ``caps``.

    - ``requested`` a concrete ``WxH`` the model accepts: the photo is fitted into it.
    - otherwise (None/``auto``): the photo goes as it is when the model can return its size;
      else to a custom size close to it (models with custom sizes), else to the allowed size
      closest in aspect.

    Raises ``ValueError`` for a non-positive size or a requested size the model does not accept.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"image size {width}x{height} is not positive")
    original = (width, height)
    fixed: tuple[tuple[int, int], ...] = tuple(caps.fixed_sizes)
    if requested and requested != "auto":
        problems = caps.size_problems(requested)
        if problems:
            raise ValueError(f"size {requested}: " + "; ".join(problems))
        w_s, h_s = (int(v) for v in requested.lower().split("x"))
        upload = (w_s, h_s)
    elif original in fixed or (caps.custom_sizes and not caps.custom_size_rules.problems(width, height)):
        upload = original
    elif caps.custom_sizes:
        upload = _custom_size_for(width, height, caps.custom_size_rules)
    elif fixed:
        upload = _closest_fixed(width, height, fixed)
    else:
        # A model that only takes "auto": send the photo as it is and let the server decide.
        return SizePlan(original, original, None, (0, 0, width, height))
    return SizePlan(original, upload, _fmt(upload), _fit_box(original, upload))


def _resize(array: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize an 8-bit HxW or HxWxC array to ``size`` (width, height) with a high-quality filter."""
    if (array.shape[1], array.shape[0]) == size:
        return array
    arr = np.ascontiguousarray(array)
    if arr.dtype != np.uint8:
        raise ValueError(f"expected an 8-bit array, got {arr.dtype}")
    if arr.ndim == 3 and arr.shape[2] == 1:
        return _resize(arr[..., 0], size)[..., None]
    if arr.ndim == 3 and arr.shape[2] not in (3, 4):
        channels = [_resize(arr[..., c], size) for c in range(arr.shape[2])]
        return np.stack(channels, axis=-1)
    img = Image.fromarray(arr)
    return np.asarray(img.resize(size, Image.Resampling.LANCZOS))


def fit_image(array: np.ndarray, plan: SizePlan) -> np.ndarray:
    """The image (HxWxC) or mask (HxW) to upload for ``plan``: scaled into the box, edges repeated."""
    if (array.shape[1], array.shape[0]) != plan.original:
        raise ValueError(
            f"array is {array.shape[1]}x{array.shape[0]} but the plan is for "
            f"{plan.original[0]}x{plan.original[1]}"
        )
    if plan.is_identity:
        return array
    left, top, right, bottom = plan.content_box
    content = _resize(array, (right - left, bottom - top))
    uw, uh = plan.upload
    pad = [(top, uh - bottom), (left, uw - right)] + [(0, 0)] * (array.ndim - 2)
    return np.pad(content, pad, mode="edge")


def map_back(array: np.ndarray, plan: SizePlan) -> np.ndarray:
    """A result (any size; scaled proportionally to ``plan.upload``) cut and resized to the original."""
    rh, rw = array.shape[:2]
    if rw <= 0 or rh <= 0:
        raise ValueError("the result image is empty")
    uw, uh = plan.upload
    sx, sy = rw / uw, rh / uh
    left, top, right, bottom = plan.content_box
    box = (round(left * sx), round(top * sy), max(round(right * sx), round(left * sx) + 1),
           max(round(bottom * sy), round(top * sy) + 1))
    cropped = array[box[1]:box[3], box[0]:box[2]]
    return _resize(cropped, plan.original)


def crop_box_for_mask(mask: np.ndarray, *, margin: float = 0.25, min_side: int = 256) -> Box:
    """The box around the painted area (non-zero pixels) plus context, to upload at full resolution.

    The painted bounding box grows by ``margin`` times its longer side on every side (the model
    needs surroundings to blend the edit), then to at least ``min_side`` per side (or the whole
    image when smaller), clamped inside the image. An empty mask gives the whole image.
    """
    if mask.ndim != 2:
        raise ValueError(f"expected a 2-D mask, got shape {mask.shape}")
    h, w = mask.shape
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return 0, 0, w, h
    cols = np.flatnonzero(mask.any(axis=0))
    top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    grow = round(max(bottom - top, right - left) * max(0.0, margin))
    left, top, right, bottom = left - grow, top - grow, right + grow, bottom + grow

    def widen(lo: int, hi: int, limit: int) -> tuple[int, int]:
        need = min(limit, max(min_side, hi - lo)) - (hi - lo)
        if need > 0:
            lo -= need // 2
            hi += need - need // 2
        # Shift back inside instead of cutting, so the box keeps its size near an edge.
        if lo < 0:
            hi, lo = hi - lo, 0
        if hi > limit:
            lo, hi = max(0, lo - (hi - limit)), limit
        return lo, hi

    left, right = widen(left, right, w)
    top, bottom = widen(top, bottom, h)
    return left, top, right, bottom
