"""Compare view: a reference image (A, usually the original) against a variant (B).

Three modes share one zoom/pan state (``ViewState``), so a detail found in one mode stays in view
when switching to another:

- side by side: two panes, A left and B right, zoomed and panned together;
- swipe: one pane, A left of a vertical divider the user drags, B right of it, pixel-aligned;
- flip: one pane showing B; a click or Space flips to A, press and hold shows A until release.

While B's pixels are read back from disk, a ``PendingImage`` stands in for it: its thumbnail scaled
to B's place and a message ("Loading…"), so the view never waits for the disk.

Pixmaps are made on the GUI thread only. Zoomed out, a repaint draws a cached, smoothly scaled
pixmap (big photos are scaled on the thread pool); zoomed in, it draws only the visible source pixels,
nearest-neighbour. No repaint converts or rescales a whole photo on the GUI thread.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

from inpaint_desktop.gui.common.loader import BackgroundLoader
from inpaint_desktop.gui.common.view_state import ViewState
from inpaint_desktop.gui.results.pixmap_cache import PixmapCache

# A press released sooner than this (without a drag) is a click: in flip mode it flips for good.
CLICK_MS = 300
# How far (widget px) the mouse may move before a press becomes a pan.
DRAG_SLOP_PX = 4
# Grab distance of the swipe divider either side of the line.
DIVIDER_GRAB_PX = 10
# One wheel notch zooms by this factor.
WHEEL_STEP = 1.25
RESCALE_DELAY_MS = 120
_BACKGROUND = QColor("#1e1e1e")


class CompareMode(Enum):
    SIDE_BY_SIDE = "side"
    SWIPE = "swipe"
    FLIP = "flip"


@dataclass(frozen=True)
class PendingImage:
    """Stands in for B while its pixels load: B's size, a small preview and what is happening."""

    width: int
    height: int
    preview: QImage | None
    message: str


