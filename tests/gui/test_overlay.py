"""The overlay table gives, for every mask value, the premultiplied tint (or the API checkerboard)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor

from inpaint_desktop.gui.editor.overlay import CHECKER_CELL, MaskView, refresh_overlay


def test_every_mask_value_gets_the_premultiplied_tint_only_inside_the_rect() -> None:
    mask = np.arange(256, dtype=np.uint8).reshape(16, 16)
    out = np.full((16, 16, 4), 7, np.uint8)
    refresh_overlay(out, mask, QRect(0, 0, 16, 8), MaskView.OVERLAY, QColor(255, 40, 90), 0.5)
    alpha = (mask[:8].astype(int) * 128 + 127) // 255
    expected = np.stack([(alpha * 90 + 127) // 255, (alpha * 40 + 127) // 255,
                         (alpha * 255 + 127) // 255, alpha], axis=-1)
    assert np.array_equal(out[:8], expected)  # B, G, R, A in memory
    assert (out[8:] == 7).all()  # outside the rect: untouched


def test_api_view_is_a_checkerboard_where_the_mask_is_painted() -> None:
    mask = np.full((2 * CHECKER_CELL, 2 * CHECKER_CELL), 255, np.uint8)
    mask[0, 0] = 0
    out = np.zeros((*mask.shape, 4), np.uint8)
    refresh_overlay(out, mask, QRect(0, 0, *mask.shape[::-1]), MaskView.API, QColor(0, 0, 0), 1.0)
    assert tuple(out[0, 0]) == (0, 0, 0, 0)  # not painted: transparent, the photo shows
    assert tuple(out[1, 1]) == (200, 200, 200, 255)  # light square
    assert tuple(out[1, CHECKER_CELL]) == (150, 150, 150, 255)  # dark square beside it
