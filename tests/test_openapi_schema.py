from __future__ import annotations

import jsonschema
import pytest

from tests.openapi_schema import form_to_object, validate


def test_valid_edit_form_passes() -> None:
    obj = form_to_object(
        {"prompt": ["a cat"], "model": ["gpt-image-2"], "n": ["2"], "stream": ["false"]},
        {"image[]": [b"a", b"b"], "mask": [b"m"]},
        "CreateImageEditRequest",
    )
    validate(obj, "CreateImageEditRequest")
    assert obj["image"] == ["<binary>", "<binary>"] and obj["n"] == 2 and obj["stream"] is False


def test_out_of_range_n_fails() -> None:
    obj = form_to_object({"prompt": ["x"], "n": ["11"]}, {"image": [b"a"]}, "CreateImageEditRequest")
    with pytest.raises(jsonschema.ValidationError):
        validate(obj, "CreateImageEditRequest")


def test_python_style_boolean_is_refused() -> None:
    with pytest.raises(ValueError):
        form_to_object({"prompt": ["x"], "stream": ["True"]}, {}, "CreateImageEditRequest")


def test_response_schema() -> None:
    validate({"created": 1, "data": [{"b64_json": "AAAA"}]}, "ImagesResponse")
    with pytest.raises(jsonschema.ValidationError):
        validate({"data": []}, "ImagesResponse")
