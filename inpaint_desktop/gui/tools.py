"""Painting primitives: soft round-capped segments written into a mask rectangle with numpy."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
from PySide6.QtCore import QRect


class ToolKind(Enum):
    BRUSH = "brush"
    ERASER = "eraser"
    RECT = "rectangle"
    LASSO = "lasso"
    POLYGON = "polygon"

    @property
    def is_shape(self) -> bool:
        """Shape tools fill (left button) or erase (right button) a closed outline."""
        return self in (ToolKind.RECT, ToolKind.LASSO, ToolKind.POLYGON)


@dataclass(frozen=True)
class BrushSettings:
    """Diameter in image pixels and hardness 0..1 (1 = hard edge, lower = radial falloff)."""

    size: float = 40.0
    hardness: float = 1.0


def segment_rect(x0: float, y0: float, x1: float, y1: float, radius: float, width: int, height: int) -> QRect:
    """Image-pixel rectangle covering a round-capped segment, clipped to the mask."""
    left = max(0, int(np.floor(min(x0, x1) - radius - 1)))
    top = max(0, int(np.floor(min(y0, y1) - radius - 1)))
    right = min(width, int(np.ceil(max(x0, x1) + radius + 1)))
    bottom = min(height, int(np.ceil(max(y0, y1) + radius + 1)))
    if right <= left or bottom <= top:
        return QRect()
    return QRect(left, top, right - left, bottom - top)


def stamp_segment(
    mask: np.ndarray,
    start: tuple[float, float],
    end: tuple[float, float],
    brush: BrushSettings,
    *,
    erase: bool,
) -> QRect:
    """Paint (or erase) a round-capped segment into ``mask`` in place; returns the dirty rectangle.

    Combines with max (or min when erasing), so dabs that overlap never exceed the brush's value.
    """
    radius = max(0.5, brush.size / 2.0)
    (x0, y0), (x1, y1) = start, end
    height, width = mask.shape
    rect = segment_rect(x0, y0, x1, y1, radius, width, height)
    if rect.isEmpty():
        return rect
    ys = np.arange(rect.top(), rect.top() + rect.height(), dtype=np.float32)[:, None] + 0.5
    xs = np.arange(rect.left(), rect.left() + rect.width(), dtype=np.float32)[None, :] + 0.5
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    if length2 > 1e-9:
        t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / length2, 0.0, 1.0)
        px, py = xs - (x0 + t * dx), ys - (y0 + t * dy)
    else:
        px, py = xs - x0, ys - y0
    dist = np.sqrt(px * px + py * py)
    hardness = float(np.clip(brush.hardness, 0.0, 1.0))
    inner = radius * hardness
    if hardness >= 0.999:
        value = np.where(dist <= radius, np.uint8(255), np.uint8(0)).astype(np.uint8)
    else:
        falloff = np.clip((radius - dist) / max(radius - inner, 1e-6), 0.0, 1.0)
        value = (falloff * 255.0 + 0.5).astype(np.uint8)
    region = mask[rect.top() : rect.top() + rect.height(), rect.left() : rect.left() + rect.width()]
    if erase:
        np.minimum(region, 255 - value, out=region)
    else:
        np.maximum(region, value, out=region)
    return rect
