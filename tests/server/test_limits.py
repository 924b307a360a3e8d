"""Limits hold while the upload streams in, and the server's work stays bounded."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from inpaint_desktop.core.rules import MAX_MASK_BYTES
from inpaint_desktop.server.app import ServerSettings
from inpaint_desktop.server.multipart import REFERENCE_KEEP_BYTES, FormError, FormReader
from inpaint_desktop.server.run import ServerThread
from tests import openapi_schema
from tests.server.conftest import KEY, mask_png, photo_array, png, start_server

BOUNDARY = "testboundary42"
CHUNK = 64 * 1024


def _part_head(name: str, filename: str, mime: str = "image/png") -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {mime}\r\n\r\n").encode()


def _text(name: str, value: str) -> bytes:
    return f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode()


def test_an_oversized_part_stops_the_parser_at_the_limit() -> None:
    reader = FormReader(f"multipart/form-data; boundary={BOUNDARY}")
    reader.feed(_text("prompt", "x") + _part_head("mask", "m.png"))
    consumed = 0
    with pytest.raises(FormError) as info:
        for _ in range(10 * MAX_MASK_BYTES // CHUNK):  # a 40 MB mask, if it were all read
            consumed += 1
            reader.feed(b"\x89PNG" * (CHUNK // 4))
    assert info.value.code == "file_too_large" and info.value.param == "mask"
    assert consumed == MAX_MASK_BYTES // CHUNK  # refused with the chunk that reached 4 MB
    assert len(reader.form.mask().data) <= MAX_MASK_BYTES  # type: ignore[union-attr]


def test_reference_images_keep_only_their_beginning() -> None:
    reader = FormReader(f"multipart/form-data; boundary={BOUNDARY}")
    first, second = b"\x89PNG" * 750_000, b"\xff\xd8\xff\xe0" * 750_000  # 3 MB each
    body = (_part_head("image[]", "a.png") + first + b"\r\n" + _part_head("image[]", "b.jpg", "image/jpeg")
            + second + b"\r\n" + f"--{BOUNDARY}--\r\n".encode())
    for i in range(0, len(body), CHUNK):
        reader.feed(body[i:i + CHUNK])
    form = reader.finish()
    a, b = form.images()
    assert bytes(a.data) == first and not a.truncated
    assert len(b.data) == REFERENCE_KEEP_BYTES and b.size == len(second) and b.truncated


def _raw_request(port: int, content_length: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall((f"POST /v1/images/edits HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
                  f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                  f"Content-Length: {content_length}\r\n\r\n").encode())
    return sock


def _read_response(sock: socket.socket, timeout: float = 10.0) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_an_oversized_upload_is_answered_before_it_is_all_sent(server: ServerThread) -> None:
    sock = _raw_request(server.port, 200 * 1024 * 1024)  # announces 200 MB...
    try:
        sock.sendall(_text("prompt", "x") + _part_head("mask", "m.png"))
        sock.sendall(b"\x89PNG" * (5 * 1024 * 1024 // 4))  # ...sends 5 MB of mask, then waits
        answer = _read_response(sock)
    finally:
        sock.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b'"code":"file_too_large"' in body and b'"param":"mask"' in body


@pytest.fixture
def one_worker() -> Iterator[ServerThread]:
    server, errors = start_server(ServerSettings(api_key=KEY, workers=1, queue_limit=0, drain_s=0.2))
    yield server
    server.stop()
    assert not [r.getMessage() for r in errors.records]


def test_past_the_queue_limit_the_server_answers_429(one_worker: ServerThread) -> None:
    photo = photo_array(64, 48)
    hole = np.zeros((48, 64), bool)
    hole[10:20, 10:20] = True
    files = [("image", ("p.png", png(photo), "image/png")), ("mask", ("m.png", mask_png(hole), "image/png"))]
    headers = {"Authorization": f"Bearer {KEY}"}
    holder = _raw_request(one_worker.port, 10_000)  # admitted, then sends its body very slowly
    holder.sendall(_text("prompt", "x"))
    try:
        deadline = time.monotonic() + 5
        while httpx.get(f"{one_worker.url}/health").json()["admitted"] < 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        busy = httpx.post(f"{one_worker.url}/v1/images/edits", data={"prompt": "x"}, files=files,
                          headers=headers)
        assert busy.status_code == 429
        openapi_schema.validate(busy.json(), "ErrorResponse")
        assert busy.json()["error"]["code"] == "rate_limit_exceeded"
        assert busy.headers["retry-after"] == "1"
    finally:
        holder.close()
    deadline = time.monotonic() + 5
    while httpx.get(f"{one_worker.url}/health").json()["admitted"] > 0:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    ok = httpx.post(f"{one_worker.url}/v1/images/edits", data={"prompt": "x"}, files=files, headers=headers)
    assert ok.status_code == 200


def test_edits_run_off_the_event_loop_and_at_most_workers_at_once(server: ServerThread) -> None:
    photo = photo_array(1024, 768)
    hole = np.zeros((768, 1024), bool)
    hole[200:500, 300:700] = True
    files = [("image", ("p.png", png(photo), "image/png")), ("mask", ("m.png", mask_png(hole), "image/png"))]
    headers = {"Authorization": f"Bearer {KEY}"}
    statuses: list[int] = []

    def send() -> None:
        response = httpx.post(f"{server.url}/v1/images/edits", data={"prompt": "x", "n": "4"}, files=files,
                              headers=headers, timeout=60)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    seen_running = 0
    while any(t.is_alive() for t in threads):
        # /health answers while edits are running: the engine is not on the event loop.
        seen_running = max(seen_running, httpx.get(f"{server.url}/health", timeout=2).json()["running"])
        assert time.monotonic() < deadline
        time.sleep(0.02)
    for t in threads:
        t.join()
    assert statuses == [200] * 4
    health = httpx.get(f"{server.url}/health").json()
    assert seen_running >= 1 and health["peak_running"] <= health["workers"] == 2


def test_a_client_that_gives_up_frees_its_worker(server: ServerThread) -> None:
    photo = photo_array(1600, 1200)
    hole = np.zeros((1200, 1600), bool)
    hole[200:1000, 300:1300] = True
    files = [("image", ("p.png", png(photo), "image/png")), ("mask", ("m.png", mask_png(hole), "image/png"))]
    request = {"prompt": "x", "n": "8", "model": "offline-telea"}  # several seconds of work in all
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.post("/v1/images/edits", data=request, files=files, timeout=httpx.Timeout(30, read=0.8))
    gave_up = time.monotonic()
    while httpx.get(f"{server.url}/health").json()["running"] > 0:
        assert time.monotonic() - gave_up < 1.5, "the fill kept running after the client left"
        time.sleep(0.02)
