"""The OpenAI-compatible HTTP backend (httpx): edits, generations, model list.

One ``OpenAIBackend`` is meant to be used by one thread at a time (the GUI gives each worker
thread its own). Calls block; progress is reported on the calling thread; a ``CancelToken``
triggered from any other thread ends the call within a second whatever it is doing:

- uploading: the streamed body checks the token between 256 KiB chunks;
- waiting for the answer or downloading it: the cancel callback shuts the socket down, which
  wakes the blocked read at once.
"""

from __future__ import annotations

import datetime
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from inpaint_desktop import __version__
from inpaint_desktop.api import errors as E
from inpaint_desktop.api.config import ApiConfig, insecure_key_problem, is_loopback_url, redact
from inpaint_desktop.api.multipart import MultipartBody
from inpaint_desktop.api.requests import edit_fields, generate_json, validate_edit, validate_generate
from inpaint_desktop.api.responses import answer_limit, error_from_body, over_limit_error, parse_images_body
from inpaint_desktop.api.retry import MAX_SERVER_WAIT_S, retry_delay, server_wait, should_retry
from inpaint_desktop.api.streaming import read_image_stream
from inpaint_desktop.api.types import (
    CancelToken,
    EditRequest,
    GenerateRequest,
    ImageResult,
    ModelInfo,
    Progress,
    ProgressCallback,
)
from inpaint_desktop.core.models import CapabilityTable, load_capabilities

log = logging.getLogger(__name__)

_MAX_ERROR_BODY = 1024 * 1024
_DOWNLOAD_CHUNK = 256 * 1024


@dataclass
class _Call:
    """Per-call state shared with the cancel callback (which runs on another thread)."""

    cancel: CancelToken
    sock: socket.socket | None = None
    done: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        # httpcore reports each new TCP connection; keep its socket so cancel can shut it down.
        if event == "connection.connect_tcp.complete":
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                with self.lock:
                    self.sock = sock

    def abort(self) -> None:
        with self.lock:
            sock = None if self.done else self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed: nothing is blocked on it


