"""Main window: message bar, panels, whole-mask actions, modified flag, shortcuts, settings."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QToolButton

from inpaint_desktop.gui.dialogs.shortcuts import CANVAS_GESTURES, shortcut_rows, unlisted_actions
from inpaint_desktop.gui.editor.tools import ToolKind
from inpaint_desktop.gui.main_window import MainWindow
from inpaint_desktop.store.settings import load_settings
from tests.gui.editor_helpers import answer_next_box, drag, photo, to_widget, window

__all__ = ["window"]


def _settle(qtbot, win: MainWindow) -> None:
    qtbot.waitUntil(lambda: win.mask_ops.pending == 0, timeout=5000)


def test_message_bar_and_side_panel(window: MainWindow) -> None:
    assert not window.message_bar.isVisible()
    window.message_bar.show_message("Bad thing", "error", details="trace")
    assert window.message_bar.isVisible() and window.message_bar.copy_button.isVisible()
    assert not window.message_bar.action_button.isVisible()
    window.message_bar.copy_button.click()
    assert "trace" in QApplication.clipboard().text()
    window.message_bar.close_button.click()
    assert not window.message_bar.isVisible()
    dock = window.add_side_panel(QLabel("panel"), "Send")
    assert dock.widget().text() == "panel"


def test_message_bar_action_button_runs_once(window: MainWindow) -> None:
    calls: list[int] = []
    window.message_bar.show_message("Do it?", "warning", action=("Do", lambda: calls.append(1)))
    assert window.message_bar.action_button.isVisible()
    window.message_bar.action_button.click()
    assert calls == [1] and not window.message_bar.isVisible()


def test_invert_marks_modified_and_undo_clears(qtbot, window: MainWindow) -> None:
    window.document.set_image(photo(50, 40))
    assert not window.isWindowModified()
    window.actions_by_name["invert"].trigger()
    _settle(qtbot, window)
    assert window.document.mask.min() == 255 and window.isWindowModified()
    assert window.windowTitle().startswith("Untitled")
    window.actions_by_name["undo"].trigger()
    assert window.document.mask.max() == 0 and not window.isWindowModified()


def test_fill_clear_grow_shrink_feather_via_panel_buttons(qtbot, window: MainWindow) -> None:
    doc = window.document
    doc.set_image(photo(120, 100))
    panel = window.tool_panel
    panel.edge_spin.setValue(5)
    mask = np.zeros((100, 120), np.uint8)
    mask[40:60, 50:70] = 255
    doc.set_mask(mask)
    qtbot.mouseClick(panel.findChild(QToolButton, "btn_grow"), Qt.MouseButton.LeftButton)
    _settle(qtbot, window)
    assert doc.mask[50, 73] == 255 and doc.mask[50, 77] == 0 and doc.mask[35, 60] == 255
    qtbot.mouseClick(panel.findChild(QToolButton, "btn_shrink"), Qt.MouseButton.LeftButton)
    _settle(qtbot, window)
    assert np.array_equal(doc.mask[45:55, 55:65], mask[45:55, 55:65]) and doc.mask[50, 73] == 0
    qtbot.mouseClick(panel.findChild(QToolButton, "btn_feather"), Qt.MouseButton.LeftButton)
    _settle(qtbot, window)
    assert 0 < doc.mask[50, 70] < 255
    qtbot.mouseClick(panel.findChild(QToolButton, "btn_fill"), Qt.MouseButton.LeftButton)
    _settle(qtbot, window)
    assert doc.mask.min() == 255
    qtbot.mouseClick(panel.findChild(QToolButton, "btn_clear"), Qt.MouseButton.LeftButton)
    _settle(qtbot, window)
    assert doc.mask.max() == 0
    # Each operation is one undo step holding only its rectangle.
    assert doc.undo_stack.count() == 6
    doc.undo_stack.undo()
    assert doc.mask.min() == 255


def test_mask_op_is_dropped_when_the_mask_changed_meanwhile(qtbot, window: MainWindow) -> None:
    doc = window.document
    doc.set_image(photo(60, 40))
    window.mask_ops.invert()
    drag(window.canvas, [(10, 10), (20, 10)])  # paints before the inversion comes back
    _settle(qtbot, window)
    assert doc.mask[10, 15] == 255 and doc.mask[30, 50] == 0
    assert "changed while" in window.message_bar.text


def test_every_action_is_in_a_menu_has_a_shortcut_and_is_listed(window: MainWindow) -> None:
    assert unlisted_actions(window, window.actions_by_name) == []
    missing = [n for n, a in window.actions_by_name.items() if not a.shortcuts()]
    assert missing == []
    rows = shortcut_rows(window)
    listed = {action for _menu, action, _keys in rows}
    for name in ("Brush", "Eraser", "Rectangle", "Lasso", "Polygon Lasso", "Grow Mask", "Feather Mask",
                 "Import Mask", "Export Mask", "Paste Image", "Overlay Colour", "Show Mask"):
        assert name in listed, name
    assert ("Tools", "Rectangle", "R") in rows
    window.actions_by_name["shortcuts"].trigger()
    dialog = window._shortcuts_dialog
    table_rows = dialog.rows()
    assert ("Canvas", *CANVAS_GESTURES[0]) in table_rows and len(table_rows) > len(CANVAS_GESTURES) + 20
    dialog.close()


def test_panel_and_toolbar_drive_the_same_actions(qtbot, window: MainWindow) -> None:
    panel = window.tool_panel
    qtbot.mouseClick(panel.findChild(QToolButton, "btn_lasso"), Qt.MouseButton.LeftButton)
    assert window.canvas.tool is ToolKind.LASSO and window.actions_by_name["lasso"].isChecked()
    QTest.keyClick(window.canvas, Qt.Key.Key_B)
    assert window.canvas.tool is ToolKind.BRUSH and window.actions_by_name["brush"].isChecked()
    assert window.toolbar.actions()  # the toolbar shows tool and view actions too
    assert window.actions_by_name["rect"] in window.toolbar.actions()


def test_brush_size_slider_spin_keys_and_hardness(qtbot, window: MainWindow) -> None:
    panel, canvas = window.tool_panel, window.canvas
    panel.size_spin.setValue(120)
    assert canvas.brush.size == 120
    assert abs(panel.size_slider.value() - panel.size_slider.maximum() * 0.63) < 20
    panel.size_slider.setValue(0)
    assert canvas.brush.size == 1 and panel.size_spin.value() == 1
    panel.size_spin.setValue(100)
    canvas.setFocus()
    QTest.keyClick(canvas, Qt.Key.Key_BracketRight)
    assert canvas.brush.size == 120 and panel.size_spin.value() == 120
    QTest.keyClick(canvas, Qt.Key.Key_BracketLeft)
    assert canvas.brush.size == 100
    panel.hardness_slider.setValue(30)
    assert canvas.brush.hardness == 0.3 and panel.hardness_label.text() == "30 %"
    QTest.keyClick(canvas, Qt.Key.Key_BraceRight, Qt.KeyboardModifier.ShiftModifier)
    assert canvas.brush.hardness == 0.4 and panel.hardness_slider.value() == 40


def test_overlay_opacity_colour_and_toggle_are_saved(qtbot, window: MainWindow, tmp_path) -> None:
    window.document.set_image(photo(200, 150))
    canvas = window.canvas
    window.tool_panel.opacity_slider.setValue(100)
    canvas.set_overlay_style(QColor("#00ff00"), canvas.overlay_opacity)
    assert window.tool_panel.color_button.text() == "#00ff00"
    drag(canvas, [(50, 50), (120, 50)])
    QTest.mouseMove(canvas, QPoint(5, 5))
    shown = canvas.grab().toImage().pixelColor(to_widget(canvas, 80, 50))
    assert (shown.red(), shown.green(), shown.blue()) == (0, 255, 0)
    QTest.keyClick(canvas, Qt.Key.Key_M)  # overlay off
    hidden = canvas.grab().toImage().pixelColor(to_widget(canvas, 80, 50))
    assert (hidden.red(), hidden.green(), hidden.blue()) == (90, 90, 90)
    assert not window.actions_by_name["overlay"].isChecked()
    QTest.keyClick(canvas, Qt.Key.Key_O)  # more transparent
    assert window.tool_panel.opacity_slider.value() == 90
    window.save_settings()
    saved = load_settings(tmp_path / "settings.json")
    assert saved.overlay_color == "#00ff00" and saved.overlay_opacity == 0.9


def test_settings_restore_brush_and_overlay(qtbot, tmp_path) -> None:
    from inpaint_desktop.gui.editor.document import Document
    from inpaint_desktop.store.settings import Settings, save_settings

    path = tmp_path / "prefs.json"
    prefs = Settings(brush_size=77, brush_hardness=0.25, overlay_color="#112233", overlay_opacity=0.7)
    save_settings(prefs, path)
    win = MainWindow(Document(), settings_path=path)
    qtbot.addWidget(win)
    assert win.canvas.brush.size == 77 and win.canvas.brush.hardness == 0.25
    assert win.canvas.overlay_color.name() == "#112233" and win.tool_panel.opacity_slider.value() == 70
    assert win.tool_panel.size_spin.value() == 77


def test_close_with_unsaved_mask_asks_and_cancel_keeps_window(qtbot, window: MainWindow) -> None:
    window.document.set_image(photo(50, 40))
    drag(window.canvas, [(10, 10), (20, 20)])
    assert window.isWindowModified()

    answer_next_box(QMessageBox.StandardButton.Cancel, lambda text: "nor exported" in text)
    assert not window.close()
    assert window.isVisible()


def test_every_action_has_a_button_or_slider(window: MainWindow) -> None:
    from PySide6.QtWidgets import QColorDialog

    from inpaint_desktop.gui.editor.tool_panel import SLIDER_ACTIONS

    shown: set[str] = set()
    for button in window.tool_panel.findChildren(QToolButton):
        action = button.defaultAction()
        if action is not None:
            shown.add(action.objectName().removesuffix("_button"))
    shown |= {a.objectName().removesuffix("_button") for a in window.toolbar.actions() if a.objectName()}
    # The colour button shows the colour itself; it triggers the same action.
    fired: list[bool] = []
    window.actions_by_name["overlay_color"].triggered.connect(lambda *_: fired.append(True))
    window.tool_panel.color_button.click()
    if fired:
        shown.add("overlay_color")
    for dialog in window.findChildren(QColorDialog):
        dialog.close()
    missing = set(window.actions_by_name) - shown - set(SLIDER_ACTIONS) - {"quit"}
    assert missing == set()
