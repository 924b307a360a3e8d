"""Immutable request and result values shared by every backend.

Requests are frozen snapshots: the GUI builds one on its thread and hands it to a worker, so
nothing the user does afterwards can change what is sent.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from inpaint_desktop.core.rules import sniff_mime

_MIME_EXT = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


def sniff_image_mime(data: bytes) -> str | None:
    """Content type from the file's magic bytes (png, jpeg, webp), or None."""
    return sniff_mime(data)


@dataclass(frozen=True)
class ImageFile:
    """One file part: bytes plus the name and content type sent with them."""

    data: bytes = field(repr=False)
    filename: str
    mime: str

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "image") -> ImageFile:
        """Build a part whose content type is sniffed from the bytes (never trusted from a name).

        Unknown formats get ``application/octet-stream``; validation refuses them with a clear
        message before upload.
        """
        mime = sniff_image_mime(data) or "application/octet-stream"
        stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "image"
        ext = _MIME_EXT.get(mime, "bin")
        return cls(data=data, filename=f"{stem}.{ext}", mime=mime)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True, kw_only=True)
class OutputOptions:
    """What an image request asks for besides its prompt and inputs; ``None`` means "not sent".

    Edits and generations share these fields; the pipeline's ``EditParams`` (what the user picked)
    is built on them too, so the options are written down once.
    """

    model: str
    n: int = 1
    size: str | None = None
    quality: str | None = None
    output_format: str | None = None
    output_compression: int | None = None
    background: str | None = None
    moderation: str | None = None
    complexity: str | None = None
    stream: bool = False
    partial_images: int | None = None
    user: str | None = None


def output_options(options: OutputOptions) -> dict[str, Any]:
    """The shared fields of ``options`` by name (to build a request from any ``OutputOptions``)."""
    return {f.name: getattr(options, f.name) for f in fields(OutputOptions)}


@dataclass(frozen=True, kw_only=True)
class EditRequest(OutputOptions):
    """POST /v1/images/edits. ``images[0]`` is the canvas image; the mask applies to it."""

    images: tuple[ImageFile, ...]
    prompt: str
    mask: ImageFile | None = None
    input_fidelity: str | None = None


@dataclass(frozen=True, kw_only=True)
class GenerateRequest(OutputOptions):
    """POST /v1/images/generations (JSON)."""

    prompt: str


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_text_tokens: int | None = None
    input_image_tokens: int | None = None
    # Newer models split output into image and text tokens (``output_tokens_details``).
    output_image_tokens: int | None = None
    output_text_tokens: int | None = None


@dataclass(frozen=True)
class ImageResult:
    """What a backend returns: decoded image bytes (as the server encoded them) and metadata."""

    images: tuple[bytes, ...] = field(repr=False)
    created: int = 0
    usage: Usage | None = None
    request_id: str | None = None
    size: str | None = None
    quality: str | None = None
    output_format: str | None = None
    background: str | None = None
    # One human-readable line per image saying how it was made (the offline engine fills these).
    labels: tuple[str, ...] = ()
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class ModelInfo:
    """One entry of ``GET /v1/models``; ``shutdown_date`` is None when none is announced (or given)."""

    id: str
    owned_by: str = ""
    description: str = ""
    shutdown_date: datetime.date | None = None


ProgressKind = Literal["upload", "waiting", "download", "partial", "retry", "processing"]


@dataclass(frozen=True)
class Progress:
    """A progress report from a running call.

    - upload: ``done``/``total`` bytes sent.
    - waiting: the request is sent, the server is working.
    - download: ``done``/``total`` bytes received (``total`` 0 when unknown).
    - partial: a streamed preview; ``image`` holds its bytes, ``index`` its partial_image_index.
    - retry: the call failed and will be tried again; ``message`` says why and ``delay_s`` when.
    - processing: the answer is in; variant ``done`` of ``total`` is being mapped, composited, saved.
    """

    kind: ProgressKind
    done: int = 0
    total: int = 0
    index: int = 0
    image: bytes | None = field(default=None, repr=False)
    message: str = ""
    delay_s: float = 0.0


ProgressCallback = Callable[[Progress], None]


class CancelToken:
    """Cooperative cancellation that any thread may trigger.

    Backends check it between steps and also register callbacks (for example to close a socket)
    so that a blocked read ends promptly.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def cancel(self) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds; return True at once if cancelled meanwhile."""
        return self._event.wait(timeout)

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when cancelled (at once if already cancelled)."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            from inpaint_desktop.api.errors import CancelledError

            raise CancelledError("Cancelled by the user.")
