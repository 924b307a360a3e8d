"""The cached mask overlay: rebuilt with numpy only inside the rectangle that changed."""

from __future__ import annotations

from enum import Enum

import numpy as np
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor

CHECKER_CELL = 12  # image pixels per checkerboard square in the API view


class MaskView(Enum):
    OVERLAY = "overlay"  # coloured tint where the mask is painted
    API = "api"  # what the API sees: checkerboard where the exported mask is transparent


def overlay_lut(mode: MaskView, color: QColor, opacity: float) -> np.ndarray:
    """Premultiplied BGRA pixels as uint32 for every mask value (and, in the API view, both
    checkerboard shades: entries 0-255 on light squares, 256-511 on dark ones)."""
    values = np.arange(256, dtype=np.uint32)
    if mode is MaskView.OVERLAY:
        alpha = (values * int(opacity * 255 + 0.5) + 127) // 255
        table = np.empty((256, 4), np.uint8)
        for channel, value in ((0, color.blue()), (1, color.green()), (2, color.red())):
            table[:, channel] = (alpha * value + 127) // 255
        table[:, 3] = alpha
    else:
        table = np.empty((512, 4), np.uint8)
        for half, shade in ((0, 200), (1, 150)):
            grey = (shade * values + 127) // 255
            rows = slice(256 * half, 256 * (half + 1))
            table[rows, 0] = table[rows, 1] = table[rows, 2] = grey
            table[rows, 3] = values
    return table.view(np.uint32)[:, 0]  # byte order in memory stays B, G, R, A


def refresh_overlay(
    out: np.ndarray, mask: np.ndarray, rect: QRect, mode: MaskView, color: QColor, opacity: float
) -> None:
    """Write premultiplied BGRA (QImage ARGB32_Premultiplied, little endian) for ``rect`` into ``out``.

    One table lookup per pixel: a whole 24 MP mask refreshes in about a quarter of the time that
    per-channel arithmetic takes, which matters for fill, invert and imports on big photos.
    """
    if rect.isEmpty():
        return
    sl = (slice(rect.top(), rect.bottom() + 1), slice(rect.left(), rect.right() + 1))
    region = mask[sl]
    target = out.view(np.uint32)[..., 0][sl]
    lut = overlay_lut(mode, color, opacity)
    if mode is MaskView.OVERLAY:
        target[...] = lut[region]
        return
    ys = np.arange(rect.top(), rect.bottom() + 1, dtype=np.uint16)[:, None] // CHECKER_CELL
    xs = np.arange(rect.left(), rect.right() + 1, dtype=np.uint16)[None, :] // CHECKER_CELL
    dark = ((ys + xs) % 2).astype(np.uint16) << 8
    target[...] = lut[region.astype(np.uint16) | dark]
