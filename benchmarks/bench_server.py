"""Server benchmarks: the cost of going through ``serve`` over loopback, and behaviour under load.

- overhead: a 1024x1024 edit with a 10 % mask, sent over loopback (multipart upload, base64 JSON
  answer decoded by the client) against the same edit through LocalBackend in-process, same run.
- load: ``inpaint-desktop serve`` in its own process; 8 concurrent clients send 50 small edits each;
  every request must be answered 200 or 429, the server's peak memory (VmHWM) is reported and its
  log must hold no error.
"""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_engine import _png, big_request, object_hole  # noqa: E402

from inpaint_desktop.engine.backend import LocalBackend  # noqa: E402

CLIENTS = 8
EDITS_EACH = 50


def overhead(repeats: int = 21) -> tuple[float, float]:
    """(median seconds in-process, median seconds through a ``serve`` process), runs interleaved.

    The server runs as its own process, as ``inpaint-desktop serve`` does, so the client's work does
    not compete with it for one interpreter.
    """
    request = big_request()
    files = [("image", ("photo.png", request.images[0].data, "image/png")),
             ("mask", ("mask.png", request.mask.data, "image/png"))]  # type: ignore[union-attr]
    backend = LocalBackend()
    local, remote = [], []
    with _serve_process("--workers", "1") as (url, _proc, _log), httpx.Client(base_url=url,
                                                                           timeout=60) as client:
        for _ in range(3):  # a new process: let its allocator and caches settle, as the in-process side has
            client.post("/v1/images/edits", data={"prompt": "warm-up"}, files=files).raise_for_status()
            backend.edit(request)
        for _ in range(repeats):
            t0 = time.perf_counter()
            backend.edit(request)
            local.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            response = client.post("/v1/images/edits", data={"prompt": "fill", "model": request.model},
                                   files=files)
            response.raise_for_status()
            base64.b64decode(response.json()["data"][0]["b64_json"])
            remote.append(time.perf_counter() - t0)
    return statistics.median(local), statistics.median(remote)


@contextlib.contextmanager
def _serve_process(*args: str) -> Iterator[tuple[str, subprocess.Popen, IO[bytes]]]:
    """``inpaint-desktop serve`` on a free loopback port; yields its URL, process and log file."""
    port = _free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "inpaint_desktop", "serve", "--port", str(port), *args],
                            stdout=log, stderr=log, env={**os.environ, "INPAINT_SERVE_API_KEY": ""})
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/health", timeout=1).raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("serve did not start") from None
                time.sleep(0.1)
        yield url, proc, log
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return -1


def load() -> dict:
    """8 clients x 50 edits against a separate ``serve`` process (2 workers, queue 4)."""
    photo = np.asarray(__import__("PIL.Image", fromlist=["Image"]).open(
        HERE.parent / "tests" / "data" / "coffee.png").convert("RGB").resize((160, 120)))
    hole = object_hole((120, 160), 80, 60, 25, 20)
    mask = _png(np.dstack([np.zeros((120, 160, 3), np.uint8), np.where(hole, 0, 255).astype(np.uint8)]))
    files = [("image", ("p.png", _png(photo), "image/png")), ("mask", ("m.png", mask, "image/png"))]
    statuses: list[int] = []
    failures: list[str] = []
    lock = threading.Lock()
    with _serve_process("--workers", "2", "--queue", "4") as (url, proc, log):

        def client_run() -> None:
            with httpx.Client(base_url=url, timeout=60) as client:
                for _ in range(EDITS_EACH):
                    try:
                        response = client.post("/v1/images/edits", data={"prompt": "fill"}, files=files)
                        code = response.status_code
                    except httpx.HTTPError as exc:
                        with lock:
                            failures.append(repr(exc))
                        continue
                    with lock:
                        statuses.append(code)

        started = time.perf_counter()
        threads = [threading.Thread(target=client_run) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        peak = _peak_kib(proc.pid)
        log.seek(0)
        text = log.read().decode(errors="replace")
    errors = [line for line in text.splitlines() if "ERROR" in line or "Traceback" in line]
    return {"statuses": statuses, "failures": failures, "elapsed": elapsed, "peak_mib": peak / 1024,
            "log_errors": errors}


def run() -> list[dict]:
    local, remote = overhead()
    ratio = remote / local
    rows = [
        {"name": "server_edit_1024_in_process", "value": local, "unit": "s", "goal": "", "ok": None},
        {"name": "server_edit_1024_over_loopback", "value": remote, "unit": "s", "goal": "", "ok": None},
        {"name": "server_overhead_ratio", "value": ratio, "unit": "x", "goal": "<= 1.15",
         "ok": ratio <= 1.15},
    ]
    result = load()
    statuses = result["statuses"]
    answered = sum(code in (200, 429) for code in statuses)
    total = CLIENTS * EDITS_EACH
    rows += [
        {"name": "server_load_answered_200_or_429", "value": f"{answered}/{total}", "unit": "",
         "goal": f"{total}/{total}", "ok": answered == total and not result["failures"]},
        {"name": "server_load_200", "value": statuses.count(200), "unit": "edits", "goal": "", "ok": None},
        {"name": "server_load_429", "value": statuses.count(429), "unit": "edits", "goal": "", "ok": None},
        {"name": "server_load_seconds", "value": result["elapsed"], "unit": "s", "goal": "", "ok": None},
        {"name": "server_load_peak_memory", "value": result["peak_mib"], "unit": "MiB", "goal": "reported",
         "ok": None},
        {"name": "server_load_log_errors", "value": len(result["log_errors"]), "unit": "lines", "goal": "0",
         "ok": not result["log_errors"]},
    ]
    return rows
