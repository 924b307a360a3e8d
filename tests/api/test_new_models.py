"""gpt-image-2.5/2.6 against the loopback server: new fields and formats, shutdown dates, text output."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import date

import httpx
import pytest

from inpaint_desktop.api import errors as E
from inpaint_desktop.api.requests import apply_fix, edit_fields, generate_json, suggest_fixes, validate_edit
from inpaint_desktop.api.types import GenerateRequest
from inpaint_desktop.core.availability import offer_models
from inpaint_desktop.core.cost import cost_from_usage
from inpaint_desktop.core.models import load_capabilities
from tests.api.fake_server import RESULT_GIF, RESULT_SVG, FakeImagesServer
from tests.api.test_client import backend, edit_request

TABLE = load_capabilities()


def test_complexity_reaches_the_body_only_for_models_that_take_it(server: FakeImagesServer) -> None:
    with backend(server) as client:
        client.generate(GenerateRequest(prompt="a fox", model="gpt-image-2.6-flare", complexity="low",
                                        quality="xhigh"))
        client.edit(edit_request(model="gpt-image-2.6-sunburst", complexity="medium", quality="max"))
        sent = len(server.requests)
        for model in ("gpt-image-2", "gpt-image-2.5-sunburst", "vendor-image-9"):
            with pytest.raises(E.ValidationError, match=f"{model} does not accept complexity") as info:
                client.generate(GenerateRequest(prompt="a fox", model=model, complexity="low"))
            assert info.value.param == "complexity"
        with pytest.raises(E.ValidationError, match="'extreme' is not one of low, medium, high"):
            client.generate(GenerateRequest(prompt="a fox", model="gpt-image-2.6-flare",
                                            complexity="extreme"))
    assert len(server.requests) == sent  # nothing refused reached the server
    gen, edit = server.requests
    assert gen.problems == [] and edit.problems == []
    assert gen.json == {"model": "gpt-image-2.6-flare", "prompt": "a fox", "n": 1, "quality": "xhigh",
                        "complexity": "low"}
    assert edit.fields["complexity"] == ["medium"] and edit.fields["quality"] == ["max"]
    # Without complexity, no complexity field: the server's default (high) applies.
    text, _ = edit_fields(edit_request(model="gpt-image-2.6-sunburst"), TABLE.get("gpt-image-2.6-sunburst"))
    assert "complexity" not in dict(text)


def test_the_test_server_refuses_what_a_model_does_not_take(server: FakeImagesServer) -> None:
    url = f"{server.url}/images/generations"
    for body in ({"model": "gpt-image-2", "prompt": "p", "complexity": "low"},
                 {"model": "gpt-image-2", "prompt": "p", "quality": "max"},
                 {"model": "gpt-image-2", "prompt": "p", "output_format": "gif"},
                 {"model": "gpt-image-2.6-flare", "prompt": "p", "quality": "ultra"},
                 {"model": "gpt-image-2.6-flare", "prompt": "p", "shape": "round"}):
        assert httpx.post(url, json=body).status_code == 400, body
    assert "unknown_parameter: gpt-image-2 does not take complexity" in server.requests[0].problems
    assert "unknown_parameter: shape" in server.requests[-1].problems
    form = {"model": "gpt-image-2", "prompt": "p", "input_fidelity": "high"}
    r = httpx.post(f"{server.url}/images/edits", data=form,
                   files=[("image", ("a.png", (b"\x89PNG\r\n\x1a\n" + b"0" * 64), "image/png"))])
    assert r.status_code == 400 and "invalid_input_fidelity_model" in r.json()["error"]["message"]


@pytest.mark.parametrize(("fmt", "data"), [("gif", RESULT_GIF), ("svg", RESULT_SVG)])
def test_gif_and_svg_generations_come_back_as_returned(server: FakeImagesServer, fmt: str,
                                                       data: bytes) -> None:
    with backend(server) as client:
        result = client.generate(GenerateRequest(prompt="a spinning logo", model="gpt-image-2.6-sunburst",
                                                 output_format=fmt))
        assert result.images == (data,) and result.output_format == fmt
        with pytest.raises(E.ValidationError, match=r"'gif' is not one of png, jpeg, webp for gpt-image-2$"):
            client.generate(GenerateRequest(prompt="p", model="gpt-image-2", output_format="gif"))
        with pytest.raises(E.ValidationError, match="gif output cannot be streamed"):
            client.generate(GenerateRequest(prompt="p", model="gpt-image-2.6-sunburst", output_format="gif",
                                            stream=True, partial_images=1))
        with pytest.raises(E.ValidationError, match=r"gpt-image-2\.6-sunburst edits"):
            client.edit(edit_request(model="gpt-image-2.6-sunburst", output_format=fmt))
    assert server.requests[-1].json["output_format"] == fmt  # only the first call was sent


def test_text_output_tokens_in_usage_are_read_and_priced(server: FakeImagesServer) -> None:
    server.script("ok_text_out")
    with backend(server) as client:
        result = client.generate(GenerateRequest(prompt="p", model="gpt-image-2"))
    usage = result.usage
    assert usage is not None and (usage.output_image_tokens, usage.output_text_tokens) == (272, 120)
    cost = cost_from_usage("gpt-image-2", usage)
    assert cost is not None
    assert cost.total_usd == pytest.approx((10 * 5 + 40 * 8 + 272 * 30 + 120 * 10) / 1e6)


def test_model_list_with_past_near_and_null_shutdown_dates(server: FakeImagesServer) -> None:
    server.models = [
        {"id": "gpt-image-1.5", "shutdown_date": "2026-12-01"},      # past on 2026-12-02
        {"id": "gpt-image-2", "shutdown_date": "2026-12-20"},        # near
        {"id": "gpt-image-2.6-sunburst", "shutdown_date": None},     # none announced
        {"id": "gpt-image-2.6-flare"},                               # no field at all
        {"id": "gpt-image-2.5-flare", "shutdown_date": "soon"},      # not a date: ignored
        {"id": "gpt-4o", "shutdown_date": None},                     # not an image model
    ]
    with backend(server) as client:
        listed = client.list_models()
    dates = {m.id: m.shutdown_date for m in listed}
    assert dates == {"gpt-image-1.5": date(2026, 12, 1), "gpt-image-2": date(2026, 12, 20),
                     "gpt-image-2.6-sunburst": None, "gpt-image-2.6-flare": None,
                     "gpt-image-2.5-flare": None, "gpt-4o": None}
    image_models = {k: v for k, v in dates.items() if "image" in k}
    offers = {o.id: o for o in offer_models(TABLE, image_models, official=True, today=date(2026, 12, 2))}
    assert not offers["gpt-image-1.5"].offered
    assert offers["gpt-image-2"].offered
    assert offers["gpt-image-2"].note == "shuts down 2026-12-20 (in 18 days)"
    assert offers["gpt-image-2.6-sunburst"].offered and offers["gpt-image-2.6-sunburst"].note == ""
    assert "gpt-4o" not in offers
    # The same list from a compatible server: OpenAI's table dates are not applied, the server's are.
    other = {o.id: o for o in offer_models(TABLE, image_models, official=False, today=date(2026, 12, 2))}
    assert [i for i, o in other.items() if o.offered] == ["gpt-image-2.6-sunburst", "gpt-image-2.6-flare",
                                                          "gpt-image-2.5-flare", "gpt-image-2"]


@pytest.mark.parametrize(("mode", "error"), [("404", E.NotFoundError), ("malformed", E.ServerError)])
def test_a_missing_or_malformed_model_list_is_a_typed_error(server: FakeImagesServer, mode: str,
                                                            error: type[E.ApiError]) -> None:
    server.models_mode = mode
    with backend(server) as client, pytest.raises(error):
        client.list_models()


def test_unaccepted_parameters_are_refused_and_fix_drops_them() -> None:
    caps = TABLE.get("gpt-image-2")
    request = edit_request(model="gpt-image-2", input_fidelity="high", quality="max", moderation="low")
    with pytest.raises(E.ValidationError, match="gpt-image-2 does not accept moderation on edits"):
        validate_edit(request, caps)
    with pytest.raises(E.ValidationError, match="gpt-image-2 does not accept input_fidelity"):
        validate_edit(replace(request, moderation=None), caps)
    fixes = suggest_fixes(request, caps)
    assert [(f.kind, f.param) for f in fixes] == [
        ("drop_param", "moderation"), ("drop_param", "input_fidelity"), ("drop_param", "quality")]
    for fix in fixes:
        request = apply_fix(request, fix)  # type: ignore[assignment]
    validate_edit(request, caps)  # type: ignore[arg-type]
    assert (request.input_fidelity, request.quality, request.moderation) == (None, None, None)
    body = generate_json(GenerateRequest(prompt="p", model="gpt-image-2.5-flare", quality="max"),
                         TABLE.get("gpt-image-2.5-flare"))
    assert body["quality"] == "max"


def test_gif_results_pass_the_image_check() -> None:
    from inpaint_desktop.api.responses import parse_images_body

    gif, svg = (base64.b64encode(d).decode() for d in (RESULT_GIF, RESULT_SVG))
    body = f'{{"created": 1, "data": [{{"b64_json": "{gif}"}}, {{"b64_json": "{svg}"}}]}}'.encode()
    assert parse_images_body(body, request_id=None).images == (RESULT_GIF, RESULT_SVG)
    with pytest.raises(E.ServerError, match="not a PNG, JPEG, WebP, GIF or SVG"):
        parse_images_body(b'{"created": 1, "data": [{"b64_json": "%s"}]}'
                          % base64.b64encode(b"<html>no</html>"), request_id=None)
