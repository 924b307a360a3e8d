"""What a server answers is never trusted: keys are redacted by value, images must decode, bodies
are capped. Keys here deliberately do not look like ``sk-…``, so only redaction by value can hide
them."""

from __future__ import annotations

import logging

import pytest

from inpaint_desktop.api import errors as E
from inpaint_desktop.api.client import OpenAIBackend
from inpaint_desktop.api.config import ApiConfig
from inpaint_desktop.api.responses import answer_limit
from inpaint_desktop.core.redaction import redact, register_secret
from inpaint_desktop.core.rules import MAX_RESULT_IMAGE_BYTES
from tests.api.fake_server import RESULT_PNG, FakeImagesServer
from tests.api.test_client import edit_request

GATEWAY_KEY = "gw-ABC123XYZ-gateway-token-0042"
SERVE_KEY = "local-serve-passphrase-7781"


def _client(server: FakeImagesServer, key: str = GATEWAY_KEY, **kw: object) -> OpenAIBackend:
    return OpenAIBackend(ApiConfig(base_url=server.url, api_key=key, **kw))  # type: ignore[arg-type]


def test_a_200_error_that_echoes_a_gateway_key_is_redacted(server: FakeImagesServer) -> None:
    server.script("error_200")
    with _client(server) as client, pytest.raises(E.ServerError) as info:
        client.edit(edit_request())
    err = info.value
    assert server.requests[-1].headers["authorization"] == f"Bearer {GATEWAY_KEY}"  # it was sent
    assert "gateway rejected key [redacted]" in err.message
    for text in (str(err), err.describe(), repr(err.details), repr(err.args)):
        assert GATEWAY_KEY not in text
    assert err.details["key"] == "[redacted]"


def test_any_error_built_after_the_key_is_known_is_redacted() -> None:
    register_secret(SERVE_KEY)
    err = E.InvalidRequestError(f"bad {SERVE_KEY}", code=SERVE_KEY, param="x", request_id=f"r-{SERVE_KEY}",
                                details={"nested": [f"a {SERVE_KEY} b"]})
    assert SERVE_KEY not in err.describe() + repr(err.details)
    assert redact(f"the key is {SERVE_KEY}.") == "the key is [redacted]."
    assert redact("short words stay: gw, a, the") == "short words stay: gw, a, the"


def test_log_lines_and_tracebacks_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    register_secret(SERVE_KEY)
    log = logging.getLogger("inpaint_desktop.test")
    with caplog.at_level(logging.INFO):
        log.info("serving with %s", SERVE_KEY)
        try:
            raise RuntimeError(f"header was Bearer-less {SERVE_KEY}")
        except RuntimeError:
            log.exception("failed")
    text = caplog.text
    assert "serving with [redacted]" in text and "RuntimeError" in text
    assert SERVE_KEY not in text


def test_server_strings_in_a_result_are_redacted(server: FakeImagesServer) -> None:
    server.script("ok_echo_key")
    with _client(server) as client:
        result = client.edit(edit_request())
    assert result.images == (RESULT_PNG,)
    assert (result.quality, result.size) == ("[redacted]", "key=[redacted]")
    assert result.request_id is not None and "[redacted]" in result.request_id
    assert GATEWAY_KEY not in repr(result) + result.request_id


def test_images_that_do_not_decode_are_passed_on_for_the_caller_to_judge(server: FakeImagesServer) -> None:
    # The answer's other images were paid for too: the pipeline and the CLI decode each one and keep
    # those that decode (tests/pipeline, tests/cli); the client only checks what it can without pixels.
    server.script("second_garbage")
    with _client(server) as client:
        result = client.edit(edit_request(n=2))
    assert result.images[0] == RESULT_PNG and result.images[1].startswith(b"\x89PNG")


def test_an_announced_huge_body_is_refused_before_it_is_read(server: FakeImagesServer) -> None:
    server.script("huge_length")
    with _client(server) as client, pytest.raises(E.ServerError) as info:
        client.edit(edit_request())
    limit_mb = answer_limit(1) / 1e6
    assert f"over the {limit_mb:.0f} MB this client accepts for 1 image(s)" in info.value.message
    assert len(server.requests) == 1


def test_a_body_that_goes_on_and_on_is_cut_at_the_limit(server: FakeImagesServer) -> None:
    server.huge_bytes = answer_limit(1) + 8 * 1024 * 1024  # chunked: no length announced
    server.script("huge")
    with _client(server) as client, pytest.raises(E.ServerError) as info:
        client.edit(edit_request())
    assert "goes on past" in info.value.message and "not read to the end" in info.value.message
    assert f"{MAX_RESULT_IMAGE_BYTES // 2**20} MB per image" in info.value.message


def test_the_limit_grows_with_the_images_asked_for() -> None:
    assert answer_limit(2) > 2 * MAX_RESULT_IMAGE_BYTES * 4 // 3 > answer_limit(1)
