"""A real threaded HTTP server on 127.0.0.1 that speaks the OpenAI Images API, with fault modes.

Every request body is parsed independently of the client's encoder (the standard library's email
parser for multipart) and validated against the official OpenAPI spec (with the values newer
models take added from the capability table, tests/api/table_schema.py), plus the wire rules the
spec cannot express (filenames, content types, ``image`` vs ``image[]``, no ``response_format``,
no field the spec does not define, no field the model does not take). A request that breaks a
rule gets a 400 and is recorded with the reason, so a client bug fails the test loudly.

``GET /v1/models`` answers ``models`` (ids with their ``shutdown_date``); ``models_mode`` makes it
slow, 404 or malformed.

Tests queue the answers with ``server.script("rate_limit", "ok")``; when the queue is empty the
server answers ``ok``.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import io
import json
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
from PIL import Image

from tests.api.table_schema import errors as schema_errors
from tests.api.table_schema import model_problems
from tests.openapi_schema import form_to_object


def png_bytes(width: int = 16, height: int = 16, color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    arr = np.zeros((height, width, 3), np.uint8)
    arr[...] = color
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG")
    return buf.getvalue()


RESULT_PNG = png_bytes(16, 16, (10, 200, 30))
PARTIAL_PNG = png_bytes(8, 8, (90, 90, 90))


def gif_bytes() -> bytes:
    """A two-frame animated GIF (red, then blue), 16x16."""
    frames = [Image.new("RGB", (16, 16), c) for c in ((220, 20, 20), (20, 20, 220))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    return buf.getvalue()


RESULT_GIF = gif_bytes()
RESULT_SVG = (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
              b'width="64" height="32" viewBox="0 0 64 32"><rect width="64" height="32" fill="#1e90ff"/>'
              b'<circle cx="32" cy="16" r="10" fill="#ffd700"/></svg>\n')
RESULTS = {"gif": RESULT_GIF, "svg": RESULT_SVG}
# What GET /v1/models lists by default: ids with and without an announced shutdown date.
DEFAULT_MODELS: list[dict[str, Any]] = [
    {"id": "gpt-image-2", "shutdown_date": None},
    {"id": "gpt-image-2.5-preview"},
    {"id": "gpt-5", "shutdown_date": None},
    {"id": "text-embedding-3-small"},
]


def noise_png(width: int, height: int, seed: int = 0) -> bytes:
    """A PNG that does not compress (random pixels): its size is about width * height * 3 bytes."""
    arr = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG", compress_level=0)
    return buf.getvalue()


# A second result of about 300 KB, for tests that need the images of one answer to differ in size.
BIG_RESULT_PNG = noise_png(320, 320)


@dataclass
class FilePart:
    name: str
    filename: str | None
    content_type: str
    data: bytes = field(repr=False)


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[FilePart] = field(default_factory=list)
    json: Any = None
    problems: list[str] = field(default_factory=list)
    body_size: int = 0


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, list[str]], list[FilePart]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields: dict[str, list[str]] = {}
    files: list[FilePart] = []
    for part in message.iter_parts():
        disposition = part.get("content-disposition", "")
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if filename is None and "filename" not in disposition:
            fields.setdefault(str(name), []).append(payload.decode("utf-8"))
        else:
            files.append(FilePart(str(name), filename, part.get_content_type(), payload))
    return fields, files


def wire_problems(fields: dict[str, list[str]], files: list[FilePart]) -> list[str]:
    """The rules of the API notes the JSON schema cannot check."""
    out: list[str] = []
    names = [f.name for f in files]
    if names.count("image") > 1:
        out.append("duplicate_parameter: bare 'image' repeated")
    if "image" in names and "image[]" in names:
        out.append("both image and image[] sent")
    if "response_format" in fields:
        out.append("unknown_parameter: response_format")
    if "model" not in fields:
        out.append("model missing")
    for f in files:
        if f.content_type not in ("image/png", "image/jpeg", "image/webp"):
            out.append(f"unsupported_file_mimetype: {f.name} {f.content_type}")
        ext = (f.filename or "").rsplit(".", 1)[-1].lower()
        if ext not in ("png", "jpg", "jpeg", "webp"):
            out.append(f"filename without image extension: {f.filename!r}")
    return out


def _error(status: int, message: str, *, type_: str, code: str | None, param: str | None = None,
           **extra: Any) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"message": message, "type": type_, "param": param, "code": code, **extra}}


class _QuietServer(ThreadingHTTPServer):
    handler_errors: list[str]

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up (cancel tests) is expected; anything else is a bug in this server.
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError | TimeoutError):
            self.handler_errors.append(traceback.format_exc())


class FakeImagesServer:
    """The server; ``url`` is the base URL (ending in /v1) to give the client."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._queue: deque[str] = deque()
        self._lock = threading.Lock()
        self.stop_event = threading.Event()
        self.slow_seconds = 20.0
        self.partials = 2
        self.n_images_override: int | None = None
        # Bytes of the base64 blob the "huge" mode streams (chunked, no content-length).
        self.huge_bytes = 100 * 1024 * 1024
        # "barrier": each request waits until this many have arrived, then all are answered at once.
        self.barrier = threading.Barrier(2)
        # When set, makes each returned image from the request (for example the upload, edited).
        self.result_for: Callable[[Recorded], bytes] | None = None
        # Set when a POST has been read completely: tests synchronise on it instead of sleeping.
        self.request_received = threading.Event()
        self.arrivals: list[float] = []
        self.models: list[dict[str, Any]] = list(DEFAULT_MODELS)
        self.models_mode = "ok"  # "ok", "slow", "404" or "malformed"
        handler = type("Handler", (_Handler,), {"owner": self})
        self._httpd = _QuietServer(("127.0.0.1", 0), handler)
        self._httpd.handler_errors = self.handler_errors = []
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def script(self, *modes: str) -> None:
        with self._lock:
            self._queue.extend(modes)

    def next_mode(self) -> str:
        with self._lock:
            return self._queue.popleft() if self._queue else "ok"

    def start(self) -> FakeImagesServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self.stop_event.set()
        self._httpd.shutdown()
        self._httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    owner: FakeImagesServer
    protocol_version = "HTTP/1.1"
    # Buffer writes so headers and body leave in one send (as real servers do), flushed explicitly.
    wbufsize = 1 << 16

    def log_message(self, *args: object) -> None:
        pass

    # -- plumbing -----------------------------------------------------------------------------
    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(obj).encode()
        self._send_raw(status, body, "application/json", headers)

    def _send_raw(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None,
                  length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("x-request-id", f"req_{len(self.owner.requests)}_{status}")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("content-length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _read_body(self) -> bytes:
        length = int(self.headers.get("content-length", "0") or 0)
        chunks = []
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            length -= len(chunk)
        return b"".join(chunks)

    # -- endpoints ----------------------------------------------------------------------------
    def do_GET(self) -> None:
        rec = Recorded("GET", self.path, {k.lower(): v for k, v in self.headers.items()})
        self.owner.requests.append(rec)
        if self.path.rstrip("/") == "/v1/models":
            mode = self.owner.models_mode
            if mode == "slow":
                self.owner.stop_event.wait(self.owner.slow_seconds)
            if mode == "404":
                self._send_json(*_error(404, "Not found", type_="invalid_request_error", code=None))
            elif mode == "malformed":
                self._send_raw(200, b'{"object": "list", "data": [{"id": ', "application/json")
            else:
                data = [{"object": "model", "created": 1_700_000_000, "owned_by": "system", **m}
                        for m in self.owner.models]
                self._send_json(200, {"object": "list", "data": data})
        else:
            self._send_json(*_error(404, "no such path", type_="invalid_request_error", code=None))

    def do_POST(self) -> None:
        self.owner.arrivals.append(time.monotonic())
        headers = {k.lower(): v for k, v in self.headers.items()}
        rec = Recorded("POST", self.path, headers)
        mode = self.owner.next_mode()
        if mode == "slow_headers":
            # Answer nothing at all for a long time (the request body is not even read).
            self.owner.stop_event.wait(self.owner.slow_seconds)
            self.close_connection = True
            return
        body = self._read_body()
        rec.body_size = len(body)
        edit = self.path == "/v1/images/edits"
        if edit:
            try:
                rec.fields, rec.files = parse_multipart(headers.get("content-type", ""), body)
                rec.problems += wire_problems(rec.fields, rec.files)
                by_name = {n: [f.data for f in rec.files if f.name == n] for n in {f.name for f in rec.files}}
                obj = form_to_object(rec.fields, by_name, "CreateImageEditRequest")
                rec.problems += schema_errors(obj, "CreateImageEditRequest")
                rec.problems += model_problems(obj, generate=False)
            except (ValueError, UnicodeDecodeError) as exc:
                rec.problems.append(f"unparsable form: {exc}")
        elif self.path == "/v1/images/generations":
            try:
                rec.json = json.loads(body)
                rec.problems += schema_errors(rec.json, "CreateImageRequest")
                rec.problems += model_problems(rec.json, generate=True)
                if "response_format" in rec.json:
                    rec.problems.append("unknown_parameter: response_format")
            except json.JSONDecodeError as exc:
                rec.problems.append(f"invalid JSON: {exc}")
        else:
            rec.problems.append(f"unknown path {self.path}")
        self.owner.requests.append(rec)
        self.owner.request_received.set()
        if rec.problems:
            self._send_json(*_error(400, "; ".join(rec.problems), type_="invalid_request_error",
                                    code="invalid_value"))
            return
        self._answer(mode, rec, "image_edit" if edit else "image_generation")

    def _n(self, rec: Recorded) -> int:
        if self.owner.n_images_override is not None:
            return self.owner.n_images_override
        if rec.json is not None:
            return int(rec.json.get("n", 1))
        return int(rec.fields.get("n", ["1"])[0])

    def _usage(self, text_out: int = 0) -> dict[str, Any]:
        usage: dict[str, Any] = {"input_tokens": 50, "output_tokens": 272 + text_out,
                                 "total_tokens": 322 + text_out,
                                 "input_tokens_details": {"text_tokens": 10, "image_tokens": 40}}
        if text_out:
            # Newer models also bill text output tokens and say so in output_tokens_details.
            usage["output_tokens_details"] = {"image_tokens": 272, "text_tokens": text_out}
        return usage

    def _format(self, rec: Recorded) -> str:
        if rec.json is not None:
            return str(rec.json.get("output_format") or "png")
        return rec.fields.get("output_format", ["png"])[0]

    def _answer(self, mode: str, rec: Recorded, prefix: str) -> None:
        retry_fast = {"retry-after-ms": "30"}
        if mode in ("ok", "ok_text_out"):
            fmt = self._format(rec)
            image = RESULTS.get(fmt, RESULT_PNG)
            if self.owner.result_for is not None:
                image = self.owner.result_for(rec)
            data = [{"b64_json": base64.b64encode(image).decode()} for _ in range(self._n(rec))]
            usage = self._usage(text_out=120 if mode == "ok_text_out" else 0)
            self._send_json(200, {"created": 1_700_000_000, "data": data, "usage": usage,
                                  "size": "1024x1024", "quality": "low",
                                  "output_format": fmt if fmt in RESULTS else "png",
                                  "background": "opaque"})
        elif mode == "slow":
            self.owner.stop_event.wait(self.owner.slow_seconds)
            self._answer("ok", rec, prefix)
        elif mode == "rate_limit":
            self._send_json(*_error(429, "Rate limit reached", type_="requests", code="rate_limit_exceeded"),
                            headers=retry_fast)
        elif mode == "rate_limit_wait":
            self._send_json(*_error(429, "Rate limit reached", type_="requests", code="rate_limit_exceeded"),
                            headers={"retry-after": "60"})
        elif mode == "slow_body":
            # Headers and half the body, then nothing for a long time (the client is downloading).
            body = json.dumps({"created": 1, "data": [{"b64_json": base64.b64encode(RESULT_PNG).decode()}]})
            self._send_raw(200, body.encode()[:20], "application/json", length=len(body))
            self.owner.stop_event.wait(self.owner.slow_seconds)
            self.close_connection = True
        elif mode == "rate_limit_long":
            self._send_json(*_error(429, "Rate limit reached", type_="requests", code="rate_limit_exceeded"),
                            headers={"retry-after": "300"})
        elif mode == "quota":
            self._send_json(*_error(429, "You exceeded your current quota", type_="insufficient_quota",
                                    code="insufficient_quota"), headers=retry_fast)
        elif mode == "moderation":
            self._send_json(*_error(400, "Your request was rejected by the safety system.",
                                    type_="image_generation_user_error", code="moderation_blocked",
                                    moderation_details={"categories": ["violence"]}), headers=retry_fast)
        elif mode == "401":
            key = rec.headers.get("authorization", "").removeprefix("Bearer ")
            self._send_json(*_error(401, f"Incorrect API key provided: {key}.",
                                    type_="invalid_request_error", code="invalid_api_key"))
        elif mode == "403":
            self._send_json(*_error(403, "Your organization must be verified to use the model.",
                                    type_="invalid_request_error", code=None))
        elif mode in ("500", "503"):
            self._send_json(*_error(int(mode), "The server had an error", type_="server_error", code=None),
                            headers=retry_fast)
        elif mode == "400_param":
            self._send_json(*_error(400, "Invalid size", type_="invalid_request_error",
                                    code="invalid_value", param="size"), headers={"x-should-retry": "false"})
        elif mode == "bad_json":
            self._send_raw(200, b'{"created": 1, "data": [', "application/json")
        elif mode == "bad_b64":
            self._send_json(200, {"created": 1, "data": [{"b64_json": "!!not base64!!"}]})
        elif mode == "error_200":
            # A gateway that answers 200 with an error object and echoes the key it was given.
            key = rec.headers.get("authorization", "").removeprefix("Bearer ")
            self._send_json(200, {"error": {"message": f"gateway rejected key {key}", "type": "gateway",
                                            "code": None, "param": None, "key": key}})
        elif mode == "small_then_big":
            # Two results of very different sizes (a small one, then about 300 KB).
            data = [{"b64_json": base64.b64encode(img).decode()} for img in (RESULT_PNG, BIG_RESULT_PNG)]
            self._send_json(200, {"created": 1, "data": data, "usage": self._usage()})
        elif mode == "ok_echo_key":
            # A success whose metadata and request id carry the key (a badly written gateway).
            key = rec.headers.get("authorization", "").removeprefix("Bearer ")
            self._send_json(200, {"created": 1, "data": [{"b64_json": base64.b64encode(RESULT_PNG).decode()}],
                                  "quality": key, "size": f"key={key}"}, headers={"x-request-id": key})
        elif mode in ("png_garbage", "jpeg_zeros", "second_garbage"):
            bad = (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4 if mode != "jpeg_zeros"
                   else b"\xff\xd8\xff\xe0" + bytes(4096))
            images = [RESULT_PNG, bad] if mode == "second_garbage" else [bad]
            self._send_json(200, {"created": 1, "data": [{"b64_json": base64.b64encode(i).decode()}
                                                         for i in images]})
        elif mode == "huge_length":
            # Announces a body far over any sane size, sends the start of it and then waits.
            self._send_raw(200, b'{"created": 1, "data": [{"b64_json": "', "application/json",
                           length=1 << 40)
            self.owner.stop_event.wait(self.owner.slow_seconds)
            self.close_connection = True
        elif mode == "huge":
            self._send_huge()
        elif mode == "barrier":
            self.owner.barrier.wait(timeout=30)
            self._answer("ok", rec, prefix)
        elif mode == "truncated":
            body = json.dumps({"created": 1, "data": [{"b64_json": base64.b64encode(RESULT_PNG).decode()}]})
            self._send_raw(200, body.encode()[:40], "application/json", length=len(body))
            self.close_connection = True
        elif mode.startswith("sse"):
            self._sse(mode, rec, prefix)
        else:
            raise AssertionError(f"unknown mode {mode}")

    def _send_huge(self) -> None:
        """A chunked 200 whose one base64 string goes on for ``huge_bytes`` (a valid PNG start)."""
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        head = b'{"created": 1, "data": [{"b64_json": "' + base64.b64encode(RESULT_PNG[:24])
        filler = b"A" * (1 << 20)
        try:
            for piece in [head] + [filler] * (self.owner.huge_bytes // len(filler)) + [b'"}]}']:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (ConnectionError, OSError):
            pass  # the client hung up once it had seen enough: that is what is tested

    def _sse(self, mode: str, rec: Recorded, prefix: str) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("x-request-id", "req_stream")
        self.send_header("connection", "close")
        self.end_headers()
        self.close_connection = True
        common = {"created_at": 1_700_000_000, "size": "1024x1024", "quality": "low",
                  "background": "opaque", "output_format": "png"}
        partials = int(rec.fields.get("partial_images", [rec.json.get("partial_images", 0) if rec.json
                                                         else 0])[0])

        def emit(event: dict[str, Any]) -> None:
            self.wfile.write(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()

        for i in range(partials):
            emit({"type": f"{prefix}.partial_image", "b64_json": base64.b64encode(PARTIAL_PNG).decode(),
                  "partial_image_index": i, **common})
        if mode == "sse_error":
            emit({"type": "error", "error": {"message": "Image generation failed", "type": "server_error",
                                             "code": "image_generation_failed", "param": None}})
        elif mode == "sse_cut":
            return
        elif mode == "sse_garbage":
            garbage = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(64)).decode()
            emit({"type": f"{prefix}.completed", "b64_json": garbage, "usage": self._usage(), **common})
        else:
            emit({"type": f"{prefix}.completed", "b64_json": base64.b64encode(RESULT_PNG).decode(),
                  "usage": self._usage(), **common})


def serve() -> Iterator[FakeImagesServer]:
    server = FakeImagesServer().start()
    try:
        yield server
    finally:
        server.close()
    assert not server.handler_errors, server.handler_errors[0]
