"""Streaming (SSE) edits and generations, and cancelling from another thread in every phase."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from inpaint_desktop.api import errors as E
from inpaint_desktop.api.types import CancelToken, GenerateRequest, ImageFile, Progress
from tests.api.conftest import KEY
from tests.api.fake_server import PARTIAL_PNG, RESULT_PNG, FakeImagesServer, png_bytes
from tests.api.test_client import backend, edit_request


def test_streamed_edit_reports_partials_then_the_final_image(server: FakeImagesServer) -> None:
    server.script("sse")
    seen: list[Progress] = []
    with backend(server) as client:
        result = client.edit(edit_request(stream=True, partial_images=2), progress=seen.append)
    rec = server.requests[-1]
    assert rec.problems == [] and rec.fields["stream"] == ["true"] and rec.fields["partial_images"] == ["2"]
    partials = [p for p in seen if p.kind == "partial"]
    assert [(p.index, p.image) for p in partials] == [(0, PARTIAL_PNG), (1, PARTIAL_PNG)]
    assert result.images == (RESULT_PNG,)
    assert result.usage is not None and result.usage.output_tokens == 272
    assert result.request_id == "req_stream" and result.quality == "low"


def test_streamed_generation(server: FakeImagesServer) -> None:
    server.script("sse")
    seen: list[Progress] = []
    with backend(server) as client:
        result = client.generate(GenerateRequest(prompt="a fox", model="gpt-image-2", stream=True,
                                                 partial_images=1), progress=seen.append)
    assert server.requests[-1].json == {"model": "gpt-image-2", "prompt": "a fox", "n": 1, "stream": True,
                                        "partial_images": 1}
    assert [p.index for p in seen if p.kind == "partial"] == [0]
    assert result.images == (RESULT_PNG,)


def test_error_event_in_a_200_stream_fails_the_call(server: FakeImagesServer) -> None:
    server.script("sse_error")
    seen: list[Progress] = []
    with backend(server) as client, pytest.raises(E.ServerError) as info:
        client.edit(edit_request(stream=True, partial_images=1), progress=seen.append)
    assert info.value.code == "image_generation_failed" and info.value.request_id == "req_stream"
    assert len(server.requests) == 1  # not retried: the image may already be billed
    assert [p.kind for p in seen].count("partial") == 1


def test_stream_cut_before_completion_is_a_failure(server: FakeImagesServer) -> None:
    server.script("sse_cut")
    with backend(server, max_retries=0) as client, pytest.raises(E.ServerError) as info:
        client.edit(edit_request(stream=True, partial_images=2))
    assert "ended before the final image" in info.value.message


def _cancel_after(token: CancelToken, seconds: float) -> list[float]:
    fired: list[float] = []

    def fire() -> None:
        fired.append(time.monotonic())
        token.cancel()

    threading.Timer(seconds, fire).start()
    return fired


@pytest.mark.parametrize("warm", [False, True], ids=["new-connection", "reused-connection"])
def test_cancel_while_waiting_for_the_answer(server: FakeImagesServer, warm: bool) -> None:
    with backend(server) as client:
        if warm:
            client.edit(edit_request())  # leaves a keep-alive connection that the next call reuses
        server.script("slow")
        token = CancelToken()
        fired = _cancel_after(token, 0.4)
        with pytest.raises(E.CancelledError):
            client.edit(edit_request(), cancel=token)
        assert time.monotonic() - fired[0] < 1.0
        # The backend is still usable afterwards.
        assert client.edit(edit_request()).images == (RESULT_PNG,)


def test_cancel_while_uploading(server: FakeImagesServer) -> None:
    # The server does not read the body, so the upload blocks once the socket buffers are full.
    big = png_bytes(32, 32) + b"\0" * (20 * 1024 * 1024)
    images = tuple(ImageFile.from_bytes(big, f"p{i}.png") for i in range(3))
    server.script("slow_headers")
    token = CancelToken()
    seen: list[Progress] = []
    fired = _cancel_after(token, 0.5)
    with backend(server) as client, pytest.raises(E.CancelledError):
        client.edit(edit_request(images=images, mask=None), progress=seen.append, cancel=token)
    assert time.monotonic() - fired[0] < 1.0
    uploaded = [p.done for p in seen if p.kind == "upload"]
    assert 0 < uploaded[-1] < 60 * 1024 * 1024  # stopped mid-upload


def test_cancel_while_downloading(server: FakeImagesServer) -> None:
    server.script("slow_body")
    token = CancelToken()
    fired = _cancel_after(token, 0.4)
    with backend(server) as client, pytest.raises(E.CancelledError):
        client.edit(edit_request(), cancel=token)
    assert time.monotonic() - fired[0] < 1.0


def test_cancel_during_a_retry_wait(server: FakeImagesServer) -> None:
    server.script("rate_limit_wait")
    token = CancelToken()
    seen: list[Progress] = []
    fired = _cancel_after(token, 0.4)
    with backend(server) as client, pytest.raises(E.CancelledError):
        client.edit(edit_request(), progress=seen.append, cancel=token)
    assert time.monotonic() - fired[0] < 1.0
    assert [p.delay_s for p in seen if p.kind == "retry"] == [60.0]
    assert len(server.requests) == 1


def test_key_never_appears_in_logs_or_errors(
    server: FakeImagesServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.script("401", "sse_error", "500", "500", "500")
    texts: list[str] = []
    with backend(server) as client:
        texts.append(repr(client.config))
        for request in (edit_request(), edit_request(stream=True, partial_images=1), edit_request()):
            with pytest.raises(E.ApiError) as info:
                client.edit(request, progress=lambda p: texts.append(p.message))
            texts.extend([str(info.value), info.value.describe(), repr(info.value.details)])
    assert any("Incorrect API key provided: [redacted]" in t for t in texts)
    joined = "\n".join([*texts, caplog.text])
    assert KEY not in joined and KEY[8:] not in joined
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"
