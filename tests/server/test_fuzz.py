"""Fuzzing: arbitrary field values and broken bodies get a 200 or an OpenAI-shaped 4xx, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inpaint_desktop.server.run import ServerThread
from tests import openapi_schema
from tests.server.conftest import KEY, mask_png, photo_array, png

_PHOTO = photo_array(48, 32)
_HOLE = np.zeros((32, 48), bool)
_HOLE[8:20, 10:30] = True
_FILES = [("image", ("p.png", png(_PHOTO), "image/png")), ("mask", ("m.png", mask_png(_HOLE), "image/png"))]

_text = st.text(max_size=12)
_values = {
    "n": st.one_of(st.integers(-2, 12).map(str), _text),
    "size": st.one_of(st.sampled_from(["auto", "1024x1024", "64x48", "0x5", "17x3", "99999x2"]), _text),
    "quality": st.one_of(st.sampled_from(["low", "medium", "high", "auto", "standard"]), _text),
    "output_format": st.one_of(st.sampled_from(["png", "jpeg", "webp"]), _text),
    "output_compression": st.one_of(st.integers(-5, 105).map(str), _text),
    "background": st.one_of(st.sampled_from(["transparent", "opaque", "auto"]), _text),
    "partial_images": st.one_of(st.integers(-1, 4).map(str), _text),
    "stream": st.sampled_from(["true", "false", "maybe", ""]),
    "model": st.one_of(st.sampled_from(["gpt-image-2", "offline-exemplar", "dall-e-2", ""]), _text),
    "moderation": st.one_of(st.sampled_from(["auto", "low"]), _text),
    "input_fidelity": st.one_of(st.sampled_from(["high", "low"]), _text),
    "prompt": st.text(max_size=40),
    "response_format": st.sampled_from(["url", "b64_json"]),
    "nonsense": _text,
}


@pytest.fixture
def http(server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as client:
        yield client


def _check_answer(response: httpx.Response) -> None:
    assert response.status_code in (200, 400), response.text
    assert response.headers["x-request-id"]
    if response.headers["content-type"].startswith("text/event-stream"):
        assert "image_edit.completed" in response.text
    elif response.status_code == 200:
        openapi_schema.validate(response.json(), "ImagesResponse")
    else:
        openapi_schema.validate(response.json(), "ErrorResponse")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(st.sampled_from(sorted(_values)), st.just(None), max_size=5).flatmap(
    lambda keys: st.fixed_dictionaries({k: _values[k] for k in keys})))
def test_any_field_values(http: httpx.Client, fields: dict[str, str]) -> None:
    data = {"prompt": "fill", **fields}
    _check_answer(http.post("/v1/images/edits", data=data, files=_FILES))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=300), boundary=st.sampled_from(["x", "zz", ""]),
       prefix=st.sampled_from([b"", b"--x\r\n", b"--x\r\nContent-Disposition: form-data; name=\"image\"; "
                                                 b"filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"]))
def test_broken_bodies(http: httpx.Client, body: bytes, boundary: str, prefix: bytes) -> None:
    response = http.post("/v1/images/edits", content=prefix + body,
                         headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 400, response.text
    openapi_schema.validate(response.json(), "ErrorResponse")


def test_still_serving_after_the_fuzz(http: httpx.Client) -> None:
    assert http.get("/health").json()["status"] == "ok"
    assert http.post("/v1/images/edits", data={"prompt": "x"}, files=_FILES).status_code == 200


_REAL = {"png": png(_PHOTO), "mask": mask_png(_HOLE)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(["png", "mask"]), cut=st.integers(1, 2000), flip=st.integers(0, 2000),
       mime=st.sampled_from(["image/png", "image/jpeg", "image/webp", "image/gif", "text/plain", ""]))
def test_damaged_files(http: httpx.Client, which: str, cut: int, flip: int, mime: str) -> None:
    # Truncated or corrupted copies of real files: a classic source of decoder exceptions.
    data = bytearray(_REAL[which][: max(8, len(_REAL[which]) - cut)])
    data[flip % len(data)] ^= 0x5A
    image = ("p.png", bytes(data), mime) if which == "png" else _FILES[0][1]
    mask = ("m.png", bytes(data), mime) if which == "mask" else _FILES[1][1]
    files = [("image", image), ("mask", mask)]
    _check_answer(http.post("/v1/images/edits", data={"prompt": "x"}, files=files))
