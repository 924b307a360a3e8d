"""The OpenAI Images API over the offline engine: a Starlette app (``create_app``) for uvicorn.

Routes: ``POST /v1/images/edits`` (multipart, streamed and checked while it arrives),
``POST /v1/images/generations`` (an OpenAI-shaped 400: generation needs a generative backend),
``GET /v1/models``, ``GET /health``. Every response carries ``x-request-id``.

Work is bounded: edits run on a pool of ``workers`` threads (never on the event loop), and past
``workers + queue_limit`` admitted edits the server answers 429 before reading the body.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inpaint_desktop.api.errors import ApiError, CancelledError
from inpaint_desktop.api.types import CancelToken, EditRequest
from inpaint_desktop.engine.backend import (
    GENERATION_UNSUPPORTED,
    NAME,
    LocalBackend,
    PreparedEdit,
    prepare_edit,
    preview,
    run_variant,
)
from inpaint_desktop.engine.inpaint import Variant
from inpaint_desktop.server import responses
from inpaint_desktop.server.fields import edit_request
from inpaint_desktop.server.multipart import FormReader

log = logging.getLogger("inpaint_desktop.server")
T = TypeVar("T")

# After refusing an upload the server still reads and discards up to this much of the body (for at
# most ``ServerSettings.drain_s``), so a client that sends its whole body before reading the answer
# gets the error instead of a reset connection; nothing of it is kept.
DRAIN_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class ServerSettings:
    """How the server runs. The key is never logged nor shown (``repr=False``)."""

    api_key: str | None = field(default=None, repr=False)
    workers: int = 1
    queue_limit: int = 8
    retry_after_s: int = 1
    drain_s: float = 2.0


class _RequestId:
    """ASGI middleware: a fresh ``x-request-id`` on every response (errors included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = "req_" + secrets.token_hex(16)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)


class _Service:
    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.executor = ThreadPoolExecutor(max_workers=max(1, settings.workers),
                                           thread_name_prefix="inpaint-engine")
        self.admitted = 0  # touched only on the event loop thread
        self.backend = LocalBackend()
        # Engine calls running right now and the most seen at once (reported by /health).
        self._lock = threading.Lock()
        self.running = 0
        self.peak_running = 0

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, self._counted, fn, *args)

    def _counted(self, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            self.running += 1
            self.peak_running = max(self.peak_running, self.running)
        try:
            return fn(*args)
        finally:
            with self._lock:
                self.running -= 1

    def auth_error(self, request: Request) -> Response | None:
        key = self.settings.api_key
        if not key:
            return None
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if not header:
            return responses.error_response(
                401, "You didn't provide an API key. Send it in the Authorization header as "
                "'Bearer YOUR_KEY'.", code="invalid_api_key")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), key.encode()):
            # Never echo what was sent: it may be a real key for another service.
            return responses.error_response(401, "Incorrect API key provided.", code="invalid_api_key")
        return None

    # -- routes

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "engine": NAME, "workers": self.settings.workers,
                             "admitted": self.admitted, "running": self.running,
                             "peak_running": self.peak_running})

    async def models(self, request: Request) -> Response:
        if (denied := self.auth_error(request)) is not None:
            return denied
        data = [{"id": m.id, "object": "model", "created": 0, "owned_by": m.owned_by}
                for m in self.backend.list_models()]
        return JSONResponse({"object": "list", "data": data})

    async def generations(self, request: Request) -> Response:
        if (denied := self.auth_error(request)) is not None:
            return denied
        await self.drain(request.stream())
        return responses.error_response(400, GENERATION_UNSUPPORTED, param="model",
                                        code="unsupported_operation")

    async def drain(self, chunks: AsyncIterator[bytes]) -> None:
        try:
            await asyncio.wait_for(_drain_iter(chunks, DRAIN_LIMIT), self.settings.drain_s)
        except (asyncio.TimeoutError, ClientDisconnect):
            return

    async def edits(self, request: Request) -> Response:
        if (denied := self.auth_error(request)) is not None:
            await self.drain(request.stream())
            return denied
        settings = self.settings
        if self.admitted >= settings.workers + settings.queue_limit:
            await self.drain(request.stream())
            return responses.error_response(
                429, f"The server is busy: {self.admitted} edits are running or waiting. Retry after "
                f"{settings.retry_after_s} s.", type="requests", code="rate_limit_exceeded",
                headers={"retry-after": str(settings.retry_after_s),
                         "retry-after-ms": str(settings.retry_after_s * 1000)})
        self.admitted += 1
        handed_over = False
        try:
            response = await self._edit(request)
            if isinstance(response, _AdmittedStream):
                response.release = self._release
                handed_over = True  # the stream releases its admission once it is sent
            return response
        finally:
            if not handed_over:
                self._release()

    def _release(self) -> None:
        self.admitted -= 1

    async def _edit(self, request: Request) -> Response:
        started = time.perf_counter()
        try:
            reader = FormReader(request.headers.get("content-type", ""))
            chunks = request.stream()
            try:
                async for chunk in chunks:
                    if chunk:
                        reader.feed(chunk)
                form = reader.finish()
            except ApiError:
                await self.drain(chunks)
                raise
            edit = edit_request(form)
            del form, reader  # the request holds the bytes from here on
            prepared = await self.run(prepare_edit, edit)
        except ClientDisconnect:
            return Response(status_code=400)
        except ApiError as exc:
            return _api_error(exc)
        if edit.stream:
            return _AdmittedStream(self._stream(prepared, edit), media_type="text/event-stream",
                                   headers={"cache-control": "no-cache"})
        # A client that gives up frees its worker: the fill stops at its next check.
        cancel = CancelToken()
        watcher = asyncio.create_task(_cancel_on_disconnect(request, cancel))
        try:
            images = await self.run(_run_all, prepared, cancel.raise_if_cancelled)
        except CancelledError:
            return Response(status_code=499)  # nobody is listening any more
        except ApiError as exc:
            return _api_error(exc)
        finally:
            watcher.cancel()
        body = responses.images_response_bytes(prepared, images, int(time.time()))
        log.info("edit %s: %d image(s) %s in %.0f ms", request.scope["state"].get("request_id"),
                 len(images), prepared.size_text, 1000 * (time.perf_counter() - started))
        return Response(body, media_type="application/json")

    async def _stream(self, prepared: PreparedEdit, edit: EditRequest) -> AsyncIterator[bytes]:
        cancel = CancelToken()
        try:
            created = int(time.time())
            steps = edit.partial_images or 0
            for step in range(steps):
                image = await self.run(preview, prepared, step, steps)
                yield responses.partial_event(prepared, image, step, created)
            done: dict[Variant, bytes] = {}
            for index, (variant, _label) in enumerate(prepared.plan):
                if variant not in done:
                    done[variant] = await self.run(run_variant, prepared, index, cancel.raise_if_cancelled)
                yield responses.completed_event(prepared, done[variant], int(time.time()))
        except ApiError as exc:
            yield responses.sse("error", responses.error_body(exc.message, param=exc.param, code=exc.code))
        finally:
            # Reached when the client disconnects too (the stream task is cancelled): stop the fill.
            cancel.cancel()