class OpenAIBackend:
    """``Backend`` over any OpenAI-compatible ``/v1/images`` endpoint."""

    name = "OpenAI-compatible"

    def __init__(
        self,
        config: ApiConfig,
        *,
        capabilities: CapabilityTable | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        self._table = capabilities
        self._idle_socket: socket.socket | None = None
        self._client = httpx.Client(
            base_url=config.endpoint + "/",
            timeout=httpx.Timeout(connect=config.connect_timeout, read=config.read_timeout,
                                  write=config.read_timeout, pool=config.connect_timeout),
            transport=transport or httpx.HTTPTransport(
                # One idle connection at most, so the socket a reused connection runs on is known.
                limits=httpx.Limits(max_connections=4, max_keepalive_connections=1),
                # No Nagle delay: the last small piece of a request must not wait for an ACK.
                socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
                trust_env=not is_loopback_url(config.base_url),
            ),
            # Never route loopback traffic through a proxy from the environment.
            trust_env=not is_loopback_url(config.base_url),
            follow_redirects=False,
        )

    # -- public API -------------------------------------------------------------------------------
    @property
    def capabilities(self) -> CapabilityTable:
        return self._table or load_capabilities()

    def edit(self, request: EditRequest, *, progress: ProgressCallback | None = None,
             cancel: CancelToken | None = None) -> ImageResult:
        caps = self.capabilities.get(request.model)
        validate_edit(request, caps)
        fields, files = edit_fields(request, caps)

        def body(call: _Call, report: ProgressCallback) -> tuple[Any, dict[str, str]]:
            def on_progress(done: int, total: int) -> None:
                report(Progress(kind="upload", done=done, total=total))
                if done == total:
                    report(Progress(kind="waiting"))

            mp = MultipartBody(fields, files, on_progress=on_progress,
                               check_cancel=call.cancel.raise_if_cancelled)
            return mp, {"content-type": mp.content_type, "content-length": str(mp.length)}

        return self._images("images/edits", body, stream=request.stream, prefix="image_edit",
                            progress=progress, cancel=cancel, expected=_expected_images(request))

    def generate(self, request: GenerateRequest, *, progress: ProgressCallback | None = None,
                 cancel: CancelToken | None = None) -> ImageResult:
        caps = self.capabilities.get(request.model)
        validate_generate(request, caps)
        payload = json.dumps(generate_json(request, caps)).encode("utf-8")

        def body(call: _Call, report: ProgressCallback) -> tuple[Any, dict[str, str]]:
            report(Progress(kind="upload", done=len(payload), total=len(payload)))
            report(Progress(kind="waiting"))
            return payload, {"content-type": "application/json"}

        return self._images("images/generations", body, stream=request.stream,
                            prefix="image_generation", progress=progress, cancel=cancel,
                            expected=_expected_images(request))

    def list_models(self) -> list[ModelInfo]:
        """The server's model list (``GET /models``): ids, owners and announced shutdown dates.

        A ``shutdown_date`` that is not an ISO date is read as "none announced" (and logged): one odd
        entry must not hide the rest of the list.
        """
        self._check_config()
        try:
            response = self._client.get("models", headers=self._headers())
        except httpx.TimeoutException:
            raise E.ApiTimeoutError(f"{self.config.endpoint} did not answer in time.") from None
        except httpx.TransportError as exc:
            raise E.ApiConnectionError(self._connection_text(exc)) from None
        rid = _request_id(response)
        if response.status_code >= 400:
            raise error_from_body(response.status_code, response.content, request_id=rid,
                                  secrets=(self.config.api_key,))
        try:
            items = response.json().get("data", [])
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            raise E.ServerError("The model list is not valid JSON.", request_id=rid) from None
        if not isinstance(items, list):
            raise E.ServerError("The model list has no 'data' list.", request_id=rid)
        return [ModelInfo(id=str(i["id"]), owned_by=str(i.get("owned_by", "")),
                          shutdown_date=_shutdown_date(i.get("shutdown_date"), str(i["id"])))
                for i in items if isinstance(i, Mapping) and isinstance(i.get("id"), str)]

    def refresh_capabilities(self) -> CapabilityTable:
        """The capability table plus the image models this server lists (unknown ones as defaults)."""
        return self.capabilities.with_ids(m.id for m in self.list_models())

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> OpenAIBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------------
    def _check_config(self) -> None:
        problem = insecure_key_problem(self.config)
        if problem:
            raise E.ValidationError(problem, param="base_url")

    def _headers(self) -> dict[str, str]:
        headers = {"user-agent": f"inpaint-desktop/{__version__}", "accept": "application/json"}
        if self.config.api_key:
            headers["authorization"] = f"Bearer {self.config.api_key}"
        if self.config.organization:
            headers["openai-organization"] = self.config.organization
        if self.config.project:
            headers["openai-project"] = self.config.project
        return headers

    def _timeout_for(self, exc: httpx.TimeoutException) -> float:
        connecting = isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
        return self.config.connect_timeout if connecting else self.config.read_timeout

    def _connection_text(self, exc: Exception) -> str:
        detail = redact(str(exc) or type(exc).__name__, self.config.api_key)
        return f"Could not reach {self.config.endpoint}: {detail}"

    def _images(
        self, path: str, body: Callable[[_Call, ProgressCallback], tuple[Any, dict[str, str]]], *,
        stream: bool, prefix: str, progress: ProgressCallback | None, cancel: CancelToken | None,
        expected: int,
    ) -> ImageResult:
        self._check_config()
        token = cancel or CancelToken()
        report: ProgressCallback = progress or (lambda _p: None)
        started = time.monotonic()
        attempt = 0
        while True:
            token.raise_if_cancelled()
            try:
                result = self._attempt(path, body, stream=stream, prefix=prefix, report=report, token=token,
                                       expected=expected)
                return _with_elapsed(result, time.monotonic() - started)
            except E.ApiError as err:
                if isinstance(err, E.CancelledError | E.ValidationError):
                    raise
                headers: Mapping[str, str] = err.headers
                if attempt >= self.config.max_retries or not should_retry(err, headers):
                    raise
                delay = retry_delay(attempt, headers)
                if delay is None:
                    wanted = server_wait(headers) or 0
                    err.message += (f" The server asked to wait {wanted:.0f} s "
                                    f"(over {MAX_SERVER_WAIT_S:.0f} s); not retrying.")
                    err.args = (err.message,)
                    raise
                # No idempotency key: a server that had the whole request may be making (and billing)
                # the image while we gave up on it. Say so only then; a connect timeout bills nothing.
                note = (" The server had the whole request and may still be making the image: this "
                        "retry could bill it twice."
                        if isinstance(err, E.ApiTimeoutError) and err.details.get("request_sent") else "")
                report(Progress(kind="retry", message=f"{err.message} Retrying in {delay:.1f} s "
                                f"(attempt {attempt + 2} of {self.config.max_retries + 1}).{note}",
                                delay_s=delay))
                log.info("retrying %s after %.2f s: %s", path, delay, err.message)
                if token.wait(delay):
                    raise E.CancelledError("Cancelled by the user.", request_id=err.request_id) from None
                attempt += 1

    def _attempt(
        self, path: str, body: Callable[[_Call, ProgressCallback], tuple[Any, dict[str, str]]], *,
        stream: bool, prefix: str, report: ProgressCallback, token: CancelToken, expected: int,
    ) -> ImageResult:
        call = _Call(token, sock=self._idle_socket)
        token.on_cancel(call.abort)
        content, extra = body(call, report)
        headers = {**self._headers(), **extra}
        if stream:
            headers["accept"] = "text/event-stream"
        request = self._client.build_request("POST", path, content=content, headers=headers,
                                             extensions={"trace": call.trace})
        rid: str | None = None
        try:
            response = self._client.send(request, stream=True)
            try:
                network = response.extensions.get("network_stream")
                sock = network.get_extra_info("socket") if network is not None else None
                if isinstance(sock, socket.socket):
                    with call.lock:
                        call.sock = sock
                    self._idle_socket = sock
                rid = _request_id(response)
                return self._read(response, rid=rid, stream=stream, prefix=prefix, report=report, token=token,
                                  expected=expected)
            finally:
                response.close()
        except E.ApiError:
            if token.cancelled:
                raise E.CancelledError("Cancelled by the user.", request_id=rid) from None
            raise
        except httpx.TimeoutException as exc:
            if token.cancelled:
                raise E.CancelledError("Cancelled by the user.", request_id=rid) from None
            sent = isinstance(exc, httpx.ReadTimeout)
            what = {httpx.ConnectTimeout: "accept the connection", httpx.WriteTimeout: "take the upload",
                    httpx.PoolTimeout: "free a connection"}.get(type(exc), "answer")
            raise E.ApiTimeoutError(
                f"{self.config.endpoint} did not {what} within {self._timeout_for(exc):g} s.",
                request_id=rid, details={"request_sent": sent}) from None
        except httpx.TransportError as exc:
            if token.cancelled:
                raise E.CancelledError("Cancelled by the user.", request_id=rid) from None
            raise E.ApiConnectionError(self._connection_text(exc), request_id=rid) from None
        finally:
            with call.lock:
                call.done = True

    def _read(self, response: httpx.Response, *, rid: str | None, stream: bool, prefix: str,
              report: ProgressCallback, token: CancelToken, expected: int) -> ImageResult:
        secrets = (self.config.api_key,)
        if response.status_code >= 400:
            raw = b""
            for chunk in response.iter_bytes():
                raw += chunk
                if len(raw) > _MAX_ERROR_BODY:
                    break
            err = error_from_body(response.status_code, raw, request_id=rid, secrets=secrets)
            err.headers = {k.lower(): v for k, v in response.headers.items()}
            raise err
        if response.status_code != 200:
            raise E.ServerError(f"Unexpected HTTP {response.status_code} from the server.",
                                status=response.status_code, request_id=rid)
        content_type = response.headers.get("content-type", "")
        # A cap on what is read, so a runaway answer cannot take the client's memory with it.
        limit = answer_limit(expected)
        length = response.headers.get("content-length", "")
        total = int(length) if length.isdigit() else 0
        if total > limit:
            raise over_limit_error(limit, expected, request_id=rid, size=total)
        response.stream = _CappedStream(response.stream, limit, expected, rid)
        if stream and content_type.startswith("text/event-stream"):
            return read_image_stream(response, event_prefix=prefix, request_id=rid, progress=report,
                                     secrets=secrets)
        parts: list[bytes] = []
        done = 0
        for chunk in response.iter_bytes(_DOWNLOAD_CHUNK):
            token.raise_if_cancelled()
            parts.append(chunk)
            done += len(chunk)
            report(Progress(kind="download", done=done, total=total))
        return parse_images_body(b"".join(parts), request_id=rid, secrets=secrets)


class _CappedStream(httpx.SyncByteStream):
    """The response's byte stream, failing once more than ``limit`` bytes have come."""

    def __init__(self, inner: Any, limit: int, expected: int, rid: str | None) -> None:
        self._inner, self._limit, self._expected, self._rid = inner, limit, expected, rid

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        for chunk in self._inner:
            seen += len(chunk)
            if seen > self._limit:
                raise over_limit_error(self._limit, self._expected, request_id=self._rid)
            yield chunk

    def close(self) -> None:
        self._inner.close()


def _expected_images(request: EditRequest | GenerateRequest) -> int:
    """How many images an answer to ``request`` carries at most: the finals and their previews."""
    previews = (request.partial_images or 0) if request.stream else 0
    return max(1, request.n) * (1 + previews)


def _request_id(response: httpx.Response) -> str | None:
    # Quoted in errors, sidecars and on screen: a gateway could put anything in it.
    rid = response.headers.get("x-request-id")
    return redact(rid) if rid else None


def _shutdown_date(value: Any, model_id: str) -> datetime.date | None:
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    if value is not None:
        log.info("ignoring the shutdown_date %r of %s: not an ISO date", value, model_id)
    return None


def _with_elapsed(result: ImageResult, elapsed: float) -> ImageResult:
    from dataclasses import replace

    return replace(result, elapsed_s=round(elapsed, 3))
