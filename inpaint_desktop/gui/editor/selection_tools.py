"""Rectangle, freehand lasso and polygon lasso: shapes drawn on the canvas that fill or erase the mask.

The tool collects points in image coordinates while the user drags or clicks; when the shape is
closed it is rasterised into the mask's bounding rectangle only and pushed as one undo step.
The left button fills (marks for editing), the right button erases.
"""

from __future__ import annotations

import math
from enum import Enum

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF

from inpaint_desktop.gui.common.view_state import ViewState
from inpaint_desktop.gui.editor.document import Document

# A polygon click this close (in widget pixels) to the first point closes the shape.
CLOSE_DISTANCE = 8.0


class ShapeKind(Enum):
    RECT = "rectangle"
    LASSO = "lasso"
    POLYGON = "polygon"


class ShapeTool:
    """State of the shape being drawn; the canvas forwards input and asks it to paint a preview."""

    def __init__(self) -> None:
        self.kind: ShapeKind | None = None
        self.points: list[QPointF] = []
        self.erase = False
        self.hover: QPointF | None = None  # polygon rubber band end

    @property
    def active(self) -> bool:
        return self.kind is not None

    def cancel(self) -> None:
        self.kind = None
        self.points = []
        self.hover = None

    # -- input ------------------------------------------------------------------------------
    def press(self, kind: ShapeKind, point: QPointF, *, erase: bool, view: ViewState) -> bool:
        """Handle a button press; True when the press closed a polygon (call ``finish``)."""
        if kind is ShapeKind.POLYGON and self.kind is ShapeKind.POLYGON:
            first = view.image_to_widget(self.points[0])
            here = view.image_to_widget(point)
            near_first = math.dist((first.x(), first.y()), (here.x(), here.y())) <= CLOSE_DISTANCE
            if len(self.points) >= 3 and near_first:
                return True
            self.points.append(QPointF(point))
            return False
        self.kind, self.erase = kind, erase
        self.points = [QPointF(point), QPointF(point)] if kind is ShapeKind.RECT else [QPointF(point)]
        self.hover = QPointF(point)
        return False

    def move(self, point: QPointF, *, dragging: bool) -> None:
        if self.kind is ShapeKind.RECT and dragging:
            self.points[1] = QPointF(point)
        elif self.kind is ShapeKind.LASSO and dragging:
            last = self.points[-1]
            # Skip sub-pixel jitter so a long drag does not collect thousands of points.
            if abs(point.x() - last.x()) + abs(point.y() - last.y()) >= 1.0:
                self.points.append(QPointF(point))
        elif self.kind is ShapeKind.POLYGON:
            self.hover = QPointF(point)

    def release(self) -> bool:
        """A button release; True when the shape is complete (rectangle and lasso end here)."""
        return self.kind in (ShapeKind.RECT, ShapeKind.LASSO)

    def undo_point(self) -> None:
        if self.kind is ShapeKind.POLYGON and len(self.points) > 1:
            self.points.pop()
        elif self.kind is ShapeKind.POLYGON:
            self.cancel()

    # -- result -----------------------------------------------------------------------------
    def finish(self, document: Document) -> bool:
        """Write the shape into the document's mask as one undo step; True if anything changed."""
        kind, points, erase = self.kind, self.points, self.erase
        self.cancel()
        if kind is None or document.is_empty():
            return False
        width, height = document.size()
        if kind is ShapeKind.RECT:
            rect, shape = _rect_shape(points[0], points[1], width, height)
        else:
            if len(points) < 3:
                return False
            rect, shape = _polygon_shape(points, width, height)
        if rect.isEmpty():
            return False
        mask = document.mask
        before = mask[rect.top() : rect.bottom() + 1, rect.left() : rect.right() + 1]
        after = np.minimum(before, 255 - shape) if erase else np.maximum(before, shape)
        before_count = document.undo_stack.count()
        text = f"{kind.value.capitalize()} {'erase' if erase else 'fill'}"
        document.apply_patch(rect, after, text=text)
        return document.undo_stack.count() != before_count

    # -- preview ----------------------------------------------------------------------------
    def paint(self, painter: QPainter, view: ViewState, fill: QColor) -> None:
        if not self.active or not self.points:
            return
        pts = [view.image_to_widget(p) for p in self.points]
        path = QPainterPath()
        if self.kind is ShapeKind.RECT:
            path.addRect(QRectF(pts[0], pts[1]).normalized())
        else:
            if self.kind is ShapeKind.POLYGON and self.hover is not None:
                pts = [*pts, view.image_to_widget(self.hover)]
            path.addPolygon(QPolygonF(pts))
            path.closeSubpath()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        tint = QColor(60, 60, 60, 90) if self.erase else QColor(fill.red(), fill.green(), fill.blue(), 90)
        painter.fillPath(path, tint)
        solid, dashed = Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine
        outline = ((QColor(0, 0, 0, 200), solid), (QColor(255, 255, 255), dashed))
        for color, style in outline:
            pen = QPen(color, 1.0, style)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawPath(path)
        if self.kind is ShapeKind.POLYGON:
            painter.setBrush(QColor(255, 255, 255))
            for p in pts[: len(self.points)]:
                painter.drawEllipse(p, 2.5, 2.5)

    def preview_rect(self, view: ViewState) -> QRect:
        """Widget rectangle covering the preview (for partial repaints)."""
        if not self.points:
            return QRect()
        pts = [view.image_to_widget(p) for p in self.points]
        if self.hover is not None:
            pts.append(view.image_to_widget(self.hover))
        xs = [p.x() for p in pts]
        ys = [p.y() for p in pts]
        box = QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
        return box.toAlignedRect().adjusted(-4, -4, 4, 4)


def _rect_shape(a: QPointF, b: QPointF, width: int, height: int) -> tuple[QRect, np.ndarray]:
    # Rectangles snap to pixel edges: every pixel whose centre lies inside is covered fully.
    x0 = max(0, round(min(a.x(), b.x())))
    x1 = min(width, round(max(a.x(), b.x())))
    y0 = max(0, round(min(a.y(), b.y())))
    y1 = min(height, round(max(a.y(), b.y())))
    if x1 <= x0 or y1 <= y0:
        return QRect(), np.zeros((0, 0), np.uint8)
    return QRect(x0, y0, x1 - x0, y1 - y0), np.full((y1 - y0, x1 - x0), 255, np.uint8)


def _polygon_shape(points: list[QPointF], width: int, height: int) -> tuple[QRect, np.ndarray]:
    import cv2  # imported on first use: keeps it off the start-up path

    xs = np.array([p.x() for p in points], np.float64)
    ys = np.array([p.y() for p in points], np.float64)
    x0, y0 = max(0, math.floor(xs.min()) - 1), max(0, math.floor(ys.min()) - 1)
    x1, y1 = min(width, math.ceil(xs.max()) + 1), min(height, math.ceil(ys.max()) + 1)
    if x1 <= x0 or y1 <= y0:
        return QRect(), np.zeros((0, 0), np.uint8)
    shape = np.zeros((y1 - y0, x1 - x0), np.uint8)
    shift = 4  # sub-pixel vertex precision (1/16 px); pixel centres sit at +0.5
    scale = 1 << shift
    poly = np.stack([(xs - x0 - 0.5) * scale, (ys - y0 - 0.5) * scale], axis=1).round().astype(np.int32)
    cv2.fillPoly(shape, [poly], 255, lineType=cv2.LINE_AA, shift=shift)
    return QRect(x0, y0, x1 - x0, y1 - y0), shape
