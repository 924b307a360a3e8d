"""The capability table: bundled data, inheritance, pass-through of unknown ids, custom size rules."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from inpaint_desktop.core.models import DEFAULT_PATH, CustomSizeRules, load_capabilities, parse_size


def test_bundled_models_and_their_status() -> None:
    table = load_capabilities()
    assert table is load_capabilities()  # cached
    assert table.ids() == [
        "gpt-image-2.6-sunburst", "gpt-image-2.6-flare", "gpt-image-2.5-sunburst", "gpt-image-2.5-flare",
        "gpt-image-2.5-sunburst-2026-09-08", "gpt-image-2.5-flare-2026-09-08", "gpt-image-2",
        "gpt-image-2-2026-04-21", "gpt-image-1.5", "gpt-image-1.5-2025-12-16", "gpt-image-1-mini",
        "chatgpt-image-latest", "gpt-image-1"]
    assert table.default_model == "gpt-image-2.6-sunburst"
    for retired in ("gpt-image-1.5", "gpt-image-1.5-2025-12-16", "gpt-image-1-mini", "chatgpt-image-latest"):
        assert table.get(retired).shutdown_date == date(2026, 12, 1)
        assert table.get(retired).replacement in ("gpt-image-2.6-sunburst", "gpt-image-2.6-flare")
    assert table.get("gpt-image-1").shutdown_date == date(2026, 10, 23)
    gpt2 = table.get("gpt-image-2")
    assert gpt2.shutdown_date is None and gpt2.custom_sizes and gpt2.token_rule == "formula"
    assert "input_fidelity" not in gpt2.params and "moderation" in gpt2.params
    assert "moderation" not in gpt2.edit_params
    assert "input_fidelity" in table.get("gpt-image-1.5").edit_params
    # gpt-image-1-mini: the spec says it takes no input_fidelity; its own (official) prices.
    mini = table.get("gpt-image-1-mini")
    assert "input_fidelity" not in mini.params and mini.input_fidelities == ()
    assert (mini.price_text_in, mini.price_image_in, mini.price_image_out) == (2.0, 2.5, 8.0)
    assert "auto" in gpt2.sizes and gpt2.max_n == 10
    # The gpt-image-1 family's text input is $5 per 1M tokens ($10 is its image-input rate).
    one = table.get("gpt-image-1")
    assert (one.price_text_in, one.price_image_in, one.price_image_out) == (5.0, 10.0, 40.0)


def test_unknown_ids_pass_through_conservatively() -> None:
    table = load_capabilities()
    caps = table.get("gpt-image-3-preview")
    assert caps.id == "gpt-image-3-preview" and caps.label == "gpt-image-3-preview" and not caps.known
    assert not caps.custom_sizes and caps.params <= {"quality", "size", "output_format",
                                                     "output_compression", "background"}
    assert not caps.has_prices and caps.price_image_out is None  # unknown, not free
    snapshot = table.get("gpt-image-2-2026-04-21")  # a dated snapshot inherits its family
    assert snapshot.known and snapshot.custom_sizes and snapshot.family == "gpt-image-2"


def test_with_ids_keeps_image_models_only() -> None:
    table = load_capabilities().with_ids(["gpt-image-2", "gpt-image-2.6-mini", "gpt-5", "dall-e-3"])
    assert table.ids()[-2:] == ["gpt-image-2.6-mini", "dall-e-3"]
    assert table.ids().count("gpt-image-2") == 1
    assert "gpt-image-2.6-mini" not in load_capabilities().ids()  # the cached table is untouched


@pytest.mark.parametrize(
    ("size", "ok"),
    [((1024, 1024), True), ((3840, 2160), True), ((1536, 864), True), ((800, 800), False),
     ((1000, 1000), False), ((3856, 2160), False), ((2400, 784), False), ((3840, 2176), False)],
)
def test_custom_size_rules(size: tuple[int, int], ok: bool) -> None:
    assert (not CustomSizeRules().problems(*size)) is ok


def test_parse_size() -> None:
    assert parse_size("1536x1024") == (1536, 1024)
    assert parse_size("1536 × 1024") == (1536, 1024)
    assert parse_size("auto") is None and parse_size(None) is None and parse_size("10x") is None


def test_bad_tables_are_refused_with_the_file_named(tmp_path: Path) -> None:
    bad = tmp_path / "models.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match=r"models\.json: not valid JSON"):
        load_capabilities(bad)
    data = json.loads(DEFAULT_PATH.read_text())
    data["models"].append({"id": "x", "family": "nope"})
    bad.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"models\[x\]\.family: unknown family 'nope'"):
        load_capabilities(bad)


def test_prices_are_data(tmp_path: Path) -> None:
    data = json.loads(DEFAULT_PATH.read_text())
    data["families"]["gpt-image-2"]["price_image_out"] = 60.0
    path = tmp_path / "models.json"
    path.write_text(json.dumps(data))
    assert load_capabilities(path).get("gpt-image-2").price_image_out == 60.0
