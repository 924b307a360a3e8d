"""The official openai SDK and the API guide's curl calls, unchanged, against the running server.

Every response body is validated against the OpenAPI description of the images endpoints.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator

import httpx
import numpy as np
import openai
import pytest
from PIL import Image

from inpaint_desktop.server.run import ServerThread
from tests import openapi_schema
from tests.server.conftest import KEY, png


@pytest.fixture
def sdk(server: ServerThread) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{server.url}/v1", api_key=KEY, max_retries=0) as client:
        yield client


def _decode(b64: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(b64))))


def test_sdk_edit_with_one_image_and_a_mask(sdk: openai.OpenAI, pictures) -> None:
    photo, hole, photo_png, mask = pictures
    raw = sdk.images.with_raw_response.edit(
        model="gpt-image-2", image=("photo.png", photo_png, "image/png"),
        mask=("mask.png", mask, "image/png"), prompt="an empty saucer", n=2)
    body = raw.http_response.json()
    openapi_schema.validate(body, "ImagesResponse")
    assert raw.headers["x-request-id"].startswith("req_")
    result = raw.parse()
    assert len(result.data) == 2 and result.output_format == "png" and result.background == "opaque"
    assert result.usage is not None and result.usage.total_tokens == 0
    for item in result.data:
        out = _decode(item.b64_json or "")
        assert np.array_equal(out[~hole], photo[~hole])
    assert not np.array_equal(_decode(result.data[0].b64_json or "")[hole],
                              _decode(result.data[1].b64_json or "")[hole])


def test_sdk_edit_with_a_list_of_images_and_a_mask(sdk: openai.OpenAI, pictures) -> None:
    photo, hole, photo_png, mask = pictures
    reference = png(np.full((40, 40, 3), 200, np.uint8))
    raw = sdk.images.with_raw_response.edit(
        model="offline-telea",
        image=[("photo.png", photo_png, "image/png"), ("ref.png", reference, "image/png")],
        mask=("mask.png", mask, "image/png"), prompt="an empty saucer", output_format="webp")
    openapi_schema.validate(raw.http_response.json(), "ImagesResponse")
    result = raw.parse()
    assert result.output_format == "webp"
    out = _decode(result.data[0].b64_json or "")
    assert out.shape[:2] == photo.shape[:2] and np.array_equal(out[..., :3][~hole], photo[~hole])


def test_sdk_generate_raises_bad_request_with_the_reason(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        sdk.images.generate(model="gpt-image-2", prompt="a cat on a sofa")
    assert "generation needs a generative backend" in info.value.message
    openapi_schema.validate(info.value.response.json(), "ErrorResponse")
    assert info.value.request_id and info.value.request_id.startswith("req_")


def test_sdk_lists_the_engine_methods_as_models(sdk: openai.OpenAI) -> None:
    ids = [m.id for m in sdk.models.list()]
    assert ids[0] == "offline-harmonic" and "offline-exemplar" in ids


def test_sdk_edit_without_a_mask_explains_the_offline_engine(sdk: openai.OpenAI, pictures) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        sdk.images.edit(model="gpt-image-2", image=("p.png", pictures[2], "image/png"), prompt="x")
    assert "fills only painted regions" in info.value.message
    openapi_schema.validate(info.value.response.json(), "ErrorResponse")


def test_sdk_stream_yields_partial_and_completed_events(sdk: openai.OpenAI, pictures) -> None:
    photo, hole, photo_png, mask = pictures
    events = list(sdk.images.edit(
        model="gpt-image-2", image=("photo.png", photo_png, "image/png"),
        mask=("mask.png", mask, "image/png"), prompt="x", stream=True, partial_images=2))
    assert [e.type for e in events] == ["image_edit.partial_image"] * 2 + ["image_edit.completed"]
    assert [getattr(e, "partial_image_index", None) for e in events[:2]] == [0, 1]
    final = _decode(events[-1].b64_json)
    assert np.array_equal(final[~hole], photo[~hole])


def test_raw_stream_events_match_the_spec(server: ServerThread, pictures) -> None:
    _photo, _hole, photo_png, mask = pictures
    files = [("image", ("photo.png", photo_png, "image/png")), ("mask", ("mask.png", mask, "image/png"))]
    data = {"prompt": "x", "model": "gpt-image-2", "stream": "true", "partial_images": "1", "n": "2"}
    with httpx.stream("POST", f"{server.url}/v1/images/edits", headers={"Authorization": f"Bearer {KEY}"},
                      files=files, data=data, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = response.read().decode()
    blocks = [b for b in text.split("\n\n") if b.strip()]
    names = []
    for block in blocks:
        event_line, data_line = block.split("\n")
        name = event_line.removeprefix("event: ")
        payload = json.loads(data_line.removeprefix("data: "))
        assert payload["type"] == name
        openapi_schema.validate(payload, "ImageEditStreamEvent")
        names.append(name)
    assert names == ["image_edit.partial_image", "image_edit.completed", "image_edit.completed"]


def _curl_form(fields: dict[str, str], files: list[tuple[str, tuple[str, bytes, str]]]) -> None:
    """The form is what the spec describes (checked before sending, as the client would)."""
    as_files: dict[str, list[bytes]] = {}
    for name, (_fn, data, _mime) in files:
        as_files.setdefault(name, []).append(data)
    openapi_schema.validate(openapi_schema.form_to_object({k: [v] for k, v in fields.items()}, as_files,
                                                          "CreateImageEditRequest"), "CreateImageEditRequest")


def test_curl_inpainting_with_image_brackets_and_a_bw_mask(server: ServerThread, pictures) -> None:
    photo, hole, photo_png, _mask = pictures
    # The guide's recipe: a black-and-white picture opened as L, copied to RGBA, with L put as alpha.
    bw = Image.fromarray(np.where(hole, 0, 255).astype(np.uint8), "L")
    rgba = bw.convert("RGBA")
    rgba.putalpha(bw)
    buf = io.BytesIO()
    rgba.save(buf, "PNG")
    fields = {"model": "gpt-image-2", "prompt": "a saucer with no cup"}
    files = [("image[]", ("photo.png", photo_png, "image/png")),
             ("mask", ("mask.png", buf.getvalue(), "image/png"))]
    _curl_form(fields, files)
    response = httpx.post(f"{server.url}/v1/images/edits", headers={"Authorization": f"Bearer {KEY}"},
                          data=fields, files=files, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"].startswith("req_")
    body = response.json()
    openapi_schema.validate(body, "ImagesResponse")
    out = _decode(body["data"][0]["b64_json"])
    assert np.array_equal(out[~hole], photo[~hole])


def test_curl_reference_images_without_a_mask_get_a_clear_error(server: ServerThread, pictures) -> None:
    fields = {"model": "gpt-image-2", "prompt": "Create a lovely gift basket with these four items in it"}
    files = [("image[]", (f"item{i}.png", pictures[2], "image/png")) for i in range(4)]
    _curl_form(fields, files)
    response = httpx.post(f"{server.url}/v1/images/edits", headers={"Authorization": f"Bearer {KEY}"},
                          data=fields, files=files, timeout=30)
    assert response.status_code == 400
    openapi_schema.validate(response.json(), "ErrorResponse")
    assert response.json()["error"]["param"] == "mask"


def test_curl_generation_json(server: ServerThread) -> None:
    request = {"model": "gpt-image-2", "prompt": "A cute baby sea otter"}
    openapi_schema.validate(request, "CreateImageRequest")
    response = httpx.post(f"{server.url}/v1/images/generations", json=request,
                          headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 400
    openapi_schema.validate(response.json(), "ErrorResponse")
    assert "generation needs a generative backend" in response.json()["error"]["message"]


def test_health_needs_no_key(server: ServerThread) -> None:
    response = httpx.get(f"{server.url}/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"
