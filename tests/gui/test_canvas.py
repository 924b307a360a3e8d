"""Canvas painting with real mouse events, asserting on mask and rendered pixels."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from inpaint_desktop.gui.editor.canvas import Canvas
from inpaint_desktop.gui.editor.document import Document
from inpaint_desktop.gui.editor.tools import BrushSettings, ToolKind


def _canvas(qtbot, make_image) -> Canvas:
    doc = Document()
    canvas = Canvas(doc)
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    canvas.show()
    qtbot.waitExposed(canvas)
    doc.set_image(make_image(200, 150))
    canvas.fit()  # 2x zoom, no offset
    canvas.set_brush(BrushSettings(size=10, hardness=1.0))
    return canvas


def _w(canvas: Canvas, x: float, y: float) -> QPoint:
    return canvas.image_to_widget(QPointF(x, y)).toPoint()


def _drag(
    canvas: Canvas, points: list[tuple[float, float]], button=Qt.MouseButton.LeftButton, mods=None
) -> None:
    mods = Qt.KeyboardModifier.NoModifier if mods is None else mods
    QTest.mousePress(canvas, button, mods, _w(canvas, *points[0]))
    for p in points[1:]:
        QTest.mouseMove(canvas, _w(canvas, *p))
    QTest.mouseRelease(canvas, button, mods, _w(canvas, *points[-1]))


def test_brush_stroke_paints_under_path_only(qtbot, make_image) -> None:
    canvas = _canvas(qtbot, make_image)
    mask = canvas.document.mask
    _drag(canvas, [(20, 50), (60, 50), (100, 50)])
    assert mask[50, 20:101].min() == 255
    assert mask[46:55, 40].min() == 255
    assert mask[60:, :].max() == 0 and mask[:40, :].max() == 0
    assert canvas.document.undo_stack.count() == 1


def test_undo_redo_exact_and_eraser(qtbot, make_image) -> None:
    canvas = _canvas(qtbot, make_image)
    doc = canvas.document
    _drag(canvas, [(20, 50), (100, 50)])
    after_paint = doc.mask.copy()
    _drag(canvas, [(60, 40), (60, 60)], button=Qt.MouseButton.RightButton)
    assert doc.mask[50, 60] == 0 and doc.mask[50, 30] == 255
    canvas.set_tool(ToolKind.ERASER)
    _drag(canvas, [(30, 40), (30, 60)])
    assert doc.mask[50, 30] == 0
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert np.array_equal(doc.mask, after_paint)
    doc.undo_stack.undo()
    assert not doc.mask.any()
    doc.undo_stack.redo()
    assert np.array_equal(doc.mask, after_paint)


def test_shift_click_draws_line_from_last_point(qtbot, make_image) -> None:
    canvas = _canvas(qtbot, make_image)
    _drag(canvas, [(20, 20)])
    _drag(canvas, [(150, 120)], mods=Qt.KeyboardModifier.ShiftModifier)
    mask = canvas.document.mask
    assert mask[70, 85] == 255 and mask[120, 20] == 0


def test_undo_limit_allows_two_hundred_steps(qtbot, make_image) -> None:
    canvas = _canvas(qtbot, make_image)
    assert canvas.document.undo_stack.undoLimit() >= 200


def test_zoom_keeps_point_under_cursor(qtbot, make_image) -> None:
    canvas = _canvas(qtbot, make_image)
    anchor = QPointF(123, 77)
    before = canvas.widget_to_image(anchor)
    canvas.view.zoom_at(anchor, 1.7)
    after = canvas.widget_to_image(anchor)
    assert abs(before.x() - after.x()) < 1e-6 and abs(before.y() - after.y()) < 1e-6
    assert canvas.view.scale > 3


def test_rendered_overlay_colour(qtbot, make_image) -> None:
    canvas = _canvas(qtbot, make_image)
    canvas.set_overlay_style(QColor(255, 0, 0), 1.0)
    _drag(canvas, [(20, 50), (100, 50)])
    QTest.mouseMove(canvas, QPoint(390, 290))
    image = canvas.grab().toImage()
    painted = image.pixelColor(_w(canvas, 60, 50))
    untouched = image.pixelColor(_w(canvas, 60, 120))
    assert painted.red() > 240 and painted.green() < 20 and painted.blue() < 20
    assert untouched.red() == untouched.green() == 90


def test_soft_brush_gives_intermediate_values_capped_by_max(qtbot, make_image) -> None:
    canvas = _canvas(qtbot, make_image)
    canvas.set_brush(BrushSettings(size=30, hardness=0.2))
    _drag(canvas, [(100, 75), (101, 75), (100, 75), (101, 75)])
    mask = canvas.document.mask
    assert mask[75, 100] >= 240
    edge = int(mask[75, 111])
    assert 0 < edge < 200
    assert mask[75, 120] == 0


def test_api_view_shows_checkerboard_where_painted(qtbot, make_image) -> None:
    from inpaint_desktop.gui.editor.canvas import MaskView

    canvas = _canvas(qtbot, make_image)
    _drag(canvas, [(20, 50), (100, 50)])
    canvas.set_mask_view(MaskView.API)
    QTest.mouseMove(canvas, QPoint(390, 290))
    image = canvas.grab().toImage()
    painted = image.pixelColor(_w(canvas, 60, 50))
    assert painted.red() == painted.green() == painted.blue() and painted.red() in (150, 200)
