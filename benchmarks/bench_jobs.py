"""GUI responsiveness while a job uploads 16 x 20 MB images and decodes 10 returned 1536x1024 variants.

A 5 ms QTimer ticks on the GUI thread; the longest gap between ticks while the job runs is the
figure (goal <= 50 ms). The job talks to a real HTTP server on 127.0.0.1 through the app's HTTP
backend when it is available.
"""

from __future__ import annotations

import base64
import io
import json
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PIL import Image

N_IMAGES = 16
IMAGE_MB = 20
N_VARIANTS = 10


def _variant_png() -> bytes:
    y, x = np.mgrid[0:1024, 0:1536]
    rng = np.random.default_rng(1)
    arr = np.stack([(x // 6) % 256, (y // 4) % 256, rng.integers(0, 40, x.shape)], -1).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def _noise_png(megabytes: int) -> bytes:
    """A real, readable PNG of about ``megabytes`` MB (noise does not compress)."""
    side = int((megabytes * 1024 * 1024 / 3) ** 0.5)
    arr = np.random.default_rng(2).integers(0, 256, (side, side, 3), np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG", compress_level=0)
    return buf.getvalue()


def _serve(body: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            remaining = int(self.headers.get("content-length", "0"))
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                remaining -= len(chunk)
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.send_header("x-request-id", "req_bench")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run() -> list[dict]:
    from PySide6.QtCore import QCoreApplication, QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from inpaint_desktop.api.types import ImageFile
    from inpaint_desktop.gui.send.jobs import JobQueue
    from inpaint_desktop.gui.send.support import make_backend
    from inpaint_desktop.pipeline.job import EditParams, JobSpec
    from inpaint_desktop.store.results import ResultsLibrary

    app = QApplication.instance() or QApplication([])
    variant = base64.b64encode(_variant_png()).decode()
    body = json.dumps({"created": 1, "data": [{"b64_json": variant}] * N_VARIANTS,
                       "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}}).encode()
    server = _serve(body)
    os.environ["OPENAI_API_KEY"] = os.environ.get("OPENAI_API_KEY", "sk-bench-not-secret")
    base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    blob = _noise_png(IMAGE_MB)
    refs = tuple(ImageFile(blob, f"ref{i}.png", "image/png") for i in range(N_IMAGES - 1))
    image = np.full((1024, 1536, 3), 128, np.uint8)
    mask = np.zeros((1024, 1536), np.uint8)
    mask[300:700, 500:1000] = 255
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        queue = JobQueue(lambda: make_backend("openai", base_url), library=ResultsLibrary(Path(tmp)))
        spec = JobSpec("bench", "edit", "bench", EditParams(model="gpt-image-1.5", n=N_VARIANTS),
                       image, mask, refs)
        gaps: list[float] = []
        clock = QElapsedTimer()
        timer = QTimer()
        timer.setInterval(5)

        def tick() -> None:
            gaps.append(clock.restart())

        timer.timeout.connect(tick)
        done: list[object] = []
        queue.job_finished.connect(lambda *a: done.append(a))
        queue.job_failed.connect(lambda *a: done.append(a))
        clock.start()
        timer.start()
        t0 = time.monotonic()
        queue.submit(spec)
        while not done and time.monotonic() - t0 < 50:
            QCoreApplication.processEvents()
            time.sleep(0.001)
        timer.stop()
        elapsed = time.monotonic() - t0
        queue.close()
        ok_job = bool(done) and hasattr(done[0][1], "variants")
        if not ok_job:
            detail = getattr(done[0][1], "message", "timeout") if done else "timeout"
            print(f"job did not finish: {detail}", file=sys.stderr)
        max_gap = max(gaps[1:], default=float("nan"))
        rows.append({"name": "jobs_gui_max_stall", "value": round(float(max_gap), 1), "unit": "ms",
                     "goal": "<= 50", "ok": ok_job and max_gap <= 50})
        rows.append({"name": "jobs_upload16x20MB_decode10_total", "value": round(elapsed, 2), "unit": "s",
                     "goal": "info", "ok": ok_job or None})
    server.shutdown()
    del app
    return rows


if __name__ == "__main__":
    for row in run():
        verdict = "OK" if row["ok"] else ("FAIL" if row["ok"] is False else "")
        print(f"{row['name']} {row['value']} {row['unit']} (goal: {row['goal']}) {verdict}")
