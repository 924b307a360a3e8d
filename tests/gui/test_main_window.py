"""Main window: message bar, side panels, whole-mask actions, modified flag."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from inpaint_desktop.gui.document import Document
from inpaint_desktop.gui.main_window import MainWindow


def _window(qtbot) -> MainWindow:
    window = MainWindow(Document())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_message_bar_and_side_panel(qtbot) -> None:
    window = _window(qtbot)
    assert not window.message_bar.isVisible()
    window.message_bar.show_message("Bad thing", "error", details="trace")
    assert window.message_bar.isVisible() and window.message_bar.copy_button.isVisible()
    window.message_bar.copy_button.click()
    from PySide6.QtWidgets import QApplication

    assert "trace" in QApplication.clipboard().text()
    window.message_bar.close_button.click()
    assert not window.message_bar.isVisible()
    dock = window.add_side_panel(QLabel("panel"), "Send")
    assert dock.widget().text() == "panel"


def test_invert_marks_modified_and_undo_clears(qtbot, make_image) -> None:
    window = _window(qtbot)
    window.document.set_image(make_image(50, 40))
    assert not window.isWindowModified()
    window.actions_by_name["invert"].trigger()
    assert window.document.mask.min() == 255 and window.isWindowModified()
    window.actions_by_name["undo"].trigger()
    assert window.document.mask.max() == 0 and not window.isWindowModified()


def test_bad_file_shows_error_and_keeps_document(qtbot, make_image, tmp_path) -> None:
    pytest.importorskip("inpaint_desktop.core.imaging")
    window = _window(qtbot)
    window.document.set_image(make_image(50, 40))
    bad = tmp_path / "empty.png"
    bad.write_bytes(b"")
    window.open_path(bad)
    qtbot.waitUntil(lambda: window.message_bar.isVisible(), timeout=5000)
    assert window.message_bar.level == "error" and "empty.png" in window.message_bar.text
    assert window.document.size() == (50, 40)
