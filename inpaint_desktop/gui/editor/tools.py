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
        px, py = np.asarray(xs - x0, np.float64), np.asarray(ys - y0, np.float64)
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


class StrokeHistory:
    """The pixels each segment of a stroke overwrote, folded into one "before" patch at the end.

    Saving only each segment's rectangle keeps a long stroke cheap; replaying the saved pixels
    newest-first over the stroke's bounding box restores the state before the stroke began.
    """

    def __init__(self) -> None:
        self._segments: list[tuple[QRect, np.ndarray]] = []

    def clear(self) -> None:
        self._segments = []

    def save(self, mask: np.ndarray, rect: QRect) -> None:
        sl = (slice(rect.top(), rect.bottom() + 1), slice(rect.left(), rect.right() + 1))
        self._segments.append((QRect(rect), mask[sl].copy()))

    def before_patch(self, mask: np.ndarray) -> tuple[QRect, np.ndarray] | None:
        """(bounding rectangle, its pixels before the stroke), or None when nothing was painted."""
        segments, self._segments = self._segments, []
        if not segments:
            return None
        union = QRect(segments[0][0])
        for rect, _ in segments[1:]:
            union |= rect
        before = mask[union.top() : union.bottom() + 1, union.left() : union.right() + 1].copy()
        for rect, patch in reversed(segments):
            y, x = rect.top() - union.top(), rect.left() - union.left()
            before[y : y + rect.height(), x : x + rect.width()] = patch
        return union, before
