"""Server-sent events of a streamed edit or generation.

``*.partial_image`` events are reported as they arrive; ``*.completed`` events carry each final
image and the usage. An ``error`` event inside a 200 stream fails the call with its typed error,
and a stream that ends without any completed event is a failure too (a cut connection must not
look like success).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from httpx_sse import EventSource

from inpaint_desktop.api import errors as E
from inpaint_desktop.api.responses import decode_image, error_from_body, parse_usage
from inpaint_desktop.api.types import ImageResult, Progress, ProgressCallback, Usage


def read_image_stream(
    response: httpx.Response,
    *,
    event_prefix: str,
    request_id: str | None,
    progress: ProgressCallback | None,
    secrets: Sequence[str | None] = (),
) -> ImageResult:
    """Consume the SSE ``response`` (``event_prefix`` ``image_edit`` or ``image_generation``)."""
    images: list[bytes] = []
    usage: Usage | None = None
    meta: dict[str, Any] = {}
    created = 0
    for sse in EventSource(response).iter_sse():
        if not sse.data or sse.data.strip() == "[DONE]":
            continue
        try:
            obj = json.loads(sse.data)
        except json.JSONDecodeError:
            raise E.ServerError("The server sent a stream event that is not valid JSON.",
                                request_id=request_id) from None
        if not isinstance(obj, Mapping):
            raise E.ServerError("The server sent a stream event that is not a JSON object.",
                                request_id=request_id)
        kind = str(obj.get("type") or sse.event or "")
        if kind == "error" or sse.event == "error" or "error" in obj:
            payload = obj if isinstance(obj.get("error"), Mapping) else {"error": obj}
            raise error_from_body(200, payload, request_id=request_id, secrets=secrets)
        if kind.endswith(".partial_image"):
            index = obj.get("partial_image_index", 0)
            data = decode_image(obj.get("b64_json"), what="a partial image", request_id=request_id)
            if progress is not None:
                progress(Progress(kind="partial", index=int(index) if isinstance(index, int) else 0,
                                  image=data))
        elif kind.endswith(".completed"):
            images.append(decode_image(obj.get("b64_json"), what=f"final image {len(images) + 1}",
                                       request_id=request_id))
            usage = parse_usage(obj.get("usage")) or usage
            for key in ("size", "quality", "output_format", "background"):
                if isinstance(obj.get(key), str):
                    meta[key] = obj[key]
            if isinstance(obj.get("created_at"), int):
                created = obj["created_at"]
        # Other event types (future additions) are ignored on purpose.
    if not images:
        raise E.ServerError(
            f"The {event_prefix.replace('_', ' ')} stream ended before the final image arrived.",
            request_id=request_id,
        )
    return ImageResult(images=tuple(images), created=created, usage=usage, request_id=request_id, **meta)
