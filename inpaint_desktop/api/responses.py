"""Reading what the server answered: images, usage and typed errors.

Nothing the server says is trusted blindly: the answer must fit a size limit, the JSON must parse,
every ``b64_json`` must be base64 of a PNG, JPEG or WebP file within the per-image limit, and any text
that ends up in an error or a result is stripped of the key and anything key-like. Decoding the
pixels is left to the caller (the edit pipeline, the CLI), which decodes them anyway: one image that
does not decode must not cost the others of the same answer, which were paid for too.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from typing import Any

from inpaint_desktop.api import errors as E
from inpaint_desktop.api.config import redact
from inpaint_desktop.api.types import ImageResult, Usage
from inpaint_desktop.core.rules import MAX_RESULT_IMAGE_BYTES, sniff_output_mime

# Room for everything in an answer besides the images (usage, metadata, JSON or SSE framing).
_ANSWER_OVERHEAD = 1024 * 1024


def answer_limit(images: int) -> int:
    """The most bytes an answer that carries ``images`` images (finals and previews) may have.

    Each image may weigh ``MAX_RESULT_IMAGE_BYTES`` once decoded; base64 makes it 4/3 as long.
    """
    return max(1, images) * (MAX_RESULT_IMAGE_BYTES * 4 // 3 + 4) + _ANSWER_OVERHEAD


def over_limit_error(limit: int, images: int, *, request_id: str | None, size: int | None = None
                     ) -> E.ServerError:
    found = f"is {size / 1e6:.0f} MB" if size else "goes on past"
    return E.ServerError(
        f"The server's answer {found}, over the {limit / 1e6:.0f} MB this client accepts for "
        f"{images} image(s) ({MAX_RESULT_IMAGE_BYTES // (1024 * 1024)} MB per image); it was not read "
        "to the end.", request_id=request_id)


def parse_usage(raw: Any) -> Usage | None:
    if not isinstance(raw, Mapping):
        return None
    def part(name: str) -> Mapping[str, Any]:
        value = raw.get(name)
        return value if isinstance(value, Mapping) else {}

    details, out = part("input_tokens_details"), part("output_tokens_details")

    def num(value: Any) -> int | None:
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    return Usage(
        input_tokens=num(raw.get("input_tokens")) or 0,
        output_tokens=num(raw.get("output_tokens")) or 0,
        total_tokens=num(raw.get("total_tokens")) or 0,
        input_text_tokens=num(details.get("text_tokens")),
        input_image_tokens=num(details.get("image_tokens")),
        output_image_tokens=num(out.get("image_tokens")),
        output_text_tokens=num(out.get("text_tokens")),
    )


def decode_image(b64: Any, *, what: str, request_id: str | None) -> bytes:
    """Decode one ``b64_json`` value; a ``ServerError`` naming ``what`` when it is not an image file."""
    if not isinstance(b64, str | bytes) or not b64:
        raise E.ServerError(f"The server sent {what} without image data.", request_id=request_id)
    if len(b64) > MAX_RESULT_IMAGE_BYTES * 4 // 3 + 4:
        raise E.ServerError(f"The server sent {what} over the {MAX_RESULT_IMAGE_BYTES // (1024 * 1024)} MB "
                            "this client accepts per image.", request_id=request_id)
    try:
        data = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise E.ServerError(f"The server sent {what} that is not valid base64.",
                            request_id=request_id) from None
    if sniff_output_mime(data) is None:
        raise E.ServerError(f"The server sent {what} that is not a PNG, JPEG, WebP, GIF or SVG image.",
                            request_id=request_id)
    return data


def _opt_str(value: Any) -> str | None:
    # Redacted: these strings come from the server and end up in sidecars and on screen.
    return redact(str(value)) if isinstance(value, str | int) and not isinstance(value, bool) else None


_B64_KEY = b'"b64_json"'
# A JSON escape, so the parsed placeholder starts with NUL, which no real base64 string does.
_PLACEHOLDER = b"\\u0000b64:%d"


def _lift_images(body: bytes) -> tuple[bytes, list[bytes]]:
    """Cut every ``b64_json`` string out of ``body``, leaving a placeholder that names its index.

    ``json.loads`` holds the GIL for the whole body (30 ms for ten 1536x1024 images), which stalls
    the GUI thread; ``bytes.find`` over the long strings and parsing the small rest do not.
    Base64 holds no quote or backslash, except a JSON-escaped slash, which is undone here.
    """
    out: list[bytes] = []
    blobs: list[bytes] = []
    pos = 0
    while (key := body.find(_B64_KEY, pos)) >= 0:
        colon = body.find(b":", key + len(_B64_KEY))
        start = body.find(b'"', colon + 1)
        if colon < 0 or start < 0 or body[key + len(_B64_KEY):start].strip(b": \t\r\n"):
            raise ValueError("unexpected JSON around b64_json")
        end = body.find(b'"', start + 1)
        if end < 0:
            raise ValueError("unterminated b64_json string")
        blob = body[start + 1:end]
        if b"\\" in blob:
            blob = blob.replace(b"\\/", b"/")
        out += [body[pos:start], b'"', _PLACEHOLDER % len(blobs), b'"']
        blobs.append(blob)
        pos = end + 1
    out.append(body[pos:])
    return b"".join(out), blobs


def _load_images_json(body: bytes) -> Any:
    try:
        skeleton, blobs = _lift_images(body)
        obj = json.loads(skeleton)
    except (ValueError, UnicodeDecodeError):
        return json.loads(body)  # let the plain parser find (and report) whatever is odd
    data = obj.get("data") if isinstance(obj, Mapping) else None
    for item in data if isinstance(data, list) else ():
        value = item.get("b64_json") if isinstance(item, dict) else None
        if isinstance(value, str) and value.startswith("\u0000b64:"):
            item["b64_json"] = blobs[int(value.rsplit(":", 1)[1])]
    return obj


def parse_images_body(body: bytes, *, request_id: str | None, elapsed_s: float = 0.0,
                      secrets: Sequence[str | None] = ()) -> ImageResult:
    """An ``ImagesResponse`` JSON body to an ``ImageResult``; ``ServerError`` when malformed."""
    try:
        obj = _load_images_json(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise E.ServerError("The server's answer is not valid JSON (cut off or malformed).",
                            request_id=request_id) from None
    if not isinstance(obj, Mapping):
        raise E.ServerError("The server's answer is not a JSON object.", request_id=request_id)
    if isinstance(obj.get("error"), Mapping):
        # Some gateways put an error object in a 200 answer.
        raise error_from_body(200, obj, request_id=request_id, secrets=secrets)
    data = obj.get("data")
    if not isinstance(data, Sequence) or not data:
        raise E.ServerError("The server's answer holds no images.", request_id=request_id)
    images = tuple(
        decode_image(item.get("b64_json") if isinstance(item, Mapping) else None,
                     what=f"image {i + 1} of {len(data)}", request_id=request_id)
        for i, item in enumerate(data)
    )
    created = obj.get("created")
    return ImageResult(
        images=images,
        created=int(created) if isinstance(created, int | float) else 0,
        usage=parse_usage(obj.get("usage")),
        request_id=request_id,
        size=_opt_str(obj.get("size")),
        quality=_opt_str(obj.get("quality")),
        output_format=_opt_str(obj.get("output_format")),
        background=_opt_str(obj.get("background")),
        elapsed_s=elapsed_s,
    )


_QUOTA_HINTS = ("quota", "billing", "spend")


def error_from_body(
    status: int, body: Any, *, request_id: str | None, secrets: Sequence[str | None] = ()
) -> E.ApiError:
    """The typed error for an HTTP ``status`` and its body (bytes, text or parsed JSON)."""
    obj: Any = body
    if isinstance(body, bytes | str):
        try:
            obj = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            obj = None
    err = obj.get("error") if isinstance(obj, Mapping) else None
    if not isinstance(err, Mapping):
        err = {}
    raw_message = err.get("message") if isinstance(err.get("message"), str) else None
    if raw_message is None and isinstance(body, bytes | str) and body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        raw_message = text.strip()[:300] or None
    message = redact(raw_message or f"HTTP {status} without an error message", *secrets)
    code = _opt_str(err.get("code"))
    param = _opt_str(err.get("param"))
    kind = _opt_str(err.get("type"))
    details = {k: v for k, v in err.items() if k not in ("message", "code", "param", "type")}
    kw: dict[str, Any] = {"status": status or None, "code": code, "param": param, "type": kind,
                          "request_id": request_id, "details": details}
    lowered = (code or "").lower()
    if code == "moderation_blocked":
        return E.ModerationBlockedError(f"The safety system refused this request: {message}", **kw)
    if status == 401:
        return E.AuthenticationError(f"The API key was refused: {message}", **kw)
    if status == 403:
        hint = ("the organisation must be verified first (an account action on the provider's site)"
                if "verif" in message.lower() else "this account may not use this model or endpoint")
        return E.PermissionDeniedError(f"Permission denied ({hint}): {message}", **kw)
    if status == 429 or any(h in lowered for h in _QUOTA_HINTS):
        if any(h in lowered for h in _QUOTA_HINTS):
            return E.QuotaExceededError(
                f"Quota or billing limit reached (retrying will not help): {message}", **kw)
        return E.RateLimitError(f"Rate limited: {message}", **kw)
    if status == 404:
        return E.NotFoundError(f"Not found: {message}", **kw)
    if status == 408:
        return E.ApiTimeoutError(f"The server timed out: {message}", **kw)
    if status >= 500:
        return E.ServerError(f"Server error {status}: {message}", **kw)
    if status == 200:
        return E.ServerError(f"The server reported an error: {message}", **kw)
    prefix = f"Invalid request ({param}): " if param else "Invalid request: "
    return E.InvalidRequestError(prefix + message, **kw)
