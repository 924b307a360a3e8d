"""Zoom and pan state shared by views: one transform from image pixels to widget pixels."""

from __future__ import annotations

from PySide6.QtCore import QObject, QPointF, QRectF, Signal

MIN_SCALE = 0.01
MAX_SCALE = 64.0


class ViewState(QObject):
    """widget = image * scale + offset (logical widget pixels)."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scale = 1.0
        self.offset = QPointF(0.0, 0.0)

    def image_to_widget(self, point: QPointF) -> QPointF:
        return QPointF(point.x() * self.scale + self.offset.x(), point.y() * self.scale + self.offset.y())

    def widget_to_image(self, point: QPointF) -> QPointF:
        return QPointF((point.x() - self.offset.x()) / self.scale, (point.y() - self.offset.y()) / self.scale)

    def image_rect_to_widget(self, rect: QRectF) -> QRectF:
        top_left = self.image_to_widget(rect.topLeft())
        return QRectF(top_left.x(), top_left.y(), rect.width() * self.scale, rect.height() * self.scale)

    def zoom_at(self, widget_point: QPointF, factor: float) -> None:
        """Zoom keeping the image point under ``widget_point`` fixed."""
        anchor = self.widget_to_image(widget_point)
        self.scale = min(MAX_SCALE, max(MIN_SCALE, self.scale * factor))
        self.offset = QPointF(
            widget_point.x() - anchor.x() * self.scale, widget_point.y() - anchor.y() * self.scale
        )
        self.changed.emit()

    def fit(self, image_w: int, image_h: int, widget_w: int, widget_h: int) -> None:
        if image_w <= 0 or image_h <= 0:
            return
        self.scale = max(MIN_SCALE, min(widget_w / image_w, widget_h / image_h))
        self.offset = QPointF((widget_w - image_w * self.scale) / 2, (widget_h - image_h * self.scale) / 2)
        self.changed.emit()

    def set_scale_centered(self, scale: float, widget_w: int, widget_h: int) -> None:
        """Zoom to exactly ``scale`` (no factor arithmetic, so 100 % is exactly 1.0) about the centre."""
        centre = QPointF(widget_w / 2, widget_h / 2)
        anchor = self.widget_to_image(centre)
        self.scale = min(MAX_SCALE, max(MIN_SCALE, scale))
        self.offset = QPointF(centre.x() - anchor.x() * self.scale, centre.y() - anchor.y() * self.scale)
        self.changed.emit()

    def pan(self, dx: float, dy: float) -> None:
        self.offset = QPointF(self.offset.x() + dx, self.offset.y() + dy)
        self.changed.emit()
