"""Every listed id, dated snapshots and future gpt-image-2.x ids resolve to the right family and facts."""

from __future__ import annotations

from datetime import date

import pytest

from inpaint_desktop.core.models import load_capabilities

TABLE = load_capabilities()
QUALITIES_2X = ("auto", "low", "medium", "high", "xhigh", "max")


@pytest.mark.parametrize(
    ("model_id", "family", "shutdown"),
    [
        ("gpt-image-2.6-sunburst", "gpt-image-2.6", None),
        ("gpt-image-2.6-flare", "gpt-image-2.6", None),
        ("gpt-image-2.5-sunburst", "gpt-image-2.5", None),
        ("gpt-image-2.5-flare", "gpt-image-2.5", None),
        ("gpt-image-2.5-sunburst-2026-09-08", "gpt-image-2.5", None),
        ("gpt-image-2.5-flare-2026-09-08", "gpt-image-2.5", None),
        ("gpt-image-2", "gpt-image-2", None),
        ("gpt-image-2-2026-04-21", "gpt-image-2", None),
        ("gpt-image-1.5", "gpt-image-1", date(2026, 12, 1)),
        ("gpt-image-1.5-2025-12-16", "gpt-image-1", date(2026, 12, 1)),
        ("gpt-image-1-mini", "gpt-image-1", date(2026, 12, 1)),
        ("chatgpt-image-latest", "gpt-image-1", date(2026, 12, 1)),
        ("gpt-image-1", "gpt-image-1", date(2026, 10, 23)),
    ],
)
def test_every_listed_id(model_id: str, family: str, shutdown: date | None) -> None:
    caps = TABLE.get(model_id)
    assert caps.known and caps.family == family and caps.shutdown_date == shutdown
    assert caps.has_prices and caps.price_image_out is not None and caps.price_image_out > 0
    if family.startswith("gpt-image-2"):
        assert caps.custom_sizes and "input_fidelity" not in caps.params
    if family in ("gpt-image-2.5", "gpt-image-2.6"):
        assert caps.qualities == QUALITIES_2X
    assert ("complexity" in caps.params) == (family == "gpt-image-2.6")
    assert caps.complexities == (("low", "medium", "high") if family == "gpt-image-2.6" else ())
    # gif and svg only for 2.6 generations; edits keep png/jpeg/webp.
    assert caps.formats == ("png", "jpeg", "webp")
    assert ("gif" in caps.formats_for(generate=True)) == (family == "gpt-image-2.6")


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        ("gpt-image-2.7-blaze", "gpt-image-2.x"),
        ("gpt-image-2.10-nova-2027-03-01", "gpt-image-2.x"),
        ("gpt-image-2.6-ember", "gpt-image-2.6"),
        ("gpt-image-2.5-preview", "gpt-image-2.5"),
        ("gpt-image-2-2026-11-30", "gpt-image-2"),
    ],
)
def test_unknown_gpt_image_2x_ids_inherit_their_family(model_id: str, family: str) -> None:
    caps = TABLE.get(model_id)
    assert (caps.known and caps.family == family and caps.label == caps.id) or caps.label.endswith(")")
    assert caps.custom_sizes and caps.sizes == TABLE.get("gpt-image-2").sizes
    assert caps.has_prices and caps.price_image_out == 30.0  # not the defaults' unknown price
    if family != "gpt-image-2":
        assert caps.qualities == QUALITIES_2X


def test_a_dated_snapshot_of_a_listed_model_is_that_model() -> None:
    snapshot = TABLE.get("gpt-image-2.6-sunburst-2026-11-04")
    base = TABLE.get("gpt-image-2.6-sunburst")
    assert snapshot.label == "GPT Image 2.6 Sunburst (2026-11-04)"
    assert (snapshot.complexities, snapshot.price_image_out, snapshot.sources) == (
        base.complexities, base.price_image_out, base.sources)
    assert TABLE.get("chatgpt-image-latest-2026-01-01").shutdown_date == date(2026, 12, 1)


def test_other_families_stay_conservative() -> None:
    for model_id in ("gpt-image-3", "dall-e-3", "vendor-image-9", "gpt-image-20-x"):
        caps = TABLE.get(model_id)
        assert not caps.known and not caps.custom_sizes and caps.price_image_out is None


def test_facts_carry_their_sources() -> None:
    sunburst, flare = TABLE.get("gpt-image-2.6-sunburst"), TABLE.get("gpt-image-2.6-flare")
    assert sunburst.sources["prices"].startswith("official")
    assert flare.sources["prices"].startswith("3rd")
    assert sunburst.sources["qualities"].startswith("3rd")
    assert sunburst.sources["token_rule"].startswith("estimate")
    assert TABLE.get("gpt-image-2.5-flare").sources["prices"].startswith("3rd")
    assert set(sunburst.origins.values()) == {"packaged"}
