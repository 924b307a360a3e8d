"""Compare view benchmarks: wheel zoom, swipe divider drag and variant switch on real-size photos."""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _photo(width: int, height: int, seed: int):
    from inpaint_desktop.gui.common.qimage import array_to_qimage

    rng = np.random.default_rng(seed)
    return array_to_qimage(rng.integers(0, 255, (height, width, 3), np.uint8))


def _view(mode):
    from PySide6.QtWidgets import QApplication

    from inpaint_desktop.gui.results.compare import CompareView

    app = QApplication.instance() or QApplication([])
    view = CompareView()
    view.set_mode(mode)
    view.resize(1300, 300)  # the bottom dock of the main window
    view.show()
    app.processEvents()
    return app, view


def _median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000.0


def _wheel_zoom(width: int, height: int) -> tuple[float, float]:
    """Median and worst time of one wheel notch (zoom + repaint of both panes), side by side."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    from inpaint_desktop.gui.results.compare import CompareMode

    app, view = _view(CompareMode.SIDE_BY_SIDE)
    view.set_images(_photo(width, height, 1), _photo(width, height, 2))
    app.processEvents()
    view.fit()
    view.main_pane.repaint()
    view.side_pane.repaint()
    times = []
    pane = view.main_pane
    for i in range(24):
        notch = 120 if i < 12 else -120
        pos = QPointF(200 + 10 * i, 150)
        event = QWheelEvent(pos, pane.mapToGlobal(pos), QPoint(0, 0), QPoint(0, notch),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                            Qt.ScrollPhase.NoScrollPhase, False)
        t0 = time.perf_counter()
        QApplication.sendEvent(pane, event)
        pane.repaint()
        view.side_pane.repaint()
        times.append(time.perf_counter() - t0)
    view.close()
    view.deleteLater()
    app.processEvents()
    return _median_ms(times), max(times) * 1000.0


def _divider_drag(width: int, height: int) -> float:
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from inpaint_desktop.gui.results.compare import CompareMode

    app, view = _view(CompareMode.SWIPE)
    view.set_images(_photo(width, height, 1), _photo(width, height, 2))
    app.processEvents()
    pane = view.main_pane
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier

    def send(kind, x: float) -> None:
        pos = QPointF(x, 150)
        buttons = left if kind != QMouseEvent.Type.MouseButtonRelease else Qt.MouseButton.NoButton
        QApplication.sendEvent(pane, QMouseEvent(kind, pos, pane.mapToGlobal(pos), left, buttons, none))

    x = pane.width() / 2
    send(QMouseEvent.Type.MouseButtonPress, x)
    app.processEvents()
    times = []
    for i in range(100):
        x = pane.width() / 2 + 300 * np.sin(i / 8)
        t0 = time.perf_counter()
        send(QMouseEvent.Type.MouseMove, x)
        app.processEvents()  # includes the repaint of the swept band
        times.append(time.perf_counter() - t0)
    send(QMouseEvent.Type.MouseButtonRelease, x)
    view.close()
    view.deleteLater()
    app.processEvents()
    return _median_ms(times)


def _switch_variant(width: int, height: int) -> float:
    """New variant shown: first conversion to a pixmap and first paint, per switch (median of 5)."""
    from inpaint_desktop.gui.results.compare import CompareMode

    app, view = _view(CompareMode.SIDE_BY_SIDE)
    original = _photo(width, height, 0)
    variants = [_photo(width, height, 10 + i) for i in range(5)]
    view.set_images(original, variants[0])
    view.main_pane.repaint()
    view.side_pane.repaint()
    times = []
    for v in variants[1:]:
        t0 = time.perf_counter()
        view.set_images(original, v)
        view.main_pane.repaint()
        view.side_pane.repaint()
        times.append(time.perf_counter() - t0)
    view.close()
    view.deleteLater()
    app.processEvents()
    return _median_ms(times)


def run() -> list[dict]:
    rows = []
    for w, h, tag in ((1536, 1024, "1.5MP"), (4000, 3000, "12MP")):
        median, worst = _wheel_zoom(w, h)
        rows.append({"name": f"compare_wheel_zoom_{tag}_median", "value": median, "unit": "ms",
                     "goal": "<= 16", "ok": median <= 16})
        rows.append({"name": f"compare_wheel_zoom_{tag}_worst", "value": worst, "unit": "ms",
                     "goal": "<= 16", "ok": worst <= 16})
        drag = _divider_drag(w, h)
        rows.append({"name": f"compare_divider_drag_{tag}_median", "value": drag, "unit": "ms",
                     "goal": "<= 8", "ok": drag <= 8})
        switch = _switch_variant(w, h)
        rows.append({"name": f"compare_switch_variant_{tag}_median", "value": switch, "unit": "ms",
                     "goal": "<= 16", "ok": switch <= 16})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
