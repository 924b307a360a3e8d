"""The test server itself answers as the spec says (so client tests are tested against the real shapes)."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.api.fake_server import FakeImagesServer
from tests.openapi_schema import validate


def test_json_answer_matches_the_spec(server: FakeImagesServer) -> None:
    r = httpx.post(f"{server.url}/images/generations", json={"model": "gpt-image-2", "prompt": "p", "n": 2})
    assert r.status_code == 200 and r.headers["x-request-id"]
    validate(r.json(), "ImagesResponse")
    assert len(r.json()["data"]) == 2


@pytest.mark.parametrize(("path", "schema"), [("generations", "ImageGenStreamEvent")])
def test_stream_events_match_the_spec(server: FakeImagesServer, path: str, schema: str) -> None:
    server.script("sse")
    r = httpx.post(f"{server.url}/images/{path}",
                   json={"model": "gpt-image-2", "prompt": "p", "stream": True, "partial_images": 2})
    events = [json.loads(line[6:]) for line in r.text.splitlines() if line.startswith("data: ")]
    assert [e["type"] for e in events] == [*["image_generation.partial_image"] * 2,
                                           "image_generation.completed"]
    for event in events:
        validate(event, schema)


def test_error_bodies_match_the_spec(server: FakeImagesServer) -> None:
    server.script("moderation")
    r = httpx.post(f"{server.url}/images/generations", json={"model": "gpt-image-2", "prompt": "p"})
    assert r.status_code == 400
    validate(r.json(), "ErrorResponse")


def test_requests_that_break_the_rules_are_refused(server: FakeImagesServer) -> None:
    files = [("image", ("a.png", b"\x89PNG\r\n\x1a\nxx", "image/png")),
             ("image", ("b.bin", b"\x89PNG\r\n\x1a\nxx", "application/octet-stream"))]
    r = httpx.post(f"{server.url}/images/edits", data={"prompt": "p", "response_format": "b64_json"},
                   files=files)
    assert r.status_code == 400
    problems = server.requests[-1].problems
    assert any("duplicate_parameter" in p for p in problems)
    assert any("unsupported_file_mimetype" in p for p in problems)
    assert any("response_format" in p for p in problems)
    assert "model missing" in problems
