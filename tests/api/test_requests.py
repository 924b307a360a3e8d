"""Validation before upload, the exact fields sent, the multipart encoding and the offered fixes."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from inpaint_desktop.api.errors import ValidationError
from inpaint_desktop.api.multipart import MultipartBody
from inpaint_desktop.api.requests import (
    apply_fix,
    edit_fields,
    generate_json,
    suggest_fixes,
    validate_edit,
    validate_generate,
)
from inpaint_desktop.api.types import EditRequest, GenerateRequest, ImageFile
from inpaint_desktop.core.models import load_capabilities
from tests.api.fake_server import parse_multipart, wire_problems
from tests.api.test_client import edit_request, rgba_mask
from tests.conftest import DATA
from tests.openapi_schema import form_to_object, validate

CAPS = load_capabilities()
GPT2 = CAPS.get("gpt-image-2")
GPT15 = CAPS.get("gpt-image-1.5")


def encode(image: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("change", "param", "words"),
    [
        ({"prompt": ""}, "prompt", "empty"),
        ({"prompt": "x" * 32_001}, "prompt", "32,000"),
        ({"n": 0}, "n", "between 1 and 10"),
        ({"n": 11}, "n", "between 1 and 10"),
        ({"size": "1000x1000"}, "size", "multiples of 16"),
        ({"size": "4000x1024"}, "size", "long edge"),
        ({"size": "3840x1008"}, "size", "aspect"),
        ({"size": "512x512"}, "size", "total pixels"),
        ({"size": "big"}, "size", "WIDTHxHEIGHT"),
        ({"quality": "ultra"}, "quality", "low"),
        ({"output_format": "gif"}, "output_format", "png"),
        ({"output_compression": 50}, "output_compression", "jpeg or webp"),
        ({"output_format": "jpeg", "output_compression": 101}, "output_compression", "0-100"),
        ({"output_format": "jpeg", "background": "transparent"}, "background", "png or webp"),
        ({"moderation": "low"}, "moderation", "does not accept moderation on edits"),
        ({"input_fidelity": "high"}, "input_fidelity", "gpt-image-2 does not accept input_fidelity"),
        ({"quality": "max"}, "quality", "'max' is not one of auto, low, medium, high for gpt-image-2"),
        ({"complexity": "low"}, "complexity", "gpt-image-2 does not accept complexity"),
        ({"partial_images": 4, "stream": True}, "partial_images", "0-3"),
        ({"partial_images": 2}, "partial_images", "stream"),
        ({"images": ()}, "image", "at least one"),
        ({"mask": ImageFile.from_bytes(encode(Image.new("L", (451, 300)), "PNG"), "m.png")}, "mask", "alpha"),
        ({"mask": ImageFile.from_bytes(encode(Image.new("RGBA", (300, 300)), "PNG"), "m.png")}, "mask",
         "300x300"),
        ({"mask": ImageFile.from_bytes(encode(Image.new("RGB", (451, 300)), "JPEG"), "m.jpg")}, "mask",
         "PNG"),
    ],
)
def test_each_rule_names_its_field(change: dict[str, object], param: str, words: str) -> None:
    request = replace(edit_request(model="gpt-image-2"), **change)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as info:
        validate_edit(request, GPT2)
    assert info.value.param == param
    assert words in info.value.message and info.value.message.startswith(param)


def test_limits_on_count_and_bytes() -> None:
    photo = ImageFile.from_bytes((DATA / "coffee.png").read_bytes(), "coffee.png")
    with pytest.raises(ValidationError, match="17 images"):
        validate_edit(edit_request(images=(photo,) * 17, mask=None), GPT2)
    huge = ImageFile.from_bytes((DATA / "coffee.png").read_bytes() + b"\0" * (50 * 1024 * 1024), "big.png")
    with pytest.raises(ValidationError, match="50 MB") as info:
        validate_edit(edit_request(images=(huge,), mask=None), GPT2)
    assert info.value.param == "image"
    gif = ImageFile.from_bytes(b"GIF89a" + b"\0" * 100, "anim.gif")
    with pytest.raises(ValidationError, match="not a PNG, JPEG or WebP"):
        validate_edit(edit_request(images=(gif,), mask=None), GPT2)


def test_a_valid_request_passes_and_custom_sizes_depend_on_the_model() -> None:
    validate_edit(edit_request(model="gpt-image-2", size="1536x864", output_format="webp",
                               output_compression=70, background="transparent"), GPT2)
    with pytest.raises(ValidationError, match="accepts only") as info:
        validate_edit(edit_request(size="1536x864"), GPT15)
    assert info.value.param == "size"
    validate_generate(GenerateRequest(prompt="p", model="gpt-image-1.5", size="1024x1536"), GPT15)


def test_fields_follow_the_capability_table() -> None:
    request = edit_request(model="gpt-image-1.5", n=3, stream=True, partial_images=0, moderation="low",
                           input_fidelity="low", user="u-7", size="auto")
    text, files = edit_fields(request, GPT15)
    assert text == [("model", "gpt-image-1.5"), ("prompt", "a cat wearing a red hat"), ("n", "3"),
                    ("size", "auto"), ("input_fidelity", "low"), ("stream", "true"), ("partial_images", "0"),
                    ("user", "u-7")]
    assert [(f.name, f.filename, f.content_type) for f in files] == [
        ("image", "chelsea.png", "image/png"), ("mask", "mask.png", "image/png")]
    unknown = CAPS.get("vendor-image-x")
    text, _ = edit_fields(replace(request, model="vendor-image-x"), unknown)
    assert [k for k, _ in text] == ["model", "prompt", "n", "size"]  # conservative: nothing optional
    body = generate_json(GenerateRequest(prompt="p", model="gpt-image-2", stream=False, partial_images=2),
                         GPT2)
    assert body == {"model": "gpt-image-2", "prompt": "p", "n": 1}


def test_multipart_body_parses_back_and_matches_the_spec() -> None:
    webp = encode(Image.open(DATA / "astronaut.png"), "WEBP")
    request = edit_request(model="gpt-image-2", images=(
        ImageFile.from_bytes((DATA / "chelsea.png").read_bytes(), 'ché"z.png'),
        ImageFile(webp, "astronaut.png", "image/png")), prompt="naïve café\r\nline two", stream=True,
        partial_images=3, output_format="jpeg", output_compression=0)
    text, files = edit_fields(request, GPT2)
    body = MultipartBody(text, files)
    raw = b"".join(bytes(c) for c in body)
    assert raw == body.to_bytes() and len(raw) == body.length
    fields, parts = parse_multipart(body.content_type, raw)
    assert fields["prompt"] == ["naïve café\r\nline two"]
    assert [(p.name, p.content_type) for p in parts] == [("image[]", "image/png"), ("image[]", "image/webp"),
                                                          ("mask", "image/png")]
    assert parts[1].filename == "astronaut.webp" and parts[1].data == webp
    assert wire_problems(fields, parts) == []
    by_name = {n: [p.data for p in parts if p.name == n] for n in {p.name for p in parts}}
    validate(form_to_object(fields, by_name, "CreateImageEditRequest"), "CreateImageEditRequest")


def test_fixes_are_offered_and_applied_only_on_request() -> None:
    bw = Image.new("L", (451, 300), 255)
    bw.paste(0, (10, 10, 100, 100))
    bmp = encode(Image.open(DATA / "chelsea.png"), "BMP")
    request = edit_request(images=(ImageFile.from_bytes(bmp, "chelsea.bmp"),),
                           mask=ImageFile.from_bytes(encode(bw, "PNG"), "mask.png"),
                           output_compression=40, output_format="png")
    fixes = suggest_fixes(request, GPT15)
    assert [f.kind for f in fixes] == ["reencode_image", "mask_from_bw", "drop_compression"]
    with pytest.raises(ValidationError):
        validate_edit(request, GPT15)  # nothing changed by merely suggesting
    for fix in fixes:
        request = apply_fix(request, fix)  # type: ignore[assignment]
    assert isinstance(request, EditRequest)
    validate_edit(request, GPT15)
    assert request.mask is not None
    alpha = Image.open(io.BytesIO(request.mask.data)).getchannel("A")
    assert alpha.getpixel((50, 50)) == 0 and alpha.getpixel((300, 200)) == 255  # black = edit
    assert request.images[0].mime == "image/png"
    assert Image.open(io.BytesIO(request.images[0].data)).size == (451, 300)


def test_mask_helper_from_the_client_tests_is_valid() -> None:
    validate_edit(edit_request(mask=ImageFile.from_bytes(rgba_mask(451, 300), "m.png")), GPT15)


def test_transparency_fix_switches_jpeg_to_png() -> None:
    request = GenerateRequest(prompt="logo", model="gpt-image-2", background="transparent",
                              output_format="jpeg")
    fixes = suggest_fixes(request, GPT2)
    assert [f.kind for f in fixes] == ["format_for_transparency"]
    fixed = apply_fix(request, fixes[0])
    assert fixed.output_format == "png"
    validate_generate(fixed, GPT2)  # type: ignore[arg-type]


@settings(max_examples=80, deadline=None)
@given(prompt=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300),
       user=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40))
def test_any_text_survives_the_multipart_encoding(prompt: str, user: str) -> None:
    request = replace(edit_request(model="gpt-image-2", mask=None), prompt=prompt, user=user)
    text, files = edit_fields(request, GPT2)
    body = MultipartBody(text, files)
    fields, parts = parse_multipart(body.content_type, body.to_bytes())
    assert fields["prompt"] == [prompt] and fields["user"] == [user]
    assert parts[0].data == request.images[0].data
