"""OpenAIBackend against the real loopback server: wire format, responses, errors, retries."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from inpaint_desktop.api import errors as E
from inpaint_desktop.api.client import OpenAIBackend
from inpaint_desktop.api.config import ApiConfig
from inpaint_desktop.api.types import EditRequest, GenerateRequest, ImageFile, Progress
from tests.api.conftest import KEY
from tests.api.fake_server import RESULT_PNG, FakeImagesServer, png_bytes
from tests.conftest import DATA


def rgba_mask(width: int, height: int) -> bytes:
    img = Image.new("RGBA", (width, height), (0, 0, 0, 255))
    img.paste((0, 0, 0, 0), (2, 2, width // 2, height // 2))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def backend(server: FakeImagesServer, **kw: object) -> OpenAIBackend:
    return OpenAIBackend(ApiConfig(base_url=server.url, api_key=KEY, **kw))  # type: ignore[arg-type]


def edit_request(**kw: object) -> EditRequest:
    photo = (DATA / "chelsea.png").read_bytes()
    values: dict[str, object] = {
        "images": (ImageFile.from_bytes(photo, "chelsea.png"),),
        "mask": ImageFile.from_bytes(rgba_mask(451, 300), "mask.png"),
        "prompt": "a cat wearing a red hat", "model": "gpt-image-1.5",
    }
    values.update(kw)
    return EditRequest(**values)  # type: ignore[arg-type]


def test_single_image_edit_is_sent_as_the_api_expects(server: FakeImagesServer) -> None:
    with backend(server, organization="org-1", project="proj-1") as client:
        result = client.edit(edit_request(n=2, quality="low", output_format="webp", output_compression=80,
                                          background="opaque", input_fidelity="high"))
    rec = server.requests[-1]
    assert rec.problems == []
    assert [f.name for f in rec.files] == ["image", "mask"]
    assert [(f.filename, f.content_type) for f in rec.files] == [("chelsea.png", "image/png"),
                                                                  ("mask.png", "image/png")]
    assert rec.files[0].data == (DATA / "chelsea.png").read_bytes()
    assert rec.fields == {"model": ["gpt-image-1.5"], "prompt": ["a cat wearing a red hat"], "n": ["2"],
                          "quality": ["low"], "output_format": ["webp"], "output_compression": ["80"],
                          "background": ["opaque"], "input_fidelity": ["high"]}
    assert rec.headers["authorization"] == f"Bearer {KEY}"
    assert rec.headers["openai-organization"] == "org-1" and rec.headers["openai-project"] == "proj-1"
    assert result.images == (RESULT_PNG, RESULT_PNG)
    assert result.request_id == "req_1_200"  # request 1, status 200
    assert result.usage is not None and result.usage.input_image_tokens == 40
    assert (result.size, result.quality, result.output_format, result.background) == (
        "1024x1024", "low", "png", "opaque")


def test_several_images_go_as_repeated_image_brackets(server: FakeImagesServer) -> None:
    photos = [ImageFile.from_bytes((DATA / n).read_bytes(), n) for n in ("chelsea.png", "coffee.png")]
    jpeg = io.BytesIO()
    Image.open(DATA / "astronaut.png").convert("RGB").save(jpeg, "JPEG")
    photos.append(ImageFile(jpeg.getvalue(), "astronaut.bin", "application/octet-stream"))
    with backend(server) as client:
        client.edit(edit_request(images=tuple(photos), model="gpt-image-2", stream=False))
    rec = server.requests[-1]
    assert rec.problems == []
    assert [f.name for f in rec.files] == ["image[]", "image[]", "image[]", "mask"]
    # The content type comes from the bytes, not from what the caller claimed.
    assert rec.files[2].content_type == "image/jpeg"


def test_generation_is_json_and_params_a_model_does_not_take_are_refused(server: FakeImagesServer) -> None:
    with backend(server) as client:
        result = client.generate(GenerateRequest(prompt="a lighthouse", model="gpt-image-2", size="1536x864",
                                                 moderation="low", quality="high", user="u1"))
        # Unknown models pass through with conservative defaults: moderation is not among them, and
        # a parameter the caller set is never dropped silently.
        with pytest.raises(E.ValidationError, match="some-new-image-model does not accept") as info:
            client.generate(GenerateRequest(prompt="a lighthouse", model="some-new-image-model",
                                            moderation="low", quality="high"))
        assert info.value.param == "moderation"
        client.generate(GenerateRequest(prompt="a lighthouse", model="some-new-image-model", quality="high"))
    first, second = server.requests[-2:]
    assert first.problems == [] and second.problems == []
    assert first.json == {"model": "gpt-image-2", "prompt": "a lighthouse", "n": 1, "size": "1536x864",
                          "quality": "high", "moderation": "low", "user": "u1"}
    assert second.json == {"model": "some-new-image-model", "prompt": "a lighthouse", "n": 1,
                           "quality": "high"}
    assert result.images == (RESULT_PNG,)


def test_upload_progress_counts_every_byte(server: FakeImagesServer) -> None:
    seen: list[Progress] = []
    with backend(server) as client:
        client.edit(edit_request(), progress=seen.append)
    uploads = [p for p in seen if p.kind == "upload"]
    total = server.requests[-1].body_size
    assert uploads[0].done == 0 and uploads[-1].done == uploads[-1].total == total
    assert [p.done for p in uploads] == sorted(p.done for p in uploads)
    assert any(p.kind == "waiting" for p in seen)
    assert seen[-1].kind == "download"


def test_invalid_request_never_reaches_the_server(server: FakeImagesServer) -> None:
    with backend(server) as client, pytest.raises(E.ValidationError) as info:
        client.edit(edit_request(mask=ImageFile.from_bytes(rgba_mask(100, 100), "mask.png")))
    assert info.value.param == "mask" and "451x300" in info.value.message
    assert server.requests == []


@pytest.mark.parametrize(
    ("modes", "error", "attempts"),
    [
        (["quota"], E.QuotaExceededError, 1),
        (["moderation"], E.ModerationBlockedError, 1),
        (["401"], E.AuthenticationError, 1),
        (["403"], E.PermissionDeniedError, 1),
        (["400_param"], E.InvalidRequestError, 1),
        (["500", "503", "500"], E.ServerError, 3),
        (["rate_limit", "rate_limit", "rate_limit"], E.RateLimitError, 3),
        (["rate_limit_long"], E.RateLimitError, 1),
        (["bad_json"], E.ServerError, 1),
        (["bad_b64"], E.ServerError, 1),
        (["truncated", "truncated", "truncated"], E.ApiConnectionError, 3),
    ],
)
def test_typed_errors_and_retry_counts(
    server: FakeImagesServer, modes: list[str], error: type[E.ApiError], attempts: int
) -> None:
    server.script(*modes)
    retries: list[Progress] = []
    with backend(server) as client, pytest.raises(error) as info:
        client.edit(edit_request(), progress=lambda p: retries.append(p) if p.kind == "retry" else None)
    assert len(server.requests) == attempts
    assert len(retries) == attempts - 1
    assert info.value.request_id  # always something to quote to support
    assert KEY not in str(info.value) and KEY not in info.value.describe()
    if modes[0] == "moderation":
        assert info.value.details["moderation_details"] == {"categories": ["violence"]}
    if modes[0] == "403":
        assert "verified" in info.value.message
    if modes[0] == "400_param":
        assert info.value.param == "size"
    if modes[0] == "rate_limit_long":
        assert "300 s" in info.value.message


def test_retry_then_success_waits_what_the_server_asks(server: FakeImagesServer) -> None:
    server.script("rate_limit", "503")
    seen: list[Progress] = []
    with backend(server) as client:
        result = client.edit(edit_request(), progress=seen.append)
    retries = [p for p in seen if p.kind == "retry"]
    assert [p.delay_s for p in retries] == [0.03, 0.03]
    assert "attempt 2 of 3" in retries[0].message
    gaps = [b - a for a, b in zip(server.arrivals, server.arrivals[1:], strict=False)]
    assert all(g >= 0.025 for g in gaps)
    assert result.images == (RESULT_PNG,)


def test_max_retries_zero_tries_once(server: FakeImagesServer) -> None:
    server.script("503")
    with backend(server, max_retries=0) as client, pytest.raises(E.ServerError):
        client.edit(edit_request())
    assert len(server.requests) == 1


def test_read_timeout_is_a_timeout_error(server: FakeImagesServer) -> None:
    server.slow_seconds = 5
    server.script("slow")
    with backend(server, read_timeout=0.3, max_retries=0) as client, pytest.raises(E.ApiTimeoutError):
        t0 = time.monotonic()
        client.edit(edit_request())
    assert time.monotonic() - t0 < 3


def test_connection_refused_is_a_connection_error() -> None:
    with OpenAIBackend(ApiConfig(base_url="http://127.0.0.1:9/v1", api_key=KEY, max_retries=0)) as client:
        with pytest.raises(E.ApiConnectionError) as info:
            client.edit(edit_request())
    assert KEY not in info.value.describe()


def test_key_is_refused_over_plain_http_to_another_host() -> None:
    config = ApiConfig(base_url="http://example.invalid/v1", api_key=KEY)
    with OpenAIBackend(config) as client, pytest.raises(E.ValidationError) as info:
        client.edit(edit_request())
    assert info.value.param == "base_url" and "https" in info.value.message


def test_list_models_and_capability_refresh(server: FakeImagesServer) -> None:
    with backend(server) as client:
        models = client.list_models()
        table = client.refresh_capabilities()
    assert [m.id for m in models][:2] == ["gpt-image-2", "gpt-image-2.5-preview"]
    assert "gpt-image-2.5-preview" in table.ids() and "gpt-5" not in table.ids()
    # Not in the table by name, but the id pattern gives it the 2.5 family's sizes, qualities, prices.
    preview = table.get("gpt-image-2.5-preview")
    assert preview.family == "gpt-image-2.5" and "xhigh" in preview.qualities and preview.custom_sizes


def test_result_bytes_are_real_images(server: FakeImagesServer) -> None:
    with backend(server) as client:
        result = client.edit(edit_request())
    assert Image.open(io.BytesIO(result.images[0])).size == (16, 16)
    assert png_bytes(4, 4) != result.images[0]


def test_images_body_with_escaped_slashes_and_key_like_text_parses_exactly() -> None:
    import base64
    import json

    from inpaint_desktop.api.responses import parse_images_body
    from tests.api.fake_server import png_bytes

    images = [png_bytes(8, 8, (1, 2, 3)), png_bytes(9, 7, (200, 100, 0))]
    body = json.dumps({
        "created": 5, "revised_prompt": 'say "b64_json": "x"',
        "data": [{"b64_json": base64.b64encode(img).decode(), "revised_prompt": "b64_json"}
                 for img in images],
        "usage": {"input_tokens": 3, "output_tokens": 4, "total_tokens": 7},
    }).encode().replace(b"/", b"\\/")  # some servers escape every slash
    result = parse_images_body(body, request_id="req_1")
    assert result.images == tuple(images) and result.created == 5 and result.usage.total_tokens == 7
