"""The editing canvas: image, mask overlay and brush cursor painted in layers under one transform."""

from __future__ import annotations

from enum import Enum

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

from inpaint_desktop.gui.document import Document
from inpaint_desktop.gui.qimage_utils import array_to_qimage
from inpaint_desktop.gui.tools import BrushSettings, ToolKind, segment_rect, stamp_segment
from inpaint_desktop.gui.view_state import ViewState

WHEEL_STEP = 1.25


class MaskView(Enum):
    OVERLAY = "overlay"  # coloured tint where the mask is painted
    API = "api"  # what the API sees: checkerboard where the exported mask is transparent


class Canvas(QWidget):
    """One widget that draws the photo, the cached mask overlay and the brush outline.

    ``widget_to_image`` / ``image_to_widget`` are the only coordinate conversions. Painting touches
    only the segment's rectangle of the mask and the overlay cache, and repaints only that region.
    """

    cursor_moved = Signal(QPoint)  # image pixels
    zoom_changed = Signal(float)
    brush_changed = Signal()

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
        self._stroke_segments: list[tuple[QRect, np.ndarray]] = []
        self._last_point: QPointF | None = None  # end of the previous stroke, for Shift+click lines
        self._pan_last: QPointF | None = None
        self._space_down = False
        self._cursor_widget: QPointF | None = None
        self._pressure = 1.0
        self._fitted = False
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

    def zoom_actual(self) -> None:
        self.view.set_scale_centered(1.0, self.width(), self.height())

    def zoom_by(self, factor: float) -> None:
        self.view.zoom_at(QPointF(self.width() / 2, self.height() / 2), factor)

    def set_overlay_visible(self, visible: bool) -> None:
        self.overlay_visible = visible
        self.update()

    def set_overlay_peek_hidden(self, hidden: bool) -> None:
        self._overlay_peek_hidden = hidden
        self.update()

    def set_mask_view(self, mode: MaskView) -> None:
        self.mask_view = mode
        self._refresh_overlay(QRect(0, 0, *self.document.size()))
        self.update()

    def set_overlay_style(self, color: QColor, opacity: float) -> None:
        self.overlay_color = QColor(color)
        self.overlay_opacity = float(np.clip(opacity, 0.0, 1.0))
        self._refresh_overlay(QRect(0, 0, *self.document.size()))
        self.update()

    def set_brush(self, brush: BrushSettings) -> None:
        self.brush = BrushSettings(size=float(np.clip(brush.size, 1, 2000)), hardness=brush.hardness)
        self.brush_changed.emit()
        self.update()

    def set_tool(self, tool: ToolKind) -> None:
        self.tool = tool

    # -- document -> caches -----------------------------------------------------------------
    def _on_image_changed(self) -> None:
        image = self.document.image
        if image is None:
            self._image_q = None
            self._overlay = None
            self._overlay_np = None
            self.update()
            return
        self._image_q = array_to_qimage(image.array)  # type: ignore[attr-defined]
        width, height = self.document.size()
        # The overlay QImage views an array we own, so numpy can refresh dirty rectangles in place.
        self._overlay_np = np.zeros((height, width, 4), np.uint8)
        self._overlay = QImage(
            self._overlay_np.data, width, height, width * 4, QImage.Format.Format_ARGB32_Premultiplied
        )
        self._last_point = None
        self.fit()
        self.update()

    def _on_mask_changed(self, rect: QRect) -> None:
        self._refresh_overlay(rect)
        self.update(self._image_rect_to_widget(rect))

    def _refresh_overlay(self, rect: QRect) -> None:
        """Rebuild the overlay cache inside ``rect`` only (BGRA premultiplied, little endian)."""
        if self._overlay_np is None or rect.isEmpty():
            return
        sl = (slice(rect.top(), rect.bottom() + 1), slice(rect.left(), rect.right() + 1))
        mask = self.document.mask[sl]
        out = self._overlay_np[sl[0], sl[1]]
        if self.mask_view is MaskView.OVERLAY:
            alpha = (mask.astype(np.uint16) * int(self.overlay_opacity * 255 + 0.5) + 127) // 255
            color = self.overlay_color
            for channel, value in ((0, color.blue()), (1, color.green()), (2, color.red())):
                out[..., channel] = (alpha * value + 127) // 255
            out[..., 3] = alpha
        else:
            ys = np.arange(rect.top(), rect.bottom() + 1)[:, None] // 12
            xs = np.arange(rect.left(), rect.right() + 1)[None, :] // 12
            checker = np.where((ys + xs) % 2 == 0, 200, 150).astype(np.uint16)
            alpha = mask.astype(np.uint16)
            value = (checker * alpha + 127) // 255
            out[..., 0] = value
            out[..., 1] = value
            out[..., 2] = value
            out[..., 3] = alpha

    def _on_view_changed(self) -> None:
        self.zoom_changed.emit(self.view.scale)
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
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.view.scale < 1.0)
                painter.drawImage(target, self._image_q, QRectF(src_rect))
                if self._overlay is not None and self.overlay_visible and not self._overlay_peek_hidden:
                    painter.drawImage(target, self._overlay, QRectF(src_rect))
        self._paint_cursor(painter)
        painter.end()

    def _paint_cursor(self, painter: QPainter) -> None:
        if self._cursor_widget is None or self._image_q is None:
            return
        radius = self.brush.size * self._pressure * self.view.scale / 2
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for color, width in ((QColor(0, 0, 0, 160), 3.0), (QColor(255, 255, 255, 230), 1.0)):
            painter.setPen(QPen(color, width))
            painter.drawEllipse(self._cursor_widget, radius, radius)

    def _cursor_rect(self) -> QRect:
        if self._cursor_widget is None:
            return QRect()
        radius = self.brush.size * self.view.scale / 2 + 4
        c = self._cursor_widget
        return QRectF(c.x() - radius, c.y() - radius, 2 * radius, 2 * radius).toAlignedRect()

    def _move_cursor(self, pos: QPointF | None) -> None:
        old = self._cursor_rect()
        self._cursor_widget = pos
        self.update(old | self._cursor_rect())

    # -- strokes ----------------------------------------------------------------------------
    def _begin_stroke(self, image_point: QPointF, *, erase: bool, line_from: QPointF | None) -> None:
        self._stroke_erase = erase
        self._stroke_segments = []
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
            sl = (slice(rect.top(), rect.bottom() + 1), slice(rect.left(), rect.right() + 1))
            self._stroke_segments.append((rect, mask[sl].copy()))
            stamp_segment(mask, start, end, brush, erase=self._stroke_erase)
            self.document.notify_mask(rect)
        self._stroke_last = QPointF(image_point)

    def _end_stroke(self) -> None:
        if self._stroke_last is None:
            return
        self._last_point = QPointF(self._stroke_last)
        self._stroke_last = None
        segments, self._stroke_segments = self._stroke_segments, []
        if not segments:
            return
        union = QRect(segments[0][0])
        for rect, _ in segments[1:]:
            union |= rect
        mask = self.document.mask
        before = mask[union.top() : union.bottom() + 1, union.left() : union.right() + 1].copy()
        # Replaying the saved pixels newest-first restores the state before the stroke began.
        for rect, patch in reversed(segments):
            y, x = rect.top() - union.top(), rect.left() - union.left()
            before[y : y + rect.height(), x : x + rect.width()] = patch
        self.document.push_patch(union, before, text="Erase" if self._stroke_erase else "Paint")

    @property
    def stroking(self) -> bool:
        return self._stroke_last is not None

    # -- input ------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        button = event.button()
        left = button == Qt.MouseButton.LeftButton
        if button == Qt.MouseButton.MiddleButton or (left and self._space_down):
            self._pan_last = pos
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if self.document.is_empty() or button not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return
        erase = button == Qt.MouseButton.RightButton or self.tool is ToolKind.ERASER
        # Compare flag values: truth-testing Qt flags mis-counts bool references in some PySide6 builds.
        shift = _has(event.modifiers(), Qt.KeyboardModifier.ShiftModifier)
        line_from = self._last_point if shift else None
        self._begin_stroke(self.widget_to_image(pos), erase=erase, line_from=line_from)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._pan_last is not None:
            delta = pos - self._pan_last
            self._pan_last = pos
            self.view.pan(delta.x(), delta.y())
            return
        image_point = self.widget_to_image(pos)
        self.cursor_moved.emit(QPoint(int(np.floor(image_point.x())), int(np.floor(image_point.y()))))
        if self.stroking:
            self._stroke_to(image_point)
        self._move_cursor(pos)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_last is not None:
            self._pan_last = None
            self.setCursor(Qt.CursorShape.BlankCursor)
            return
        if self.stroking:
            self._end_stroke()
        self._pressure = 1.0

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
            self.setCursor(Qt.CursorShape.BlankCursor)
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
