"""Editor tools with real mouse and key events: shapes, brush resizing, panning, undo depth, cursor."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from inpaint_desktop.gui.editor.tools import BrushSettings, ToolKind
from inpaint_desktop.gui.main_window import MainWindow
from tests.conftest import DATA
from tests.gui.editor_helpers import answer_next_box, drag, move, photo, to_widget, window

__all__ = ["window"]

L, R = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton


def _ready(win: MainWindow, width: int = 200, height: int = 150) -> MainWindow:
    win.document.set_image(photo(width, height))
    win.canvas.set_brush(BrushSettings(size=10, hardness=1.0))
    win.canvas.setFocus()
    return win


def test_rectangle_fills_with_left_and_erases_with_right(window: MainWindow) -> None:
    win = _ready(window)
    canvas, doc = win.canvas, win.document
    QTest.keyClick(canvas, Qt.Key.Key_R)
    assert canvas.tool is ToolKind.RECT
    drag(canvas, [(20, 30), (60, 50), (100, 80)])
    mask = doc.mask
    assert mask[30:80, 20:100].min() == 255
    assert mask[29, 50] == 0 and mask[80, 50] == 0 and mask[50, 19] == 0 and mask[50, 100] == 0
    assert doc.undo_stack.count() == 1 and doc.undo_stack.text(0) == "Rectangle fill"
    drag(canvas, [(40, 40), (60, 60)], button=R)
    assert mask[40:60, 40:60].max() == 0 and mask[35, 30] == 255
    doc.undo_stack.undo()
    assert mask[30:80, 20:100].min() == 255


def test_freehand_lasso_fills_inside_only(window: MainWindow) -> None:
    win = _ready(window)
    canvas, mask = win.canvas, win.document.mask
    canvas.set_tool(ToolKind.LASSO)
    # A triangle drawn by dragging through many points.
    path = [(20 + t, 20.0) for t in range(0, 101, 5)] + [(120 - t / 2, 20 + t) for t in range(0, 101, 5)]
    path += [(70 - t / 2, 120 - t) for t in range(0, 101, 5)]
    drag(canvas, path)
    assert mask[40, 70] == 255 and mask[25, 30] == 255
    assert mask[100, 30] == 0 and mask[100, 110] == 0 and mask[130, 70] == 0
    edge = mask[70, 40:50]
    assert edge.min() == 0 and edge.max() == 255 and win.document.undo_stack.count() == 1


def test_polygon_lasso_clicks_double_click_enter_escape(qtbot, window: MainWindow) -> None:
    win = _ready(window)
    canvas, doc = win.canvas, win.document
    QTest.keyClick(canvas, Qt.Key.Key_P)
    for x, y in ((20, 20), (100, 20), (100, 100)):
        QTest.mouseClick(canvas, L, Qt.KeyboardModifier.NoModifier, to_widget(canvas, x, y))
    assert not doc.mask.any() and canvas.shape.active
    QTest.mouseDClick(canvas, L, Qt.KeyboardModifier.NoModifier, to_widget(canvas, 20, 100))
    mask = doc.mask
    assert mask[60, 60] == 255 and mask[10, 60] == 0 and not canvas.shape.active
    assert doc.undo_stack.count() == 1
    # Erase a triangle with right clicks, closed with Enter.
    for x, y in ((30, 30), (90, 30), (90, 90)):
        QTest.mouseClick(canvas, R, Qt.KeyboardModifier.NoModifier, to_widget(canvas, x, y))
    QTest.keyClick(canvas, Qt.Key.Key_Return)
    assert mask[40, 80] == 0 and mask[80, 40] == 255 and doc.undo_stack.count() == 2
    # Escape abandons a polygon; Backspace removes its last point.
    for x, y in ((120, 20), (180, 20), (180, 80)):
        QTest.mouseClick(canvas, L, Qt.KeyboardModifier.NoModifier, to_widget(canvas, x, y))
    QTest.keyClick(canvas, Qt.Key.Key_Backspace)
    assert len(canvas.shape.points) == 2
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert not canvas.shape.active and doc.undo_stack.count() == 2 and mask[40, 170] == 0


def test_polygon_closes_by_clicking_its_first_point(window: MainWindow) -> None:
    win = _ready(window)
    canvas = win.canvas
    canvas.set_tool(ToolKind.POLYGON)
    for x, y in ((120, 20), (180, 20), (180, 80), (120.5, 20.5)):
        QTest.mouseClick(canvas, L, Qt.KeyboardModifier.NoModifier, to_widget(canvas, x, y))
    assert not canvas.shape.active and win.document.mask[30, 170] == 255


def test_shape_preview_is_drawn_while_dragging(window: MainWindow) -> None:
    win = _ready(window)
    canvas = win.canvas
    canvas.set_tool(ToolKind.RECT)
    QTest.mousePress(canvas, L, Qt.KeyboardModifier.NoModifier, to_widget(canvas, 20, 20))
    move(canvas, to_widget(canvas, 120, 100), L)
    image = canvas.grab().toImage()
    inside = image.pixelColor(to_widget(canvas, 70, 60))
    assert (inside.red(), inside.green(), inside.blue()) != (90, 90, 90)  # tinted preview
    assert not win.document.mask.any()  # nothing written before release
    QTest.mouseRelease(canvas, L, Qt.KeyboardModifier.NoModifier, to_widget(canvas, 120, 100))
    assert win.document.mask[60, 70] == 255


def test_alt_right_drag_resizes_brush_without_painting(window: MainWindow) -> None:
    win = _ready(window)
    canvas = win.canvas
    canvas.set_brush(BrushSettings(size=20, hardness=0.8))
    alt = Qt.KeyboardModifier.AltModifier
    start = to_widget(canvas, 100, 75)
    QTest.mousePress(canvas, R, alt, start)
    move(canvas, start + QPoint(30, -40), R, alt)  # right = larger, up = harder
    QTest.mouseRelease(canvas, R, alt, start + QPoint(30, -40))
    scale = canvas.view.scale
    assert abs(canvas.brush.size - (20 + 60 / scale)) < 1.0
    assert canvas.brush.hardness == 1.0
    assert not win.document.mask.any()
    assert win.tool_panel.size_spin.value() == round(canvas.brush.size)


def test_ctrl_wheel_changes_brush_size_and_wheel_zooms(window: MainWindow) -> None:
    win = _ready(window)
    canvas = win.canvas
    pos = QPointF(to_widget(canvas, 100, 75))

    def wheel(mods: Qt.KeyboardModifier) -> None:
        event = QWheelEvent(pos, QPointF(canvas.mapToGlobal(pos)), QPoint(), QPoint(0, 120),
                            Qt.MouseButton.NoButton, mods, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(canvas, event)

    wheel(Qt.KeyboardModifier.ControlModifier)
    assert abs(canvas.brush.size - 11.5) < 0.01
    scale = canvas.view.scale
    anchor = canvas.widget_to_image(pos)
    wheel(Qt.KeyboardModifier.NoModifier)
    assert canvas.view.scale > scale
    after = canvas.widget_to_image(pos)
    assert abs(after.x() - anchor.x()) < 1e-6 and abs(after.y() - anchor.y()) < 1e-6


def test_space_drag_and_middle_drag_pan_without_painting(window: MainWindow) -> None:
    win = _ready(window)
    canvas = win.canvas
    offset = QPointF(canvas.view.offset)
    QTest.keyPress(canvas, Qt.Key.Key_Space)
    QTest.mousePress(canvas, L, Qt.KeyboardModifier.NoModifier, QPoint(100, 100))
    move(canvas, QPoint(130, 110), L)
    QTest.mouseRelease(canvas, L, Qt.KeyboardModifier.NoModifier, QPoint(130, 110))
    QTest.keyRelease(canvas, Qt.Key.Key_Space)
    assert canvas.view.offset == offset + QPointF(30, 10)
    QTest.mousePress(canvas, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(100, 100))
    move(canvas, QPoint(90, 100), Qt.MouseButton.MiddleButton)
    QTest.mouseRelease(canvas, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(90, 100))
    assert canvas.view.offset == offset + QPointF(20, 10)
    assert not win.document.mask.any()


def test_two_hundred_ten_strokes_undo_and_redo_exactly(window: MainWindow) -> None:
    win = _ready(window, 300, 200)
    canvas, doc = win.canvas, win.document
    rng = np.random.default_rng(3)
    states = [doc.mask.copy()]
    while doc.undo_stack.count() < 210:
        x, y = rng.uniform(5, 295), rng.uniform(5, 195)
        drag(canvas, [(x, y), (x + rng.uniform(-20, 20), y + rng.uniform(-20, 20))],
             button=L if rng.random() < 0.7 else R)
        if doc.undo_stack.count() == len(states):  # an erase over nothing changes nothing: no step
            states.append(doc.mask.copy())
    assert doc.undo_stack.count() == 210
    for i in range(210, 0, -1):
        doc.undo_stack.undo()
        assert np.array_equal(doc.mask, states[i - 1])
    assert not doc.mask.any() and not win.isWindowModified()
    for _ in range(210):
        doc.undo_stack.redo()
    assert np.array_equal(doc.mask, states[-1])
    # Each step holds only its rectangle: far less than 210 whole-mask copies.
    total = sum(doc.undo_stack.command(i).nbytes for i in range(210))
    assert total < 210 * doc.mask.nbytes / 20


def test_cursor_outline_drawn_at_true_brush_size(window: MainWindow) -> None:
    win = _ready(window)
    canvas = win.canvas
    canvas.set_brush(BrushSettings(size=40, hardness=1.0))
    centre = to_widget(canvas, 100, 75)
    move(canvas, centre)
    radius = 40 * canvas.view.scale / 2
    image = canvas.grab().toImage()

    def brightness(dx: float) -> int:
        c = image.pixelColor(centre + QPoint(round(dx), 0))
        return c.red() + c.green() + c.blue()

    # The white ring, within a pixel of the true radius whatever the zoom's rounding.
    assert max(brightness(radius + d) for d in (-1, -0.5, 0, 0.5, 1)) > 500
    assert brightness(radius - 6) == 270 and brightness(radius + 6) == 270  # plain photo around it


def test_zoom_labels_coverage_and_position(qtbot, window: MainWindow) -> None:
    win = _ready(window)
    canvas = win.canvas
    canvas.zoom_actual()
    assert canvas.display_zoom() == 1.0 and win._zoom_label.text() == "100 %"
    QTest.keyClick(canvas, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert win._zoom_label.text() == f"{canvas.display_zoom() * 100:.0f} %"
    win.actions_by_name["fill"].trigger()
    qtbot.waitUntil(lambda: win.coverage_text == "mask 100.0 %", timeout=3000)
    move(canvas, to_widget(canvas, 12.5, 40.5))
    assert win._pos_label.text() == "12, 40 px"


def test_opening_over_unsaved_mask_asks_first(qtbot, window: MainWindow) -> None:
    win = _ready(window)
    drag(win.canvas, [(10, 10), (50, 10)])
    before = win.document.mask.copy()

    answer_next_box(QMessageBox.StandardButton.Cancel, lambda text: "nor exported" in text)
    win.open_path(DATA / "coffee.png")
    assert win.opener.pending == 0 and np.array_equal(win.document.mask, before)

    answer_next_box(QMessageBox.StandardButton.Discard)
    win.open_path(DATA / "coffee.png")
    qtbot.waitUntil(lambda: win.opener.pending == 0, timeout=5000)
    assert win.document.path == DATA / "coffee.png" and not win.document.mask.any()


def test_tablet_pressure_scales_the_brush(window: MainWindow) -> None:
    from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent

    win = _ready(window)
    canvas, mask = win.canvas, win.document.mask
    canvas.set_brush(BrushSettings(size=40, hardness=1.0))
    pen = QPointingDevice("pen", 1, QInputDevice.DeviceType.Stylus, QPointingDevice.PointerType.Pen,
                          QInputDevice.Capability.Position | QInputDevice.Capability.Pressure, 1, 3)
    pos = QPointF(to_widget(canvas, 60, 75))
    event = QTabletEvent(QTabletEvent.Type.TabletPress, pen, pos, QPointF(canvas.mapToGlobal(pos)), 0.25,
                         0.0, 0.0, 0.0, 0.0, 0.0, Qt.KeyboardModifier.NoModifier, L, L)
    QApplication.sendEvent(canvas, event)
    drag(canvas, [(60, 75), (140, 75)])  # the mouse events a tablet press is followed by
    column = mask[:, 100]
    assert 8 <= np.count_nonzero(column) <= 12  # a quarter of the 40 px brush
    drag(canvas, [(60, 40), (140, 40)])  # pressure ends with the stroke: full size again
    assert 38 <= np.count_nonzero(mask[:60, 100]) <= 42
