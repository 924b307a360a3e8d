"""Editor benchmarks: mouse-move paint latency, cold start to an idle window, stroke memory, mask export."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _canvas(width: int, height: int):
    from PySide6.QtWidgets import QApplication

    from inpaint_desktop.gui.editor.canvas import Canvas
    from inpaint_desktop.gui.editor.document import Document

    app = QApplication.instance() or QApplication([])
    doc = Document()
    canvas = Canvas(doc)
    canvas.resize(1200, 800)
    canvas.show()
    app.processEvents()
    rng = np.random.default_rng(0)
    from inpaint_desktop.core.imaging import LoadedImage

    array = rng.integers(0, 255, (height, width, 3), np.uint8)
    doc.set_image(LoadedImage(array=array, source_bytes=None, format="PNG"))
    canvas.zoom_actual()
    app.processEvents()
    return app, canvas


def _move_median(width: int, height: int, events: int = 200) -> float:
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    app, canvas = _canvas(width, height)
    from inpaint_desktop.gui.editor.tools import BrushSettings

    canvas.set_brush(BrushSettings(size=40, hardness=0.7))
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier

    def send(kind, x: float, y: float) -> None:
        pos = QPointF(x, y)
        buttons = left if kind != QMouseEvent.Type.MouseButtonRelease else Qt.MouseButton.NoButton
        event = QMouseEvent(kind, pos, canvas.mapToGlobal(pos), left, buttons, none)
        QApplication_send(canvas, event)

    from PySide6.QtWidgets import QApplication

    QApplication_send = QApplication.sendEvent
    send(QMouseEvent.Type.MouseButtonPress, 200, 300)
    app.processEvents()
    times = []
    for i in range(events):
        x = 200 + (i * 4) % 800
        y = 300 + 100 * np.sin(i / 10)
        t0 = time.perf_counter()
        send(QMouseEvent.Type.MouseMove, x, y)
        app.processEvents()  # includes the repaint of the dirty region
        times.append(time.perf_counter() - t0)
    send(QMouseEvent.Type.MouseButtonRelease, x, y)
    canvas.close()
    canvas.deleteLater()
    app.processEvents()
    return statistics.median(times) * 1000.0


def _cold_start() -> float:
    env = dict(os.environ, INPAINT_DESKTOP_EXIT_WHEN_IDLE="1", QT_QPA_PLATFORM="offscreen")
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "inpaint_desktop"], env=env, check=True, capture_output=True)
        best = min(best, time.perf_counter() - t0)
    return best


def _rss_mb() -> float | None:
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
    except OSError:
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _stroke_memory_mb() -> tuple[float, float | None]:
    """Undo history bytes and resident-memory growth after 100 strokes of a 200 px brush (real events)."""
    import gc

    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from inpaint_desktop.gui.editor.tools import BrushSettings

    app, canvas = _canvas(6000, 4000)
    canvas.set_brush(BrushSettings(size=200, hardness=1.0))
    canvas.view.scale = 0.2  # the whole photo on screen, so strokes can land anywhere
    canvas.view.offset = QPointF(0, 0)
    doc = canvas.document
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier

    def send(kind: QMouseEvent.Type, x: float, y: float, buttons: Qt.MouseButton) -> None:
        pos = QPointF(x * 0.2, y * 0.2)
        QApplication.sendEvent(canvas, QMouseEvent(kind, pos, canvas.mapToGlobal(pos), left, buttons, none))

    gc.collect()
    app.processEvents()
    before = _rss_mb()
    rng = np.random.default_rng(1)
    for _ in range(100):
        x, y = rng.uniform(0, 6000), rng.uniform(0, 4000)
        send(QMouseEvent.Type.MouseButtonPress, x, y, left)
        for _step in range(8):
            x += rng.uniform(-60, 60)
            y += rng.uniform(-60, 60)
            send(QMouseEvent.Type.MouseMove, x, y, left)
        send(QMouseEvent.Type.MouseButtonRelease, x, y, Qt.MouseButton.NoButton)
        app.processEvents()
    gc.collect()
    after = _rss_mb()
    total = sum(doc.undo_stack.command(i).nbytes for i in range(doc.undo_stack.count()))
    canvas.close()
    canvas.deleteLater()
    app.processEvents()
    growth = None if before is None or after is None else after - before
    return total / 1e6, growth


def _export_ms() -> tuple[float, float]:
    """Best-of-7 time to encode a 1536x1024 soft mask: ours vs the API guide's Pillow recipe."""
    import io

    import cv2
    from PIL import Image

    from inpaint_desktop.core.mask import encode_api_mask

    rng = np.random.default_rng(2)
    mask = np.zeros((1024, 1536), np.uint8)
    for _ in range(25):
        centre = (int(rng.integers(0, 1536)), int(rng.integers(0, 1024)))
        cv2.circle(mask, centre, int(rng.integers(20, 160)), 255, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 6)  # soft brush edges
    grey = 255 - mask  # the recipe's input: a black-and-white picture, black = edit

    def recipe() -> bytes:
        image = Image.fromarray(grey)
        rgba = image.convert("RGBA")
        rgba.putalpha(image)
        buf = io.BytesIO()
        rgba.save(buf, "PNG")
        return buf.getvalue()

    def best(func) -> float:
        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            func()
            times.append(time.perf_counter() - t0)
        return min(times) * 1000.0

    best(lambda: encode_api_mask(mask))  # warm-up (imports, allocator)
    return best(lambda: encode_api_mask(mask)), best(recipe)


def _pt(x: float, y: float):
    from PySide6.QtCore import QPointF

    return QPointF(x, y)


def run() -> list[dict]:
    big = _move_median(6000, 4000)
    small = _move_median(1000, 1000)
    start = _cold_start()
    memory, rss_growth = _stroke_memory_mb()
    ours, recipe = _export_ms()
    return [
        {"name": "editor.mouse_move_6000x4000", "value": big, "unit": "ms", "goal": "<= 4", "ok": big <= 4},
        {
            "name": "editor.mouse_move_1000x1000",
            "value": small,
            "unit": "ms",
            "goal": "reference",
            "ok": None,
        },
        {
            "name": "editor.mouse_move_ratio",
            "value": big / small,
            "unit": "x",
            "goal": "<= 1.5",
            "ok": big / small <= 1.5,
        },
        {"name": "editor.cold_start", "value": start, "unit": "s", "goal": "<= 1.0", "ok": start <= 1.0},
        {
            "name": "editor.memory_100_strokes_200px",
            "value": rss_growth if rss_growth is not None else memory,
            "unit": "MB",
            "goal": "<= 200 (resident memory added)",
            "ok": (rss_growth if rss_growth is not None else memory) <= 200,
        },
        {"name": "editor.undo_bytes_100_strokes_200px", "value": memory, "unit": "MB", "goal": "reference",
         "ok": None},
        {
            "name": "editor.mask_export_1536x1024",
            "value": ours,
            "unit": "ms",
            "goal": f"<= Pillow recipe ({recipe:.1f} ms)",
            "ok": ours <= recipe,
        },
        {"name": "editor.mask_export_pillow_recipe", "value": recipe, "unit": "ms", "goal": "reference",
         "ok": None},
    ]


if __name__ == "__main__":
    for row in run():
        status = "" if row["ok"] is None else ("OK" if row["ok"] else "FAIL")
        print(f"{row['name']} {row['value']:.3f} {row['unit']} (goal: {row['goal']}) {status}")
