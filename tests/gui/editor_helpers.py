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
from inpaint_desktop.gui.wiring import AppParts, compose_app
from inpaint_desktop.store.autosave import AutosaveStore
from inpaint_desktop.store.results import ResultsLibrary


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


@pytest.fixture
def app(qtbot, tmp_path: Path) -> Iterator[AppParts]:
    """The real application, composed as ``run_app`` composes it, with its files under ``tmp_path``."""
    yield from composed_app(qtbot, tmp_path)


def composed_app(qtbot, tmp_path: Path, *, autosave: Path | None = None) -> Iterator[AppParts]:
    """Compose the app (settings, results and autosave under ``tmp_path``), show it, close it after."""
    parts = compose_app(settings_path=tmp_path / "settings.json",
                        library=ResultsLibrary(tmp_path / "results"),
                        autosave_store=AutosaveStore(autosave or tmp_path / "autosave"))
    parts.window.show()
    qtbot.waitExposed(parts.window)
    yield parts
    window = parts.window
    qtbot.waitUntil(lambda: window.mask_ops.pending == 0 and window.opener.pending == 0, timeout=10000)
    window.document.mark_saved()  # closing must never wait for a click on "Unsaved mask"
    window.close()
    qtbot.waitUntil(lambda: not parts.send.queue.worker_thread.isRunning(), timeout=10000)
    window.deleteLater()
