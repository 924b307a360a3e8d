"""The whole application as ``run_app`` composes it, offscreen, driven with real events.

These tests cover the wiring between the editor, the Send workflow and the results panel: open a
photo, paint, Send offline, see the results, continue from one, undo back to the photo.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from inpaint_desktop.gui.common.qimage import qimage_to_array
from inpaint_desktop.gui.wiring import AppParts
from tests.gui.editor_helpers import answer_next_box, app, drag  # noqa: F401  (fixture)

DATA = Path(__file__).resolve().parents[1] / "data"


def _open(qtbot, parts: AppParts, path: Path) -> None:
    parts.window.open_path(path)
    qtbot.waitUntil(lambda: parts.document.path == path, timeout=10000)
    parts.window.canvas.fit()


def _send_and_wait(qtbot, parts: AppParts) -> None:
    flow = parts.send
    with qtbot.waitSignal(flow.queue.job_finished, timeout=30000):
        qtbot.mouseClick(flow.panel.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: flow.results.shown_image() is not None, timeout=10000)


def test_open_paint_send_offline_continue_from_a_result_and_undo_back(qtbot, app: AppParts) -> None:  # noqa: F811
    window, doc, flow = app.window, app.document, app.send
    _open(qtbot, app, DATA / "coffee.png")
    original = doc.image.array.copy()
    drag(window.canvas, [(250, 150), (330, 170), (330, 220)])
    painted = doc.mask.copy()
    assert painted.any() and doc.is_modified
    assert window.windowTitle().startswith("coffee.png")

    _send_and_wait(qtbot, app)
    assert flow.results.thumbs.count() == 1
    assert not doc.is_modified  # the mask went with the job: nothing left to lose
    shown = qimage_to_array(flow.results.shown_image())[..., :3]
    outside = painted == 0
    assert np.array_equal(shown[outside], original[outside])  # protected: the photo outside the mask
    assert not np.array_equal(shown[painted > 0], original[painted > 0])  # and filled inside

    # Continue from the result: no question (nothing unsaved), the name says where it came from.
    qtbot.mouseClick(flow.results.use_button, Qt.MouseButton.LeftButton)
    assert np.array_equal(doc.image.array[..., :3], shown) and not doc.mask.any()
    assert "variant 1 (protected) of coffee.png" in window.windowTitle()

    # One Ctrl+Z returns to the photo and its mask; one more undoes the stroke; redo comes back.
    window.activateWindow()
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert np.array_equal(doc.image.array, original) and np.array_equal(doc.mask, painted)
    assert window.windowTitle().startswith("coffee.png")
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not doc.mask.any() and np.array_equal(doc.image.array, original)
    redo = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, redo)
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, redo)
    assert np.array_equal(doc.image.array[..., :3], shown) and not doc.mask.any()


def test_continuing_from_a_result_asks_before_discarding_unsent_painting(qtbot, app: AppParts) -> None:  # noqa: F811
    window, doc, flow = app.window, app.document, app.send
    _open(qtbot, app, DATA / "coffee.png")
    drag(window.canvas, [(250, 150), (330, 170)])
    _send_and_wait(qtbot, app)
    original = doc.image.array.copy()
    drag(window.canvas, [(100, 100), (160, 120)])  # painted after sending: not saved anywhere
    mask = doc.mask.copy()

    answer_next_box(QMessageBox.StandardButton.Cancel, lambda text: "Using the result" in text)
    qtbot.mouseClick(flow.results.use_button, Qt.MouseButton.LeftButton)
    assert np.array_equal(doc.image.array, original) and np.array_equal(doc.mask, mask)

    answer_next_box(QMessageBox.StandardButton.Discard)
    qtbot.mouseClick(flow.results.use_button, Qt.MouseButton.LeftButton)
    assert not np.array_equal(doc.image.array, original) and not doc.mask.any()
