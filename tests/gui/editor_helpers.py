"""Helpers shared by the editor's GUI tests: a main window that never blocks on teardown, real
mouse gestures in image coordinates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from inpaint_desktop.core.imaging import LoadedImage
from inpaint_desktop.gui.editor.canvas import Canvas
from inpaint_desktop.gui.editor.document import Document
from inpaint_desktop.gui.main_window import MainWindow


def photo(width: int = 200, height: int = 150, value: int = 90) -> LoadedImage:
    return LoadedImage(array=np.full((height, width, 3), value, np.uint8), source_bytes=None, format="PNG")


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[MainWindow]:
    win = MainWindow(Document(), settings_path=tmp_path / "settings.json")
    win.show()
    qtbot.waitExposed(win)
    yield win
    # Let background work finish, then mark the mask saved so closing never asks (a modal box
    # would wait for a click that never comes).
    # (pytest-qt closes widgets it tracks before fixtures end, hence no qtbot.addWidget here.)
    qtbot.waitUntil(lambda: win.mask_ops.pending == 0 and win.opener.pending == 0, timeout=10000)
    win.document.mark_saved()
    win.close()
    win.deleteLater()


def to_widget(canvas: Canvas, x: float, y: float) -> QPoint:
    return canvas.image_to_widget(QPointF(x, y)).toPoint()


def drag(canvas: Canvas, points: list[tuple[float, float]], button=Qt.MouseButton.LeftButton,
         mods=Qt.KeyboardModifier.NoModifier) -> None:
    """Press at the first point, move through the rest, release at the last (image coordinates)."""
    QTest.mousePress(canvas, button, mods, to_widget(canvas, *points[0]))
    for p in points[1:]:
        move(canvas, to_widget(canvas, *p), button, mods)
    QTest.mouseRelease(canvas, button, mods, to_widget(canvas, *points[-1]))


def move(canvas: Canvas, pos: QPoint, button=Qt.MouseButton.NoButton,
         mods=Qt.KeyboardModifier.NoModifier) -> None:
    # QTest.mouseMove sends no button state; a real drag reports the held button.
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    event = QMouseEvent(QMouseEvent.Type.MouseMove, QPointF(pos), QPointF(canvas.mapToGlobal(pos)),
                        Qt.MouseButton.NoButton, button, mods)
    QApplication.sendEvent(canvas, event)


def answer_next_box(button, check: Callable[[str], bool] = lambda _text: True) -> None:
    """Click ``button`` on the next modal QMessageBox, polling until it appears."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, poll)
            return
        if not check(box.text()):
            box.button(QMessageBox.StandardButton.Cancel).click()
            raise AssertionError(f"unexpected question: {box.text()}")
        box.button(button).click()

    QTimer.singleShot(20, poll)
