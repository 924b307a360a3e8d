"""Every refusal is an OpenAI-shaped error with the right status, code and param, and no 500."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
from PIL import Image

from inpaint_desktop.core.rules import MAX_MASK_BYTES
from inpaint_desktop.server.run import ServerThread
from tests import openapi_schema
from tests.server.conftest import KEY, png

Files = list[tuple[str, tuple[str, bytes, str]]]


@pytest.fixture
def http(server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as client:
        yield client


def _check(response: httpx.Response, status: int, code: str | None, param: str | None) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    openapi_schema.validate(body, "ErrorResponse")
    assert (body["error"]["code"], body["error"]["param"]) == (code, param), body
    assert response.headers["x-request-id"].startswith("req_")
    assert KEY not in response.text
    return body["error"]["message"]


def _edit(http: httpx.Client, files: Files, **fields: str) -> httpx.Response:
    data = {"prompt": "fill it", "model": "gpt-image-2", **fields}
    return http.post("/v1/images/edits", data={k: v for k, v in data.items() if v is not None}, files=files)


def _grey_png(size: tuple[int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("L", size, 0).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def parts(pictures) -> dict[str, tuple[str, bytes, str]]:
    _photo, _hole, photo_png, mask = pictures
    return {"photo": ("photo.png", photo_png, "image/png"), "mask": ("mask.png", mask, "image/png")}


def test_bare_image_repeated_is_a_duplicate_parameter(http: httpx.Client, parts) -> None:
    message = _check(_edit(http, [("image", parts["photo"]), ("image", parts["photo"])]), 400,
                     "duplicate_parameter", "image")
    assert "image[]" in message


@pytest.mark.parametrize(("files", "fields", "status", "code", "param", "words"), [
    ("octet", {}, 400, "unsupported_file_mimetype", "image", "application/octet-stream"),
    ("garbage", {}, 400, "invalid_image", "image", "could not be read"),
    ("not_image", {}, 400, "invalid_image_format", "image", "not a PNG, JPEG or WebP"),
    ("mismatch", {}, 400, "invalid_image_format", "image", "sent as image/jpeg"),
    ("grey_mask", {}, 400, "invalid_image_format", "mask", "no alpha channel"),
    ("small_mask", {}, 400, "invalid_image_dimensions", "mask", "same size"),
    ("too_many", {}, 400, "too_many_images", "image", "at most 16"),
    ("both_forms", {}, 400, "duplicate_parameter", "image", "not both"),
    ("no_image", {}, 400, "missing_required_parameter", "image", "'image'"),
    ("ok", {"prompt": None}, 400, "missing_required_parameter", "prompt", "'prompt'"),
    ("ok", {"prompt": "x" * 32_001}, 400, "string_above_max_length", "prompt", "32000"),
    ("ok", {"n": "11"}, 400, "invalid_value", "n", "between 1 and 10"),
    ("ok", {"n": "two"}, 400, "invalid_type", "n", "expected an integer"),
    ("ok", {"n": "¹"}, 400, "invalid_type", "n", "expected an integer"),  # a digit to str.isdigit()
    ("ok", {"size": "12x"}, 400, "invalid_value", "size", "WIDTHxHEIGHT"),
    ("ok", {"output_format": "gif"}, 400, "invalid_value", "output_format", "'png'"),
    ("ok", {"output_compression": "50"}, 400, "invalid_value", "output_compression", "jpeg and webp"),
    ("ok", {"output_format": "jpeg", "background": "transparent"}, 400, "invalid_value", "background",
     "png or webp"),
    ("ok", {"partial_images": "5"}, 400, "invalid_value", "partial_images", "between 0 and 3"),
    ("ok", {"stream": "maybe"}, 400, "invalid_type", "stream", "boolean"),
    ("ok", {"response_format": "b64_json"}, 400, "unknown_parameter", "response_format", "Unknown parameter"),
    ("ok", {"colour": "red"}, 400, "unknown_parameter", "colour", "'colour'"),
])
def test_bad_requests(http: httpx.Client, parts, files: str, fields: dict, status: int,
                      code: str, param: str, words: str) -> None:
    photo, mask = parts["photo"], parts["mask"]
    table: dict[str, Files] = {
        "ok": [("image", photo), ("mask", mask)],
        "octet": [("image", ("photo.png", photo[1], "application/octet-stream")), ("mask", mask)],
        "garbage": [("image", ("p.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")), ("mask", mask)],
        "not_image": [("image", ("p.png", b"hello, world", "image/png")), ("mask", mask)],
        "mismatch": [("image", ("p.jpg", photo[1], "image/jpeg")), ("mask", mask)],
        "grey_mask": [("image", photo), ("mask", ("m.png", _grey_png((160, 120)), "image/png"))],
        "small_mask": [("image", photo),
                       ("mask", ("m.png", png(np.zeros((10, 10, 4), np.uint8)), "image/png"))],
        "too_many": [("image[]", photo)] * 17 + [("mask", mask)],
        "both_forms": [("image", photo), ("image[]", photo), ("mask", mask)],
        "no_image": [("mask", mask)],
    }
    message = _check(_edit(http, table[files], **fields), status, code, param)
    assert words in message


def test_a_mask_over_the_limit_is_refused(http: httpx.Client, parts) -> None:
    big = b"\x89PNG\r\n\x1a\n" + np.random.default_rng(1).bytes(MAX_MASK_BYTES)
    message = _check(_edit(http, [("image", parts["photo"]), ("mask", ("m.png", big, "image/png"))]), 400,
                     "file_too_large", "mask")
    assert "4 MB" in message


def test_keys_are_checked(server: ServerThread, parts) -> None:
    files = [("image", parts["photo"]), ("mask", parts["mask"])]
    with httpx.Client(base_url=server.url) as anonymous:
        _check(anonymous.post("/v1/images/edits", data={"prompt": "x"}, files=files), 401, "invalid_api_key",
               None)
        wrong = anonymous.post("/v1/images/edits", data={"prompt": "x"}, files=files,
                               headers={"Authorization": "Bearer sk-wrong-secret"})
        assert "sk-wrong-secret" not in _check(wrong, 401, "invalid_api_key", None)
        _check(anonymous.get("/v1/models"), 401, "invalid_api_key", None)
        _check(anonymous.post("/v1/images/generations", json={"prompt": "x"}), 401, "invalid_api_key", None)


def test_wrong_routes_methods_and_bodies(http: httpx.Client) -> None:
    assert "Invalid URL" in _check(http.get("/v1/nothing"), 404, None, None)
    _check(http.get("/v1/images/edits"), 405, None, None)
    _check(http.post("/v1/images/edits", json={"prompt": "x"}), 400, "invalid_request", None)
    broken = http.post("/v1/images/edits", content=b"--x\r\nbroken",
                       headers={"content-type": "multipart/form-data; boundary=x"})
    _check(broken, 400, "invalid_request", None)
