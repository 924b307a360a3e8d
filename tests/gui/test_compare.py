"""Compare view: real widgets offscreen, real mouse/key/wheel events, assertions on grabbed pixels."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from inpaint_desktop.gui.common.qimage import array_to_qimage, qimage_to_array
from inpaint_desktop.gui.results.compare import CLICK_MS, CompareMode, CompareView

RED, BLUE = QColor("red"), QColor("blue")


def _solid(color: QColor, w: int = 200, h: int = 100) -> QImage:
    image = QImage(w, h, QImage.Format.Format_RGBA8888)
    image.fill(color)
    return image


def _quadrants(colors: list[tuple[int, int, int]], w: int = 200, h: int = 100) -> QImage:
    """Four coloured quadrants: top-left, top-right, bottom-left, bottom-right."""
    array = np.zeros((h, w, 3), np.uint8)
    array[: h // 2, : w // 2], array[: h // 2, w // 2 :] = colors[0], colors[1]
    array[h // 2 :, : w // 2], array[h // 2 :, w // 2 :] = colors[2], colors[3]
    return array_to_qimage(array)


def _checker(w: int, h: int, cell: int = 1) -> QImage:
    yy, xx = np.mgrid[0:h, 0:w]
    grey = np.where(((yy // cell) + (xx // cell)) % 2 == 0, 255, 0).astype(np.uint8)
    return array_to_qimage(np.dstack([grey, grey, grey]))


def _view(qtbot, a: QImage | None, b: QImage | None, mode: CompareMode, size=(400, 200)) -> CompareView:
    view = CompareView()
    qtbot.addWidget(view)
    view.set_mode(mode)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    view.set_images(a, b, caption_a="A", caption_b="B")
    QApplication.processEvents()
    view.fit()
    return view


def _pixel(widget, x: int, y: int) -> QColor:
    return widget.grab().toImage().pixelColor(x, y)


def _wheel(widget, pos: QPointF, notches: int) -> None:
    event = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120 * notches),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    QApplication.sendEvent(widget, event)


def test_swipe_shows_original_left_of_divider_and_dragging_moves_it(qtbot) -> None:
    view = _view(qtbot, _solid(RED), _solid(BLUE), CompareMode.SWIPE)
    pane = view.main_pane
    assert not view.side_pane.isVisible()
    assert pane.width() == 400 and view.state.scale == 2.0  # 200x100 fitted into 400x200
    divider = round(pane.divider_x())
    assert _pixel(pane, divider - 30, 150) == RED
    assert _pixel(pane, divider + 30, 150) == BLUE
    # Drag the divider 100 px to the right with the mouse.
    QTest.mousePress(pane, Qt.MouseButton.LeftButton, pos=QPoint(divider, 150))
    QTest.mouseMove(pane, QPoint(divider + 50, 150))
    QTest.mouseMove(pane, QPoint(divider + 100, 150))
    QTest.mouseRelease(pane, Qt.MouseButton.LeftButton, pos=QPoint(divider + 100, 150))
    assert round(pane.divider_x()) == divider + 100
    image = pane.grab().toImage()
    assert image.pixelColor(divider + 70, 150) == RED  # was blue before the drag
    assert image.pixelColor(divider + 130, 150) == BLUE
    # Pixel-aligned: the boundary is exactly at the divider (the line itself is drawn on it).
    assert image.pixelColor(divider + 97, 150) == RED and image.pixelColor(divider + 103, 150) == BLUE


def test_swipe_drag_away_from_divider_pans_both_images(qtbot) -> None:
    view = _view(qtbot, _solid(RED), _solid(BLUE), CompareMode.SWIPE)
    pane = view.main_pane
    offset = view.state.offset
    QTest.mousePress(pane, Qt.MouseButton.LeftButton, pos=QPoint(60, 100))
    QTest.mouseMove(pane, QPoint(70, 110))
    QTest.mouseMove(pane, QPoint(90, 130))
    QTest.mouseRelease(pane, Qt.MouseButton.LeftButton, pos=QPoint(90, 130))
    assert view.divider == 0.5
    assert (view.state.offset.x() - offset.x(), view.state.offset.y() - offset.y()) == (30.0, 30.0)
    # The top-left 30 px are now background, not image.
    assert _pixel(pane, 10, 10) != RED


def test_side_by_side_zoom_and_pan_in_one_pane_move_the_other_identically(qtbot) -> None:
    a = _quadrants([(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)])
    b = _quadrants([(0, 255, 255), (255, 0, 255), (255, 255, 255), (128, 0, 0)])  # same layout
    view = _view(qtbot, a, b, CompareMode.SIDE_BY_SIDE, size=(802, 200))
    left, right = view.side_pane, view.main_pane
    assert left.isVisible() and left.width() == right.width()
    quadrant_a = {(255, 0, 0): 0, (0, 255, 0): 1, (0, 0, 255): 2, (255, 255, 0): 3, (30, 30, 30): -1}
    quadrant_b = {(0, 255, 255): 0, (255, 0, 255): 1, (255, 255, 255): 2, (128, 0, 0): 3, (30, 30, 30): -1}
    points = [(x, y) for x in range(45, 400, 50) for y in range(40, 200, 40)]

    def layout() -> tuple[list[int], list[int]]:
        ia, ib = qimage_to_array(left.grab().toImage()), qimage_to_array(right.grab().toImage())
        return ([quadrant_a[tuple(int(c) for c in ia[y, x, :3])] for x, y in points],
                [quadrant_b[tuple(int(c) for c in ib[y, x, :3])] for x, y in points])

    before_a, before_b = layout()
    assert before_a == before_b
    scale = view.state.scale
    _wheel(right, QPointF(300, 150), 2)  # zoom in at the cursor, in the right pane
    assert view.state.scale == scale * 1.25**2
    after_a, after_b = layout()
    assert after_a == after_b and after_a != before_a
    # The image point under the cursor stays under the cursor.
    assert view.state.widget_to_image(QPointF(300, 150)).x() == 150.0
    QTest.mousePress(left, Qt.MouseButton.LeftButton, pos=QPoint(200, 100))
    QTest.mouseMove(left, QPoint(150, 90))
    QTest.mouseMove(left, QPoint(100, 80))
    QTest.mouseRelease(left, Qt.MouseButton.LeftButton, pos=QPoint(100, 80))
    panned_a, panned_b = layout()
    assert panned_a == panned_b and panned_a != after_a
    # Double-click fits again; both panes follow.
    QTest.mouseDClick(right, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    assert view.state.scale == scale and view.fitted
    assert layout() == (before_a, before_b)


def test_flip_by_click_and_hold_to_compare(qtbot) -> None:
    view = _view(qtbot, _solid(RED), _solid(BLUE), CompareMode.FLIP)
    pane = view.main_pane
    center = QPoint(200, 100)
    assert _pixel(pane, *center.toTuple()) == BLUE and view.current_image() is view.image_b
    # Press and hold: the original while held, back to the variant on release.
    QTest.mousePress(pane, Qt.MouseButton.LeftButton, pos=center)
    assert _pixel(pane, *center.toTuple()) == RED
    qtbot.wait(CLICK_MS + 80)
    QTest.mouseRelease(pane, Qt.MouseButton.LeftButton, pos=center)
    assert _pixel(pane, *center.toTuple()) == BLUE
    # A short click flips for good; another click flips back.
    QTest.mouseClick(pane, Qt.MouseButton.LeftButton, pos=center)
    assert view.flipped and _pixel(pane, *center.toTuple()) == RED
    QTest.mouseClick(pane, Qt.MouseButton.LeftButton, pos=center)
    assert not view.flipped and _pixel(pane, *center.toTuple()) == BLUE
    # A double-click fits and leaves the flip as it was.
    view.zoom_at(QPointF(center), 3.0)
    # What a widget receives for a double-click: press, release, double-click, release.
    QTest.mouseClick(pane, Qt.MouseButton.LeftButton, pos=center)
    QTest.mouseDClick(pane, Qt.MouseButton.LeftButton, pos=center)
    QTest.mouseRelease(pane, Qt.MouseButton.LeftButton, pos=center)
    assert view.fitted and not view.flipped and _pixel(pane, *center.toTuple()) == BLUE


def test_zoomed_in_is_nearest_neighbour_and_zoomed_out_is_smooth(qtbot) -> None:
    view = _view(qtbot, None, _checker(8, 8), CompareMode.FLIP, size=(200, 200))
    view.zoom_actual()
    view.zoom_at(QPointF(0, 0), 16.0)
    view.state.offset = QPointF(0.0, 0.0)
    view.state.changed.emit()
    grabbed = qimage_to_array(view.main_pane.grab().toImage())[:128, :128, 0]
    # Every screen pixel of the magnified image (below the caption) is pure black or white.
    assert set(np.unique(grabbed[32:])) == {0, 255}
    assert grabbed[40, 8] == 255 and grabbed[40, 24] == 0 and grabbed[47, 15] == 255 and grabbed[48, 15] == 0
    # Zoomed out to 1/4, a 1-pixel checkerboard averages to grey (nearest would keep black/white).
    view.set_images(None, _checker(400, 400))
    view.fit()
    assert view.state.scale == 0.5
    view.zoom_at(QPointF(100, 100), 0.5)
    small = qimage_to_array(view.main_pane.grab().toImage())[60:140, 60:140, 0]
    assert 100 <= small.min() and small.max() <= 155


def test_big_photo_zoomed_out_is_rescaled_once_zooming_pauses(qtbot) -> None:
    big = _solid(RED, 2000, 1200)  # above the size rescaled synchronously
    view = _view(qtbot, None, big, CompareMode.FLIP, size=(400, 240))
    w, h = round(2000 * view.state.scale), round(1200 * view.state.scale)
    assert _pixel(view.main_pane, 200, 120) == RED
    qtbot.waitUntil(lambda: view.cache.scaled(big, w, h) is not None, timeout=3000)
    assert _pixel(view.main_pane, 200, 120) == RED


def test_empty_view_missing_original_and_mode_switch_keep_zoom(qtbot) -> None:
    view = _view(qtbot, None, None, CompareMode.SIDE_BY_SIDE)
    assert _pixel(view.main_pane, 5, 5) == QColor("#1e1e1e")
    view.set_images(None, _solid(BLUE))  # no original: A is empty, B still shown
    view.set_mode(CompareMode.SWIPE)
    QApplication.processEvents()  # the main pane takes the whole width
    assert _pixel(view.main_pane, 100, 150) == QColor("#1e1e1e") and _pixel(view.main_pane, 300, 150) == BLUE
    view.set_images(_solid(RED), _solid(BLUE))
    view.set_mode(CompareMode.SIDE_BY_SIDE)
    view.zoom_at(QPointF(10, 10), 2.0)
    scale = view.state.scale
    with qtbot.waitSignal(view.mode_changed):
        view.set_mode(CompareMode.SWIPE)
    QApplication.processEvents()
    assert view.state.scale == scale and not view.fitted
