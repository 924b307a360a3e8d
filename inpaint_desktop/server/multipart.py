"""Incremental multipart/form-data reading with the API's limits enforced while the body streams in.

The body is fed chunk by chunk to python-multipart's streaming parser; a part over its limit, a
17th image or a duplicated field raises ``FormError`` at once, so an oversized upload is refused
after at most one chunk past the limit instead of after buffering it all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParser, parse_options_header

from inpaint_desktop.api.errors import ApiError
from inpaint_desktop.core.rules import MAX_IMAGE_BYTES, MAX_IMAGES, MAX_MASK_BYTES, MAX_PROMPT_CHARS

# Reference images beyond the first are checked (type, header) but not used by the offline engine;
# keeping only their beginning bounds a request's memory to one image, the mask and 15 headers.
REFERENCE_KEEP_BYTES = 1024 * 1024
MAX_TEXT_BYTES = 64 * 1024
MAX_PROMPT_BYTES = MAX_PROMPT_CHARS * 4  # UTF-8: at most 4 bytes a character; chars checked later
MAX_PARTS = 64
FILE_FIELDS = ("image", "image[]", "mask")


class FormError(ApiError):
    """The form breaks a rule of the API; carries the OpenAI error fields."""

    def __init__(self, message: str, *, code: str, param: str | None, status: int = 400) -> None:
        super().__init__(message, status=status, code=code, param=param, type="invalid_request_error")


@dataclass
class FilePart:
    """An uploaded file: its bytes (possibly only the beginning), name, type and full size."""

    name: str
    filename: str
    content_type: str
    data: bytearray = field(default_factory=bytearray)
    size: int = 0
    limit: int = MAX_IMAGE_BYTES
    keep: int = MAX_IMAGE_BYTES

    @property
    def truncated(self) -> bool:
        return self.size > len(self.data)


@dataclass
class _TextPart:
    name: str
    data: bytearray = field(default_factory=bytearray)


@dataclass
class Form:
    """The parsed form: text fields (each once) and file parts in upload order."""

    fields: dict[str, str] = field(default_factory=dict)
    files: list[FilePart] = field(default_factory=list)

    def images(self) -> list[FilePart]:
        return [f for f in self.files if f.name in ("image", "image[]")]

    def mask(self) -> FilePart | None:
        return next((f for f in self.files if f.name == "mask"), None)


class FormReader:
    """Feed body chunks with ``feed``; call ``finish`` at the end. Raises ``FormError`` early."""

    def __init__(self, content_type: str) -> None:
        kind, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise FormError("This endpoint takes multipart/form-data with a boundary (got "
                            f"{content_type or 'no Content-Type'!r}).", code="invalid_request", param=None)
        self.form = Form()
        self._headers: dict[bytes, bytes] = {}
        self._field = bytearray()
        self._value = bytearray()
        self._part: FilePart | _TextPart | None = None
        self._parts = 0
        self._ended = False
        self._error: FormError | None = None
        self._parser = MultipartParser(boundary, {
            "on_part_begin": self._on_part_begin,
            "on_header_field": lambda d, s, e: self._field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._value.extend(d[s:e]),
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        })

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except FormError:
            raise
        except Exception as exc:  # python-multipart raises several types for malformed bodies
            if self._error is not None:
                raise self._error from None
            raise FormError(f"The multipart body is malformed: {exc}", code="invalid_request",
                            param=None) from None
        if self._error is not None:
            raise self._error

    def finish(self) -> Form:
        self._parser.finalize()
        if not self._ended:
            raise FormError("The multipart body ended before its closing boundary.",
                            code="invalid_request", param=None)
        return self.form

    # -- parser callbacks: errors are raised from inside the parser and surface from ``feed``.

    def _fail(self, message: str, code: str, param: str | None) -> None:
        self._error = FormError(message, code=code, param=param)
        raise self._error

    def _on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            self._fail(f"Too many form parts (more than {MAX_PARTS}).", "invalid_request", None)
        self._headers = {}

    def _on_header_end(self) -> None:
        self._headers[bytes(self._field).lower()] = bytes(self._value)
        self._field.clear()
        self._value.clear()

    def _on_headers_finished(self) -> None:
        _kind, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        filename = params.get(b"filename")
        if not name:
            self._fail("A form part has no name.", "invalid_request", None)
        if name in FILE_FIELDS:
            self._begin_file(name, filename)
            return
        if name in self.form.fields:
            self._fail(f"Duplicate parameter: '{name}'. Send it once.", "duplicate_parameter", name)
        if filename is not None:
            self._fail(f"'{name}' must be a text field, not a file.", "invalid_type", name)
        self._part = _TextPart(name)

    def _begin_file(self, name: str, filename: bytes | None) -> None:
        files = self.form.files
        if name == "image" and any(f.name == "image" for f in files):
            self._fail("Duplicate parameter: 'image'. To send several images repeat 'image[]' parts "
                       "instead of 'image'.", "duplicate_parameter", "image")
        if name != "mask" and any(f.name != name and f.name != "mask" for f in files):
            self._fail("Send either one 'image' part or repeated 'image[]' parts, not both.",
                       "duplicate_parameter", "image")
        if name == "mask" and any(f.name == "mask" for f in files):
            self._fail("Duplicate parameter: 'mask'. Send one mask.", "duplicate_parameter", "mask")
        if name != "mask" and len(self.form.images()) >= MAX_IMAGES:
            self._fail(f"Too many images: at most {MAX_IMAGES} may be sent.", "too_many_images", "image")
        if filename is None:
            self._fail(f"'{name}' must be a file part (with a filename), not a text field.",
                       "invalid_type", name)
        mime = self._headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        if mime not in ("image/png", "image/jpeg", "image/webp"):
            shown = mime or "none"
            self._fail(f"Invalid file '{name}': unsupported mimetype ('{shown}'). Supported file formats "
                       "are 'image/jpeg', 'image/png', and 'image/webp'.", "unsupported_file_mimetype", name)
        first = not any(f.name != "mask" for f in files)
        limit = MAX_MASK_BYTES if name == "mask" else MAX_IMAGE_BYTES
        keep = limit if name == "mask" or first else REFERENCE_KEEP_BYTES
        part = FilePart(name, (filename or b"").decode("utf-8", "replace"), mime, limit=limit, keep=keep)
        files.append(part)
        self._part = part

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        if isinstance(part, FilePart):
            part.size += end - start
            if part.size >= part.limit:
                label = "mask" if part.name == "mask" else "image"
                self._fail(f"The {label} file '{part.filename}' is over the {part.limit // (1024 * 1024)} MB "
                           "limit.", "file_too_large", "mask" if part.name == "mask" else "image")
            room = part.keep - len(part.data)
            if room > 0:
                part.data.extend(data[start:min(end, start + room)])
        elif isinstance(part, _TextPart):
            part.data.extend(data[start:end])
            limit = MAX_PROMPT_BYTES if part.name == "prompt" else MAX_TEXT_BYTES
            if len(part.data) > limit:
                self._fail(f"The '{part.name}' field is too long.", "string_above_max_length", part.name)

    def _on_part_end(self) -> None:
        part = self._part
        if isinstance(part, _TextPart):
            try:
                self.form.fields[part.name] = part.data.decode("utf-8")
            except UnicodeDecodeError:
                self._fail(f"The '{part.name}' field is not valid UTF-8 text.", "invalid_value", part.name)
        self._part = None

    def _on_end(self) -> None:
        self._ended = True
