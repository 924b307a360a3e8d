"""A user's models.json merged over the packaged table: additions, overrides, and every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from inpaint_desktop.core.cost import estimate_generate_cost
from inpaint_desktop.core.models import load_capabilities, load_user_capabilities
from inpaint_desktop.store.user_models import load_model_table, user_models_path


def write(path: Path, data: Any) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_no_user_file_is_the_packaged_table(tmp_path: Path) -> None:
    table = load_user_capabilities(tmp_path / "missing.json")
    assert table is load_capabilities() and table.problems == ()


def test_a_user_adds_a_model_and_changes_a_price(tmp_path: Path) -> None:
    path = write(tmp_path / "models.json", {
        "models": [
            {"id": "studio-image-1", "label": "Studio Image", "family": "gpt-image-2",
             "price_image_out": 12.5, "shutdown_date": "2027-06-30", "replacement": "studio-image-2"},
            {"id": "gpt-image-2.6-flare", "price_text_out": 10.0},
        ],
        "families": {"gpt-image-2.5": {"price_image_out": 28.0}},
        "default_model": "studio-image-1",
    })
    table = load_user_capabilities(path)
    assert table.problems == ()
    studio = table.get("studio-image-1")
    assert studio.known and studio.custom_sizes and studio.price_image_out == 12.5
    assert str(studio.shutdown_date) == "2027-06-30" and studio.replacement == "studio-image-2"
    assert studio.origins["price_image_out"] == "user file" and studio.origins["sizes"] == "packaged"
    assert table.ids()[-1] == "studio-image-1" and table.default_model == "studio-image-1"
    flare = table.get("gpt-image-2.6-flare")
    assert flare.price_text_out == 10.0 and flare.origins["price_text_out"] == "user file"
    assert flare.price_image_out == 30.0 and flare.complexities == ("low", "medium", "high")  # kept
    # A family change reaches every model of the family, and the 2.6 family that extends it.
    assert table.get("gpt-image-2.5-sunburst").price_image_out == 28.0
    assert table.get("gpt-image-2.5-sunburst").origins["price_image_out"] == "user file"
    assert table.get("gpt-image-2.6-sunburst").price_image_out == 30.0  # 2.6 sets its own price
    assert estimate_generate_cost(model="studio-image-1", size="1024x1024", quality="low",
                                  table=table).total_usd == pytest.approx(196 * 12.5 / 1e6)
    assert load_capabilities().get("gpt-image-2.6-flare").price_text_out is None  # packaged untouched


def test_user_patterns_come_first(tmp_path: Path) -> None:
    path = write(tmp_path / "models.json", {"patterns": [{"pattern": "gpt-image-2.7-*",
                                                           "family": "gpt-image-2.6"}]})
    table = load_user_capabilities(path)
    assert table.get("gpt-image-2.7-blaze").family == "gpt-image-2.6"
    assert table.get("gpt-image-2.8-x").family == "gpt-image-2.x"


@pytest.mark.parametrize(
    ("content", "key", "words"),
    [
        ("{not json", "(file)", "not valid JSON (line 1, column 2"),
        ("[1, 2]", "(top level)", "expected a JSON object"),
        ({"models": [{"id": "gpt-image-2", "price_image_out": -3}]}, "models[gpt-image-2].price_image_out",
         "-3 is not a price"),
        ({"models": [{"id": "new-x", "family": "gpt-image-9"}]}, "models[new-x].family",
         "unknown family 'gpt-image-9'; entry ignored"),
        ({"models": [{"label": "no id"}]}, "models[0]", "without an 'id'"),
        ({"models": [{"id": "gpt-image-2", "shutdown_date": "1 Dec 2026"}]},
         "models[gpt-image-2].shutdown_date", "not an ISO date"),
        ({"models": [{"id": "gpt-image-2", "params": ["quality", "complexty"]}]},
         "models[gpt-image-2].params", "unknown parameter(s) complexty"),
        ({"families": {"gpt-image-2": {"max_n": 50}}}, "families.gpt-image-2.max_n", "from 1 to 10"),
        ({"families": {"mine": {"extends": "nope"}}}, "families.mine.extends", "unknown family 'nope'"),
        ({"patterns": [{"pattern": "x-*", "family": "nope"}]}, "patterns[x-*]", "unknown family 'nope'"),
        ({"default_model": "no-such-model"}, "default_model", "keeping 'gpt-image-2.6-sunburst'"),
        ({"modles": []}, "modles", "unknown key"),
        ({"models": [{"id": "gpt-image-2", "price_imag_out": 1}]}, "models[gpt-image-2].price_imag_out",
         "unknown key"),
    ],
)
def test_bad_user_entries_are_named_and_the_rest_loads(tmp_path: Path, content: Any, key: str,
                                                         words: str) -> None:
    path = tmp_path / "models.json"
    if isinstance(content, dict):
        content = {**content, "models": [*content.get("models", []),
                                         {"id": "kept-model", "family": "gpt-image-2"}]}
    write(path, content)
    table = load_user_capabilities(path)
    assert [p.key for p in table.problems] == [key], table.problems
    problem = table.problems[0]
    assert problem.file == str(path) and words in problem.message
    assert str(problem).startswith(f"{path}: {key}: ")
    # The packaged table is intact and the user's valid entries still apply.
    packaged = load_capabilities()
    assert table.get("gpt-image-2").price_image_out == 30.0 and table.default_model == packaged.default_model
    assert table.get("gpt-image-2").shutdown_date is None
    if isinstance(content, dict):
        assert "kept-model" in table.ids()


def test_a_bad_value_keeps_the_rest_of_its_entry(tmp_path: Path) -> None:
    path = write(tmp_path / "models.json", {"models": [
        {"id": "gpt-image-2", "price_image_out": -1, "price_text_in": 4.0}]})
    table = load_user_capabilities(path)
    caps = table.get("gpt-image-2")
    assert caps.price_image_out == 30.0 and caps.price_text_in == 4.0
    assert len(table.problems) == 1


def test_an_unreadable_file_leaves_the_packaged_table(tmp_path: Path) -> None:
    path = tmp_path / "models.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    table = load_user_capabilities(path)
    assert table.ids() == load_capabilities().ids() and "cannot be read" in table.problems[0].message


def test_the_user_file_lives_in_the_config_folder(tmp_path: Path) -> None:
    # tests/conftest.py points XDG_CONFIG_HOME at a temporary folder.
    path = user_models_path()
    assert path.name == "models.json" and path.parent.name == "inpaint-desktop"
    path.parent.mkdir(parents=True, exist_ok=True)
    write(path, {"models": [{"id": "from-config-dir", "family": "gpt-image-2"}]})
    assert "from-config-dir" in load_model_table().ids()
