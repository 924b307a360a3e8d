"""Bodies shaped exactly like the OpenAI Images API's: images responses, stream events, errors."""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.responses import JSONResponse

from inpaint_desktop.engine.backend import PreparedEdit

# The sizes the API's response schema names; other sizes (any WxH the engine honours) are left out of
# the images response and reported as "auto" in stream events, whose schema requires the field.
SPEC_SIZES = frozenset({"1024x1024", "1024x1536", "1536x1024"})


def error_body(message: str, *, type: str = "invalid_request_error", param: str | None = None,
               code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def error_response(status: int, message: str, *, type: str = "invalid_request_error",
                   param: str | None = None, code: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(message, type=type, param=param, code=code), status_code=status,
                        headers=headers)


def zero_usage() -> dict[str, Any]:
    """The offline engine uses no tokens; the fields are there because clients expect them."""
    return {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0,
            "input_tokens_details": {"text_tokens": 0, "image_tokens": 0}}


def reported_quality(prepared: PreparedEdit) -> str:
    """The engine has one quality; ``auto`` (and dall-e's ``standard``) are reported as ``high``."""
    quality = prepared.options.quality
    return quality if quality in ("low", "medium", "high") else "high"


def images_response(prepared: PreparedEdit, images: list[bytes], created: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "created": created,
        "data": [{"b64_json": base64.b64encode(image).decode("ascii")} for image in images],
        "usage": zero_usage(),
        "background": prepared.background,
        "output_format": prepared.options.output_format,
        "quality": reported_quality(prepared),
    }
    if prepared.size_text in SPEC_SIZES:
        body["size"] = prepared.size_text
    return body


def images_response_bytes(prepared: PreparedEdit, images: list[bytes], created: int) -> bytes:
    """The body of ``images_response`` as compact JSON bytes, built without a pass over the images.

    Base64 needs no JSON escaping, so only the small rest of the body goes through the encoder and
    the base64 bytes are spliced in (a megabyte-sized answer costs a few copies, not a re-escape).
    """
    body = images_response(prepared, [], created)
    body["data"] = [{"b64_json": f"\u0000{i}"} for i in range(len(images))]
    rest = json.dumps(body, separators=(",", ":"))
    pieces: list[bytes] = []
    for i, image in enumerate(images):
        head, rest = rest.split(f'"\\u0000{i}"', 1)
        pieces += [head.encode("ascii"), b'"', base64.b64encode(image), b'"']
    pieces.append(rest.encode("ascii"))
    return b"".join(pieces)


def _event_common(prepared: PreparedEdit, created: int) -> dict[str, Any]:
    size = prepared.size_text if prepared.size_text in SPEC_SIZES else "auto"
    return {"created_at": created, "size": size, "quality": reported_quality(prepared),
            "background": prepared.background, "output_format": prepared.options.output_format}


def partial_event(prepared: PreparedEdit, image: bytes, index: int, created: int) -> bytes:
    payload = {"type": "image_edit.partial_image", "b64_json": base64.b64encode(image).decode("ascii"),
               **_event_common(prepared, created), "partial_image_index": index}
    return sse("image_edit.partial_image", payload)


def completed_event(prepared: PreparedEdit, image: bytes, created: int) -> bytes:
    payload = {"type": "image_edit.completed", "b64_json": base64.b64encode(image).decode("ascii"),
               **_event_common(prepared, created), "usage": zero_usage()}
    return sse("image_edit.completed", payload)


def sse(event: str, payload: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()
