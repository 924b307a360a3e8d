"""The editing canvas: image, mask overlay and brush cursor painted in layers under one transform."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTabletEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from inpaint_desktop.gui.common.qimage import array_to_qimage
from inpaint_desktop.gui.common.view_state import ViewState
from inpaint_desktop.gui.editor.document import Document
from inpaint_desktop.gui.editor.overlay import MaskView, refresh_overlay
from inpaint_desktop.gui.editor.selection_tools import ShapeKind, ShapeTool
from inpaint_desktop.gui.editor.tools import (
    BrushSettings,
    StrokeHistory,
    ToolKind,
    segment_rect,
    stamp_segment,
)

__all__ = ["Canvas", "MaskView"]

WHEEL_STEP = 1.25
# Alt+right-drag: widget pixels of vertical drag for the full hardness range.
HARDNESS_DRAG_SPAN = 200.0


class Canvas(QWidget):
    """One widget that draws the photo, the cached mask overlay and the brush outline.

    ``widget_to_image`` / ``image_to_widget`` are the only coordinate conversions. Painting touches
    only the segment's rectangle of the mask and the overlay cache, and repaints only that region.
    """

    cursor_moved = Signal(QPoint)  # image pixels
    zoom_changed = Signal(float)  # display zoom: 1.0 = one image pixel per physical screen pixel
    brush_changed = Signal()
    tool_changed = Signal(object)  # ToolKind
    overlay_changed = Signal()

    def __init__(
        self, document: Document, view: ViewState | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.view = view or ViewState(self)
        self.brush = BrushSettings()
        self.tool = ToolKind.BRUSH
        self.overlay_color = QColor(255, 40, 90)
        self.overlay_opacity = 0.5
        self.overlay_visible = True
        self.mask_view = MaskView.OVERLAY
        self._overlay_peek_hidden = False
        self._image_q: QImage | None = None
        self._overlay: QImage | None = None
        self._overlay_np: np.ndarray | None = None
        self._stroke_erase = False
        self._stroke_last: QPointF | None = None
        self._stroke_history = StrokeHistory()
        self._last_point: QPointF | None = None  # end of the previous stroke, for Shift+click lines
        self._pan_last: QPointF | None = None
        self._space_down = False
        self._cursor_widget: QPointF | None = None
        self._pressure = 1.0
        self._fitted = False
        self.shape = ShapeTool()
        self._resize_from: tuple[QPointF, BrushSettings] | None = None  # Alt+right-drag
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 150)
        self.setCursor(Qt.CursorShape.BlankCursor)
        document.image_changed.connect(self._on_image_changed)
        document.mask_changed.connect(self._on_mask_changed)
        self.view.changed.connect(self._on_view_changed)

    # -- coordinates ------------------------------------------------------------------------
    def widget_to_image(self, point: QPointF) -> QPointF:
        return self.view.widget_to_image(point)

    def image_to_widget(self, point: QPointF) -> QPointF:
        return self.view.image_to_widget(point)

    def _image_rect_to_widget(self, rect: QRect) -> QRect:
        return self.view.image_rect_to_widget(QRectF(rect)).toAlignedRect().adjusted(-1, -1, 1, 1)

    # -- view -------------------------------------------------------------------------------
    def fit(self) -> None:
        width, height = self.document.size()
        self.view.fit(width, height, self.width(), self.height())

    def display_zoom(self) -> float:
        """Image pixels per physical screen pixel (what "100 %" means on HiDPI screens too)."""
        return self.view.scale * self.devicePixelRatioF()

    def zoom_actual(self) -> None:
        # One image pixel per device pixel: on a 2x screen the logical scale is 0.5.
        self.view.set_scale_centered(1.0 / self.devicePixelRatioF(), self.width(), self.height())

    def zoom_by(self, factor: float) -> None:
        self.view.zoom_at(QPointF(self.width() / 2, self.height() / 2), factor)

    def set_overlay_visible(self, visible: bool) -> None:
        self.overlay_visible = bool(visible)
        self.overlay_changed.emit()
        self.update()

    def set_overlay_peek_hidden(self, hidden: bool) -> None:
        self._overlay_peek_hidden = hidden
        self.update()

    def set_mask_view(self, mode: MaskView) -> None:
        self.mask_view = mode
        self._refresh_overlay(QRect(0, 0, *self.document.size()))
        self.overlay_changed.emit()
        self.update()

    def set_overlay_style(self, color: QColor, opacity: float) -> None:
        self.overlay_color = QColor(color)
        self.overlay_opacity = float(np.clip(opacity, 0.0, 1.0))
        self._refresh_overlay(QRect(0, 0, *self.document.size()))
        self.overlay_changed.emit()
        self.update()

    def set_brush(self, brush: BrushSettings) -> None:
        size = float(np.clip(brush.size, 1, 2000))
        hardness = float(np.clip(brush.hardness, 0.0, 1.0))
        if (size, hardness) == (self.brush.size, self.brush.hardness):
            return
        old = self._cursor_rect()
        self.brush = BrushSettings(size=size, hardness=hardness)
        self.brush_changed.emit()
        self.update(old | self._cursor_rect())

    def set_tool(self, tool: ToolKind) -> None:
        if tool is self.tool:
            return
        if self.shape.active:
            self.shape.cancel()
            self.update()
        self.tool = tool
        self._move_cursor(self._cursor_widget)
        self._restore_cursor()
        self.tool_changed.emit(tool)

    def _restore_cursor(self) -> None:
        if self._space_down:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        elif self.tool.is_shape:
            self.setCursor(Qt.CursorShape.CrossCursor)
        else:
            # The brush outline drawn by the canvas is the cursor.
            self.setCursor(Qt.CursorShape.BlankCursor)

    # -- document -> caches -----------------------------------------------------------------
    def _on_image_changed(self) -> None:
        image = self.document.image
        if image is None:
            self._image_q = None
            self._overlay = None
            self._overlay_np = None
            self.update()
            return
        self._image_q = array_to_qimage(image.array)
        width, height = self.document.size()
        # The overlay QImage views an array we own, so numpy can refresh dirty rectangles in place.
        self._overlay_np = np.zeros((height, width, 4), np.uint8)
        self._overlay = QImage(
            self._overlay_np.data, width, height, width * 4, QImage.Format.Format_ARGB32_Premultiplied
        )
        self._last_point = None
        self.shape.cancel()
        self.fit()
        self.update()

    def _on_mask_changed(self, rect: QRect) -> None:
        self._refresh_overlay(rect)
        self.update(self._image_rect_to_widget(rect))

    def _refresh_overlay(self, rect: QRect) -> None:
        """Rebuild the overlay cache inside ``rect`` only."""
        if self._overlay_np is None:
            return
        style = (self.mask_view, self.overlay_color, self.overlay_opacity)
        refresh_overlay(self._overlay_np, self.document.mask, rect, *style)

    def _on_view_changed(self) -> None:
        self.zoom_changed.emit(self.display_zoom())
        self.update()

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        exposed = event.rect()
        painter.fillRect(exposed, QColor(38, 38, 40))
        if self._image_q is not None:
            width, height = self.document.size()
            src = self.view.widget_to_image(QPointF(exposed.topLeft()))
            src_end = self.view.widget_to_image(QPointF(exposed.bottomRight() + QPoint(1, 1)))
            src_rect = QRectF(src, src_end).toAlignedRect().adjusted(-1, -1, 1, 1)
            src_rect &= QRect(0, 0, width, height)
            if not src_rect.isEmpty():
                target = self.view.image_rect_to_widget(QRectF(src_rect))
                # Smooth when zoomed out; nearest neighbour past 100 % so pixels stay crisp.
                # (Judged in device pixels, so HiDPI screens stay crisp at 100 % too.)
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.display_zoom() < 1.0)
                painter.drawImage(target, self._image_q, QRectF(src_rect))
                if self._overlay is not None and self.overlay_visible and not self._overlay_peek_hidden:
                    painter.drawImage(target, self._overlay, QRectF(src_rect))
        self.shape.paint(painter, self.view, self.overlay_color)
        self._paint_cursor(painter)
        painter.end()

    def _paint_cursor(self, painter: QPainter) -> None:
        if self._cursor_widget is None or self._image_q is None or self.tool.is_shape:
            return
        radius = self.brush.size * self._pressure * self.view.scale / 2
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for color, width in ((QColor(0, 0, 0, 160), 3.0), (QColor(255, 255, 255, 230), 1.0)):
            painter.setPen(QPen(color, width))
            painter.drawEllipse(self._cursor_widget, radius, radius)
        if self.brush.hardness < 0.999 and radius > 6:
            # A dotted inner circle marks where a soft brush starts to fade.
            inner = radius * self.brush.hardness
            pen = QPen(QColor(255, 255, 255, 160), 1.0, Qt.PenStyle.DotLine)
            painter.setPen(pen)
            painter.drawEllipse(self._cursor_widget, inner, inner)

    def _cursor_rect(self) -> QRect:
        if self._cursor_widget is None:
            return QRect()
        radius = self.brush.size * max(self._pressure, 1.0) * self.view.scale / 2 + 4
        c = self._cursor_widget
        return QRectF(c.x() - radius, c.y() - radius, 2 * radius, 2 * radius).toAlignedRect()

    def _move_cursor(self, pos: QPointF | None) -> None:
        old = self._cursor_rect()
        self._cursor_widget = pos
        self.update(old | self._cursor_rect())

    # -- strokes ----------------------------------------------------------------------------
    def _begin_stroke(self, image_point: QPointF, *, erase: bool, line_from: QPointF | None) -> None:
        self._stroke_erase = erase
        self._stroke_history.clear()
        self._stroke_last = line_from if line_from is not None else image_point
        self._stroke_to(image_point)

    def _stroke_to(self, image_point: QPointF) -> None:
        if self._stroke_last is None:
            return
        mask = self.document.mask_view_for_painting()
        brush = BrushSettings(size=self.brush.size * self._pressure, hardness=self.brush.hardness)
        start = (self._stroke_last.x(), self._stroke_last.y())
        end = (image_point.x(), image_point.y())
        # Keep the pixels under this segment as they were, so the stroke's undo patch can be rebuilt.
        height, width = mask.shape
        rect = segment_rect(*start, *end, max(0.5, brush.size / 2), width, height)
        if not rect.isEmpty():
            self._stroke_history.save(mask, rect)
            stamp_segment(mask, start, end, brush, erase=self._stroke_erase)
            self.document.notify_mask(rect)
        self._stroke_last = QPointF(image_point)

    def _end_stroke(self) -> None:
        if self._stroke_last is None:
            return
        self._last_point = QPointF(self._stroke_last)
        self._stroke_last = None
        result = self._stroke_history.before_patch(self.document.mask)
        if result is not None:
            self.document.push_patch(*result, text="Erase" if self._stroke_erase else "Paint")

    @property
    def stroking(self) -> bool:
        return self._stroke_last is not None

    # -- input ------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        button = event.button()
        left, right = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton
        if button == Qt.MouseButton.MiddleButton or (button == left and self._space_down):
            self._pan_last = pos
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if self.document.is_empty() or button not in (left, right):
            return
        # Compare flag values: truth-testing Qt flags mis-counts bool references in some PySide6 builds.
        mods = event.modifiers()
        image_point = self.widget_to_image(pos)
        if button == right and _has(mods, Qt.KeyboardModifier.AltModifier) and not self.tool.is_shape:
            # Alt+right-drag: horizontal = size, vertical = hardness (works without bracket keys).
            self._resize_from = (QPointF(pos), self.brush)
            return
        if self.tool.is_shape:
            kind = ShapeKind(self.tool.value)
            if self.shape.press(kind, image_point, erase=button == right, view=self.view):
                self._finish_shape()
            self.update(self.shape.preview_rect(self.view))
            return
        erase = button == right or self.tool is ToolKind.ERASER
        line_from = self._last_point if _has(mods, Qt.KeyboardModifier.ShiftModifier) else None
        self._begin_stroke(image_point, erase=erase, line_from=line_from)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._pan_last is not None:
            delta = pos - self._pan_last
            self._pan_last = pos
            self.view.pan(delta.x(), delta.y())
            return
        if self._resize_from is not None:
            anchor, start = self._resize_from
            delta = pos - anchor
            size = start.size + 2.0 * delta.x() / self.view.scale
            hardness = start.hardness - delta.y() / HARDNESS_DRAG_SPAN
            self.set_brush(BrushSettings(size=size, hardness=hardness))
            return
        image_point = self.widget_to_image(pos)
        self.cursor_moved.emit(QPoint(int(np.floor(image_point.x())), int(np.floor(image_point.y()))))
        if self.shape.active:
            old = self.shape.preview_rect(self.view)
            buttons = int(event.buttons().value)
            dragging = (buttons & int((Qt.MouseButton.LeftButton | Qt.MouseButton.RightButton).value)) != 0
            self.shape.move(image_point, dragging=dragging)
            self.update(old | self.shape.preview_rect(self.view))
        if self.stroking:
            self._stroke_to(image_point)
        self._move_cursor(pos)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_last is not None:
            self._pan_last = None
            self._restore_cursor()
            return
        if self._resize_from is not None:
            self._resize_from = None
            return
        if self.shape.active and self.shape.release():
            self._finish_shape()
        if self.stroking:
            self._end_stroke()
        self._pressure = 1.0

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.shape.kind is ShapeKind.POLYGON:
            point = self.widget_to_image(event.position())
            last = self.shape.points[-1]
            if abs(point.x() - last.x()) + abs(point.y() - last.y()) > 0.5:
                self.shape.points.append(point)  # the double-click's own press may not have added it
            self._finish_shape()
            return
        super().mouseDoubleClickEvent(event)

    def _finish_shape(self) -> None:
        area = self.shape.preview_rect(self.view)
        self.shape.finish(self.document)
        self.update(area)

    def finish_polygon(self) -> None:
        """Close the polygon being drawn (Enter, double-click, or a click on its first point)."""
        if self.shape.kind is ShapeKind.POLYGON:
            self._finish_shape()

    def tabletEvent(self, event: QTabletEvent) -> None:
        # Pressure scales the brush; the synthesized mouse events that follow do the painting.
        self._pressure = float(np.clip(event.pressure(), 0.05, 1.0)) if event.pressure() > 0 else 1.0
        event.ignore()

    def leaveEvent(self, event: object) -> None:
        self._move_cursor(None)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps == 0:
            return
        if _has(event.modifiers(), Qt.KeyboardModifier.ControlModifier):
            self.set_brush(BrushSettings(size=self.brush.size * (1.15**steps), hardness=self.brush.hardness))
        else:
            self.view.zoom_at(event.position(), WHEEL_STEP**steps)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self.shape.active and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish_polygon()
            return
        if self.shape.active and key == Qt.Key.Key_Escape:
            self.update(self.shape.preview_rect(self.view))
            self.shape.cancel()
            return
        if self.shape.active and key == Qt.Key.Key_Backspace:
            self.update(self.shape.preview_rect(self.view))
            self.shape.undo_point()
            return
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = True
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            return
        if event.key() == Qt.Key.Key_Backslash and not event.isAutoRepeat():
            self.set_overlay_peek_hidden(True)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = False
            self._restore_cursor()
            return
        if event.key() == Qt.Key.Key_Backslash and not event.isAutoRepeat():
            self.set_overlay_peek_hidden(False)
            return
        super().keyReleaseEvent(event)

    def resizeEvent(self, event: object) -> None:
        if not self._fitted and not self.document.is_empty():
            self._fitted = True
            self.fit()


def _has(modifiers: Qt.KeyboardModifier, flag: Qt.KeyboardModifier) -> bool:
    return (int(modifiers.value) & int(flag.value)) != 0
