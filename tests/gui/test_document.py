"""Document: mask changes, undo patches and snapshots."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRect

from inpaint_desktop.gui.editor.commands import MaskPatchCommand
from inpaint_desktop.gui.editor.document import Document


@dataclass(frozen=True)
class _Image:
    array: np.ndarray
    width: int
    height: int


def _image(w: int = 40, h: int = 30) -> _Image:
    return _Image(np.zeros((h, w, 3), np.uint8), w, h)


def test_set_mask_undo_redo_exact(qtbot) -> None:
    doc = Document()
    doc.set_image(_image())
    assert doc.mask.shape == (30, 40) and not doc.mask.any()
    rects: list[QRect] = []
    doc.mask_changed.connect(rects.append)
    new = np.zeros((30, 40), np.uint8)
    new[5:10, 7:12] = 255
    doc.set_mask(new, text="Fill")
    assert rects[-1] == QRect(7, 5, 5, 5)
    cmd = doc.undo_stack.command(0)
    assert isinstance(cmd, MaskPatchCommand) and cmd.nbytes == 2 * 25
    assert doc.is_modified
    doc.undo_stack.undo()
    assert not doc.mask.any() and not doc.is_modified
    doc.undo_stack.redo()
    assert np.array_equal(doc.mask, new)
    snap = doc.snapshot()
    doc.set_mask(np.zeros_like(new))
    assert snap.mask.sum() == 25 * 255


def test_set_image_resets(qtbot) -> None:
    doc = Document()
    doc.set_image(_image())
    doc.set_mask(np.full((30, 40), 255, np.uint8))
    doc.set_image(_image(10, 10))
    assert doc.mask.shape == (10, 10) and doc.undo_stack.count() == 0 and not doc.is_modified