class ComparePane(QWidget):
    """One drawing surface of the compare view. It shows B, A, or A|B split at the divider."""

    def __init__(self, view: CompareView, *, is_main: bool) -> None:
        super().__init__(view)
        self.view, self.is_main = view, is_main
        self.setObjectName("compare_main" if is_main else "compare_side")
        self.setMinimumSize(80, 60)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMouseTracking(True)
        self._press_pos: QPointF | None = None
        self._last_pos = QPointF()
        self._press_time = 0.0
        self._panning = False
        self._dragging_divider = False
        view.state.changed.connect(self.update)

    # -- painting ------------------------------------------------------------------------
    def divider_x(self) -> float:
        return self.view.divider * self.width()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        clip = event.rect()
        painter.fillRect(clip, _BACKGROUND)
        view = self.view
        a, b = view.image_a, view.image_b
        if a is None and b is None and view.pending_b is None:
            painter.setPen(QColor("#aaaaaa"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, view.placeholder)
            return
        if not self.is_main:
            self._draw(painter, a, clip)
            self._caption(painter, view.caption_a, left=True)
        elif view.mode is CompareMode.SWIPE:
            split = round(self.divider_x())
            left = QRect(0, 0, split, self.height())
            right = QRect(split, 0, self.width() - split, self.height())
            for is_b, part in ((False, left), (True, right)):
                area = part.intersected(clip)
                if not area.isEmpty():
                    painter.save()
                    painter.setClipRect(area)
                    if is_b:
                        self._draw_b(painter, area, part)
                    else:
                        self._draw(painter, a, area)
                    painter.restore()
            pen = QPen(QColor(255, 255, 255, 230), 2)
            painter.setPen(pen)
            painter.drawLine(QPointF(split, 0), QPointF(split, self.height()))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setBrush(QColor(40, 40, 40, 200))
            painter.drawEllipse(QPointF(split, self.height() / 2), 7, 7)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            self._caption(painter, view.caption_a, left=True)
            self._caption(painter, view.caption_b, left=False)
        else:
            showing_a = view.showing_a()
            if showing_a:
                self._draw(painter, a, clip)
            else:
                self._draw_b(painter, clip, self.rect())
            self._caption(painter, view.caption_a if showing_a else view.caption_b, left=True)

    def _draw_b(self, painter: QPainter, clip: QRect, region: QRect) -> None:
        """B, or while it loads its preview and message (centred in B's ``region`` of the pane)."""
        pending = self.view.pending_b
        if self.view.image_b is not None or pending is None:
            self._draw(painter, self.view.image_b, clip)
            return
        target = self.view.state.image_rect_to_widget(QRectF(0, 0, pending.width, pending.height))
        visible = target.intersected(QRectF(clip))
        preview = pending.preview
        if preview is not None and not preview.isNull() and not visible.isEmpty():
            # Only the visible part of the (tiny) preview is scaled, however far the view is zoomed in.
            sx, sy = preview.width() / target.width(), preview.height() / target.height()
            source = QRectF((visible.left() - target.left()) * sx, (visible.top() - target.top()) * sy,
                            visible.width() * sx, visible.height() * sy)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(visible, preview, source)
            painter.fillRect(visible, QColor(0, 0, 0, 110))
        if pending.message:
            metrics = painter.fontMetrics()
            width = min(region.width() - 8, metrics.horizontalAdvance(pending.message) + 24)
            box = QRect(0, 0, max(0, width), metrics.height() + 14)
            box.moveCenter(region.center())
            painter.fillRect(box, QColor(0, 0, 0, 190))
            painter.setPen(QColor("#f0f0f0"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, pending.message)

    def _draw(self, painter: QPainter, image: QImage | None, clip: QRect) -> None:
        if image is None or image.isNull():
            return
        state = self.view.state
        scale = state.scale
        target = state.image_rect_to_widget(QRectF(0, 0, image.width(), image.height()))
        visible = target.intersected(QRectF(clip))
        if visible.isEmpty():
            return
        if scale >= 1.0:
            # Zoomed in: whole source pixels as crisp blocks, and only those that are visible,
            # straight from the QImage (a full-size pixmap of a 12 MP photo costs ~100 ms to make).
            top_left = state.widget_to_image(visible.topLeft())
            bottom_right = state.widget_to_image(visible.bottomRight())
            x0, y0 = max(0, math.floor(top_left.x())), max(0, math.floor(top_left.y()))
            x1 = min(image.width(), math.ceil(bottom_right.x()))
            y1 = min(image.height(), math.ceil(bottom_right.y()))
            source = QRectF(x0, y0, x1 - x0, y1 - y0)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(state.image_rect_to_widget(source), image, source)
            return
        dpr = self.devicePixelRatioF()
        width, height = max(1, round(target.width() * dpr)), max(1, round(target.height() * dpr))
        scaled = self.view.cache.scaled(image, width, height)
        if scaled is None:
            # A big photo while zooming: bilinear from the image now, the smooth copy once zooming
            # pauses (bilinear alone aliases fine detail when shrinking a lot).
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(target, image, QRectF(image.rect()))
            self.view.schedule_rescale()
            return
        scaled.setDevicePixelRatio(dpr)
        painter.drawPixmap(target.topLeft(), scaled)

    def _caption(self, painter: QPainter, text: str, *, left: bool) -> None:
        if not text:
            return
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(text) + 12
        box = QRect(6 if left else self.width() - width - 6, 6, width, metrics.height() + 6)
        painter.fillRect(box, QColor(0, 0, 0, 160))
        painter.setPen(QColor("#f0f0f0"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    # -- input ---------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.view.zoom_at(event.position(), WHEEL_STEP ** steps)
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.is_main and self.view.mode is CompareMode.FLIP:
            self.view.flip()  # the double-click's first click flipped; a double-click only fits
        self.view.fit()
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.view.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position()
        self._press_pos, self._last_pos, self._press_time = pos, pos, time.monotonic()
        self._panning = False
        if event.button() == Qt.MouseButton.LeftButton and self.is_main:
            if self.view.mode is CompareMode.SWIPE and abs(pos.x() - self.divider_x()) <= DIVIDER_GRAB_PX:
                self._dragging_divider = True
            elif self.view.mode is CompareMode.FLIP:
                self.view.set_holding(True)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._press_pos is None:
            near = (self.is_main and self.view.mode is CompareMode.SWIPE
                    and abs(pos.x() - self.divider_x()) <= DIVIDER_GRAB_PX)
            self.setCursor(Qt.CursorShape.SplitHCursor if near else Qt.CursorShape.OpenHandCursor)
            return
        if self._dragging_divider:
            self.view.set_divider(pos.x() / max(1, self.width()))
        else:
            moved = pos - self._press_pos
            if not self._panning and abs(moved.x()) + abs(moved.y()) > DRAG_SLOP_PX:
                self._panning = True
                self.view.set_holding(False)  # a drag pans; it is not a hold
                self._last_pos = self._press_pos
            if self._panning:
                self.view.pan(pos.x() - self._last_pos.x(), pos.y() - self._last_pos.y())
        self._last_pos = pos
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        click = (not self._panning and not self._dragging_divider
                 and (time.monotonic() - self._press_time) * 1000 < CLICK_MS)
        if self.view.holding:
            self.view.set_holding(False)
            if click:
                self.view.flip()  # a short click keeps what the press showed
        self._press_pos = None
        self._panning = self._dragging_divider = False
        event.accept()


class CompareView(QWidget):
    """A (reference) against B (variant) in one of three modes, sharing one ``ViewState``.

    ``set_images`` keeps the zoom and pan when the new images have the size of the old ones, so
    stepping through variants compares the same detail; otherwise, and while the user has not
    zoomed or panned, the images are fitted to the view.
    """

    mode_changed = Signal(object)  # CompareMode
    flipped_changed = Signal(bool)
    divider_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compare_view")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.state = ViewState(self)
        self.cache = PixmapCache(BackgroundLoader(self), self._repaint)
        self.image_a: QImage | None = None
        self.image_b: QImage | None = None
        self.pending_b: PendingImage | None = None
        self.caption_a = self.caption_b = ""
        self.placeholder = "Results appear here"
        self.mode = CompareMode.SIDE_BY_SIDE
        self.divider = 0.5
        self.flipped = False  # flip mode: True shows A
        self.holding = False  # flip mode: the mouse is held down, A is shown until release
        self.fitted = True
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.side_pane = ComparePane(self, is_main=False)
        self.main_pane = ComparePane(self, is_main=True)
        layout.addWidget(self.side_pane, 1)
        layout.addWidget(self.main_pane, 1)
        # Timers owned by the view, so nothing queued runs after the view is deleted.
        self._rescale_timer = self._timer(RESCALE_DELAY_MS, self._rescale, single=True)
        self._refit_timer = self._timer(0, self._refit_if_fitted, single=True)
        self._apply_mode()

    def _timer(self, interval_ms: int, slot: Callable[[], None], *, single: bool) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(single)
        timer.setInterval(interval_ms)
        timer.timeout.connect(slot)
        return timer

    # -- content -------------------------------------------------------------------------
    def set_images(self, a: QImage | None, b: QImage | None, *, caption_a: str = "",
                   caption_b: str = "", pending: PendingImage | None = None) -> None:
        """Show A against B; with ``b`` None, ``pending`` stands in for B until it is set."""
        old = self._size()
        self.image_a, self.image_b = a, b
        self.pending_b = pending if b is None else None
        self.caption_a, self.caption_b = caption_a, caption_b
        if self.fitted or self._size() != old:
            self.fit()
        self._repaint()

    def _size(self) -> tuple[int, int] | None:
        if self.image_b is None and self.pending_b is not None:
            return self.pending_b.width, self.pending_b.height
        image = self.image_b if self.image_b is not None else self.image_a
        return None if image is None else (image.width(), image.height())

    def showing_a(self) -> bool:
        """In flip mode, whether A (the reference) is on screen."""
        return self.flipped != self.holding

    def current_image(self) -> QImage | None:
        """The image in the main pane (flip mode: the one currently shown)."""
        if self.mode is CompareMode.FLIP and self.showing_a():
            return self.image_a
        return self.image_b

    # -- modes ---------------------------------------------------------------------------
    def set_mode(self, mode: CompareMode) -> None:
        if mode is self.mode:
            return
        self.mode = mode
        self.holding = False
        if self.flipped:  # entering or leaving Flip starts from B
            self.flipped = False
            self.flipped_changed.emit(False)
        self._apply_mode()
        self.mode_changed.emit(mode)

    def _apply_mode(self) -> None:
        self.side_pane.setVisible(self.mode is CompareMode.SIDE_BY_SIDE)
        tips = {
            CompareMode.SIDE_BY_SIDE: "Wheel zooms both sides at the cursor, drag pans, double-click fits",
            CompareMode.SWIPE: "Drag the divider: A left of it, B right of it; drag elsewhere pans",
            CompareMode.FLIP: "Click or Space flips between A and B; press and hold shows A",
        }
        self.main_pane.setToolTip(tips[self.mode])
        if self.fitted:
            # The pane changes width with the mode; refit once the layout has settled.
            self._refit_timer.start()
        self._repaint()

    def flip(self) -> None:
        self.flipped = not self.flipped
        self.flipped_changed.emit(self.flipped)
        self.main_pane.update()

    def set_holding(self, holding: bool) -> None:
        if holding != self.holding:
            self.holding = holding
            self.main_pane.update()

    def set_divider(self, fraction: float) -> None:
        fraction = min(1.0, max(0.0, fraction))
        if fraction == self.divider:
            return
        pane = self.main_pane
        old_x, new_x = self.divider * pane.width(), fraction * pane.width()
        self.divider = fraction
        # Only the band the divider swept (plus its grip) changes; captions there are redrawn too.
        margin = 10
        left = math.floor(min(old_x, new_x)) - margin
        pane.update(QRect(left, 0, math.ceil(abs(new_x - old_x)) + 2 * margin + 1, pane.height()))
        self.divider_changed.emit(fraction)

    # -- zoom and pan --------------------------------------------------------------------
    def fit(self) -> None:
        self.fitted = True
        size = self._size()
        if size is not None:
            self.state.fit(size[0], size[1], self.main_pane.width(), self.main_pane.height())

    def _refit_if_fitted(self) -> None:
        if self.fitted:
            self.fit()

    def zoom_at(self, point: QPointF, factor: float) -> None:
        self.fitted = False
        self.state.zoom_at(point, factor)

    def zoom_actual(self) -> None:
        """100 %: one image pixel per screen pixel, centred on the middle of the view."""
        self.fitted = False
        self.state.set_scale_centered(1.0, self.main_pane.width(), self.main_pane.height())

    def pan(self, dx: float, dy: float) -> None:
        self.fitted = False
        self.state.pan(dx, dy)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fitted:
            self._refit_timer.start()

    def schedule_rescale(self) -> None:
        self._rescale_timer.start()

    def _rescale(self) -> None:
        """Zooming paused: have smooth copies of the shown images made at the current zoom."""
        if self.state.scale >= 1.0:
            return
        dpr = self.devicePixelRatioF()
        for image in (self.image_a, self.image_b):
            if image is not None:
                self.cache.request(image, max(1, round(image.width() * self.state.scale * dpr)),
                                   max(1, round(image.height() * self.state.scale * dpr)))

    def _repaint(self) -> None:
        self.main_pane.update()
        if self.side_pane.isVisible():
            self.side_pane.update()
