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


def refresh_overlay(
    out: np.ndarray, mask: np.ndarray, rect: QRect, mode: MaskView, color: QColor, opacity: float
) -> None:
    """Write premultiplied BGRA (QImage ARGB32_Premultiplied, little endian) for ``rect`` into ``out``."""
    if rect.isEmpty():
        return
    sl = (slice(rect.top(), rect.bottom() + 1), slice(rect.left(), rect.right() + 1))
    region = mask[sl]
    target = out[sl[0], sl[1]]
    if mode is MaskView.OVERLAY:
        alpha = (region.astype(np.uint16) * int(opacity * 255 + 0.5) + 127) // 255
        for channel, value in ((0, color.blue()), (1, color.green()), (2, color.red())):
            target[..., channel] = (alpha * value + 127) // 255
        target[..., 3] = alpha
        return
    ys = np.arange(rect.top(), rect.bottom() + 1)[:, None] // CHECKER_CELL
    xs = np.arange(rect.left(), rect.right() + 1)[None, :] // CHECKER_CELL
    checker = np.where((ys + xs) % 2 == 0, 200, 150).astype(np.uint16)
    alpha = region.astype(np.uint16)
    value = (checker * alpha + 127) // 255
    target[..., 0] = value
    target[..., 1] = value
    target[..., 2] = value
    target[..., 3] = alpha
