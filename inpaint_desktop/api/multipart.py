"""A multipart/form-data body streamed in chunks, with its exact length known in advance.

Sixteen 20 MB images must not be copied into one 320 MB body: the parts are yielded as
``memoryview`` slices of the bytes the request already holds, so the extra memory while
uploading is one chunk. Between chunks the body reports upload progress and checks the cancel
token, which is how an upload stops promptly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence

from inpaint_desktop.api.requests import FilePart

CHUNK = 256 * 1024


def _quote(value: str) -> str:
    # RFC 7578: names are quoted strings; escape what would end them.
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _coalesce(segments: list[bytes]) -> list[bytes]:
    """Join runs of small pieces (field parts, part headers, small files) into one write each.

    Many tiny writes cost a system call each and can stall on Nagle's algorithm; large file data
    stays as it is (never copied).
    """
    out: list[bytes] = []
    pending = bytearray()
    for segment in segments:
        if len(segment) >= CHUNK:
            if pending:
                out.append(bytes(pending))
                pending.clear()
            out.append(segment)
        else:
            pending += segment
    if pending:
        out.append(bytes(pending))
    return out


class MultipartBody:
    """Iterable body; ``content_type`` and ``length`` go into the request headers."""

    def __init__(
        self,
        fields: Sequence[tuple[str, str]],
        files: Sequence[FilePart],
        *,
        on_progress: Callable[[int, int], None] | None = None,
        check_cancel: Callable[[], None] | None = None,
        boundary: str | None = None,
    ) -> None:
        self.boundary = boundary or os.urandom(16).hex()
        self._segments: list[bytes] = []
        b = self.boundary.encode()
        for name, value in fields:
            self._segments.append(
                b"--" + b + b'\r\nContent-Disposition: form-data; name="' + _quote(name).encode()
                + b'"\r\n\r\n' + value.encode("utf-8") + b"\r\n"
            )
        for part in files:
            self._segments.append(
                b"--" + b + b'\r\nContent-Disposition: form-data; name="' + _quote(part.name).encode()
                + b'"; filename="' + _quote(part.filename).encode() + b'"\r\nContent-Type: '
                + part.content_type.encode() + b"\r\n\r\n"
            )
            self._segments.append(part.data)
            self._segments.append(b"\r\n")
        self._segments.append(b"--" + b + b"--\r\n")
        self._segments = _coalesce(self._segments)
        self.length = sum(len(s) for s in self._segments)
        self._on_progress = on_progress
        self._check_cancel = check_cancel

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        if self._on_progress:
            self._on_progress(0, self.length)
        for segment in self._segments:
            view = memoryview(segment)
            for start in range(0, len(view), CHUNK):
                if self._check_cancel:
                    self._check_cancel()
                chunk = view[start:start + CHUNK]
                yield chunk  # type: ignore[misc]  # httpx writes any buffer; no copy is made
                sent += len(chunk)
                if self._on_progress:
                    self._on_progress(sent, self.length)

    def to_bytes(self) -> bytes:
        """The whole body at once (for tests and small requests)."""
        return b"".join(self._segments)
