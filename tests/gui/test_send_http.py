"""The Send workflow against a real HTTP server on 127.0.0.1 (slow, 500 and 400 modes)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

pytest.importorskip("inpaint_desktop.backends")

from inpaint_desktop.gui.send.jobs import JobQueue, JobState
from inpaint_desktop.gui.send.panel import OPENAI
from inpaint_desktop.gui.send.support import make_backend
from inpaint_desktop.pipeline.job import EditParams, JobSpec
from inpaint_desktop.store.results import ResultsLibrary
from tests.gui.editor_helpers import composed_app
from tests.gui.test_send_workflow import Loaded


class _Handler(BaseHTTPRequestHandler):
    mode = "slow"

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        self.rfile.read(length)
        if self.server.mode == "slow":  # type: ignore[attr-defined]
            time.sleep(20)
            return
        status, code = (500, "server_error") if self.server.mode == "500" else (400, "invalid_value")  # type: ignore[attr-defined]
        body = json.dumps({"error": {"message": f"mode {status}", "type": "invalid_request_error",
                                     "param": None, "code": code}}).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("x-request-id", f"req_test_{status}")
        self.send_header("x-should-retry", "false")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.mode = request.param  # type: ignore[attr-defined]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    yield f"http://127.0.0.1:{srv.server_address[1]}/v1"
    srv.shutdown()
    srv.server_close()


def _spec() -> JobSpec:
    image = np.full((64, 64, 3), 90, np.uint8)
    mask = np.zeros((64, 64), np.uint8)
    mask[10:30, 10:30] = 255
    return JobSpec(JobQueue.new_job_id(), "edit", "a cat", EditParams(model="gpt-image-2"), image, mask)


@pytest.mark.parametrize("server", ["slow"], indirect=True)
def test_cancel_against_slow_server_within_one_second(qtbot, server: str, tmp_path: Path) -> None:
    q = JobQueue(lambda: make_backend("openai", server), library=ResultsLibrary(tmp_path))
    try:
        job = q.submit(_spec())
        qtbot.waitUntil(lambda: job.state is JobState.RUNNING, timeout=5000)
        time.sleep(0.3)  # let the request reach the server
        worker_done: list[str] = []
        q.worker.cancelled.connect(lambda job_id: worker_done.append(job_id))
        q.worker.failed.connect(lambda job_id, _f: worker_done.append(job_id))
        t0 = time.monotonic()
        q.cancel(job.job_id)
        qtbot.waitUntil(lambda: bool(worker_done), timeout=3000)
        assert time.monotonic() - t0 < 1.0
        assert job.state is JobState.CANCELLED
    finally:
        assert q.close(5000)


@pytest.mark.parametrize("server", ["500", "400"], indirect=True)
def test_error_banner_shows_request_id(qtbot, server: str, tmp_path: Path) -> None:
    for parts in composed_app(qtbot, tmp_path):
        window, doc, flow = parts.window, parts.document, parts.send
        flow.base_url = server
        flow.panel.set_backend_choice(OPENAI)
        doc.set_image(Loaded(np.full((64, 64, 3), 90, np.uint8)))
        mask = np.zeros((64, 64), np.uint8)
        mask[10:30, 10:30] = 255
        doc.set_mask(mask)
        qtbot.keyClicks(flow.panel.prompt, "a cat")
        with qtbot.waitSignal(flow.queue.job_failed, timeout=15000):
            qtbot.mouseClick(flow.panel.send_button, Qt.MouseButton.LeftButton)
        bar = window.message_bar
        text, level, details = bar.text, bar.level, bar.details or ""
        assert level == "error" and "req_test_" in text and "req_test_" in details
        assert "sk-test-not-real" not in text + details
        # Nothing is lost: the mask and the prompt are still there.
        assert np.array_equal(doc.mask, mask) and flow.panel.prompt_text() == "a cat"