class _AdmittedStream(StreamingResponse):
    """A stream that gives back its admission however it ends (sent, failed, never started)."""

    release: Callable[[], None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.release is not None:
                self.release()
                self.release = None


async def _cancel_on_disconnect(request: Request, cancel: CancelToken) -> None:
    # The body is read by now, so the next message the server gets is the client going away.
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            cancel.cancel()
            return


def _run_all(prepared: PreparedEdit, check: Callable[[], None]) -> list[bytes]:
    done: dict[Variant, bytes] = {}
    images = []
    for index, (variant, _label) in enumerate(prepared.plan):
        check()
        if variant not in done:
            done[variant] = run_variant(prepared, index, check)
        images.append(done[variant])
    return images


def _api_error(exc: ApiError) -> Response:
    return responses.error_response(exc.status or 400, exc.message, type=exc.type or "invalid_request_error",
                                    param=exc.param, code=exc.code)


async def _drain_iter(chunks: AsyncIterator[bytes], limit: int) -> None:
    seen = 0
    async for chunk in chunks:
        seen += len(chunk)
        if seen > limit:
            return


async def _http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    if status == 404:
        message = f"Invalid URL ({request.method} {request.url.path})"
    elif status == 405:
        message = f"Method {request.method} is not allowed on {request.url.path}."
    else:
        message = str(getattr(exc, "detail", "")) or "Request failed."
    return responses.error_response(status, message)


async def _unexpected(request: Request, exc: Exception) -> Response:
    # A bug, not a bad input: log it (with the request id to find it) and keep serving.
    log.exception("unexpected error in %s %s (%s)", request.method, request.url.path,
                  request.scope.get("state", {}).get("request_id"))
    return responses.error_response(500, "The server had an error while processing your request.",
                                    type="server_error")


def create_app(settings: ServerSettings | None = None) -> Starlette:
    """Build the ASGI app. Nothing runs until a server (uvicorn) calls it."""
    service = _Service(settings or ServerSettings())
    route = Callable[[Request], Awaitable[Response]]
    routes: list[tuple[str, route, list[str]]] = [
        ("/health", service.health, ["GET"]),
        ("/v1/models", service.models, ["GET"]),
        ("/v1/images/generations", service.generations, ["POST"]),
        ("/v1/images/edits", service.edits, ["POST"]),
    ]
    app = Starlette(
        routes=[Route(path, endpoint, methods=methods) for path, endpoint, methods in routes],
        exception_handlers={HTTPException: _http_error, Exception: _unexpected},
    )
    app.add_middleware(_RequestId)
    app.state.service = service
    return app
