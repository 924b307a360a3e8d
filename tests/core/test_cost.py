"""Token and dollar figures from the data tables, and the billed cost from usage."""

from __future__ import annotations

import pytest

from inpaint_desktop.api.types import Usage
from inpaint_desktop.core.cost import (
    cost_from_usage,
    estimate_edit_cost,
    estimate_generate_cost,
    estimate_input_image_tokens,
    gpt_image_2_output_tokens,
)


@pytest.mark.parametrize(("factor", "tokens"), [(16, 196), (48, 1756), (96, 7024)])
def test_gpt_image_2_formula_at_1024(factor: int, tokens: int) -> None:
    assert gpt_image_2_output_tokens(1024, 1024, factor) == tokens


def test_gpt_image_2_estimate_in_dollars() -> None:
    est = estimate_generate_cost(model="gpt-image-2", size="1024x1024", quality="high", n=2)
    assert est.output_tokens == 2 * 7024 and est.input_tokens == 0
    assert est.total_usd == pytest.approx(2 * 7024 * 30 / 1e6)
    assert est.is_estimate


@pytest.mark.parametrize(
    ("quality", "size", "tokens"),
    [("low", "1024x1024", 272), ("low", "1024x1536", 408), ("low", "1536x1024", 400),
     ("medium", "1024x1024", 1056), ("medium", "1024x1536", 1584), ("medium", "1536x1024", 1568),
     ("high", "1024x1024", 4160), ("high", "1024x1536", 6240), ("high", "1536x1024", 6208)],
)
def test_gpt_image_1_token_table(quality: str, size: str, tokens: int) -> None:
    est = estimate_generate_cost(model="gpt-image-1", size=size, quality=quality)
    assert est.output_tokens == tokens
    assert est.total_usd == pytest.approx(tokens * 40 / 1e6)


def test_edit_estimate_counts_inputs_partials_and_says_what_is_estimated() -> None:
    est = estimate_edit_cost(model="gpt-image-1.5", size=None, quality="auto", n=1, partial_images=2,
                             input_sizes=[(1536, 1024), (512, 512)], prompt_chars=400)
    # size auto counts the first input: 1536x1024 at auto (counted as high) + 2 partials x 100
    assert est.output_tokens == 6208 + 200
    image_tokens = estimate_input_image_tokens(1536, 1024) + estimate_input_image_tokens(512, 512)
    assert est.input_tokens == 100 + image_tokens
    assert est.total_usd == pytest.approx((100 * 5 + image_tokens * 8 + 6408 * 32) / 1e6)
    assert "quality auto counted as high" in est.note and "estimate" in est.note


def test_sizes_outside_the_table_use_the_closest_aspect() -> None:
    est = estimate_edit_cost(model="gpt-image-1", size=None, quality="low", input_sizes=[(451, 300)])
    assert est.output_tokens == 400 and "451x300 counted as 1536x1024" in est.note


def test_unknown_models_have_an_unknown_price_not_zero() -> None:
    est = estimate_edit_cost(model="vendor-image-9", size="1024x1024", quality="high")
    assert est.unknown == "no price for vendor-image-9 in the model table"
    assert est.amount_text == "unknown" and "$" not in est.amount_text
    assert cost_from_usage("vendor-image-9", Usage(10, 10, 20)) is None


def test_input_image_token_estimate() -> None:
    assert estimate_input_image_tokens(1024, 1024) == 85 + 170 * 4
    assert estimate_input_image_tokens(512, 512) == 85 + 170
    assert estimate_input_image_tokens(1536, 768) == 85 + 170 * 6  # 3 x 2 tiles


def test_cost_from_usage() -> None:
    usage = Usage(input_tokens=110, output_tokens=1756, total_tokens=1866, input_text_tokens=30,
                  input_image_tokens=80)
    cost = cost_from_usage("gpt-image-2", usage)
    assert cost is not None and not cost.is_estimate
    assert cost.total_usd == pytest.approx((30 * 5 + 80 * 8 + 1756 * 30) / 1e6)
    unsplit = cost_from_usage("gpt-image-2", Usage(input_tokens=110, output_tokens=1756))
    assert unsplit is not None and unsplit.is_estimate
    assert unsplit.total_usd == pytest.approx((110 * 8 + 1756 * 30) / 1e6)


def test_n_must_be_positive() -> None:
    with pytest.raises(ValueError, match="n must be"):
        estimate_generate_cost(model="gpt-image-2", size="1024x1024", quality="low", n=0)


@pytest.mark.parametrize("model", ["gpt-image-2.6-sunburst", "gpt-image-2.6-flare"])
@pytest.mark.parametrize(
    ("quality", "tokens", "open_ended"),
    [("low", 196, False), ("medium", 1756, False), ("high", 7024, False), ("auto", 7024, False),
     ("xhigh", 7024, True), ("max", 7024, True), (None, 7024, False)],
)
def test_gpt_image_2_6_estimates_at_each_quality_are_never_zero(model: str, quality: str | None, tokens: int,
                                                                open_ended: bool) -> None:
    est = estimate_generate_cost(model=model, size="1024x1024", quality=quality, complexity="medium")
    assert not est.unknown and est.total_usd > 0 and est.output_tokens == tokens
    assert est.total_usd == pytest.approx(tokens * 30 / 1e6)
    assert est.open_ended is open_ended
    # Every figure is labelled: no token rule is published for 2.6, nor complexity's effect.
    assert "no token rule is published for gpt-image-2.6" in est.note
    assert "complexity medium: its effect on the price is not published" in est.note
    if open_ended:
        assert est.amount_text == f"at least ${est.total_usd:.3f}"
        assert f"quality {quality} has no published token rule" in est.note
    else:
        assert est.amount_text == f"${est.total_usd:.3f}"


def test_a_paid_model_without_a_token_rule_for_a_quality_is_unknown() -> None:
    import json

    from inpaint_desktop.core.models import DEFAULT_PATH, CapabilityTable

    data = json.loads(DEFAULT_PATH.read_text())
    data["families"]["gpt-image-2.5"]["quality_floor"] = {}
    table = CapabilityTable.from_data(data)
    est = estimate_generate_cost(model="gpt-image-2.5-flare", size="1024x1024", quality="max", table=table)
    assert est.unknown == "no token rule for quality 'max' of gpt-image-2.5-flare"
    assert est.amount_text == "unknown" and est.total_usd == 0


def test_gpt_image_1_mini_follows_its_official_per_image_prices() -> None:
    for quality, usd in (("low", 0.005), ("medium", 0.011), ("high", 0.036)):
        est = estimate_generate_cost(model="gpt-image-1-mini", size="1024x1024", quality=quality)
        assert est.total_usd == pytest.approx(usd)


def test_text_output_tokens_are_billed() -> None:
    usage = Usage(input_tokens=110, output_tokens=1876, total_tokens=1986, input_text_tokens=30,
                  input_image_tokens=80, output_image_tokens=1756, output_text_tokens=120)
    cost = cost_from_usage("gpt-image-2", usage)
    assert cost is not None and not cost.open_ended and not cost.is_estimate
    assert cost.total_usd == pytest.approx((30 * 5 + 80 * 8 + 1756 * 30 + 120 * 10) / 1e6)
    # 2.6 bills text output too, but its rate is not published: the figure is a lower bound.
    cost = cost_from_usage("gpt-image-2.6-sunburst", usage)
    assert cost is not None and cost.open_ended and cost.amount_text.startswith("at least $")
    assert cost.total_usd == pytest.approx((30 * 5 + 80 * 8 + 1756 * 30) / 1e6)
    assert "120 text output tokens at an unknown rate" in cost.note
