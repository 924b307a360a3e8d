"""store.settings: defaults, round trip, and recovery from every kind of broken file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inpaint_desktop.store.settings import Settings, default_settings_path, load_settings, save_settings


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "none.json") == Settings()


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "settings.json"
    value = Settings(overlay_color="#00ff00", overlay_opacity=0.3, brush_size=120.0, brush_hardness=0.25,
                     base_url="http://127.0.0.1:8000/v1", results_dir=str(tmp_path / "r"))
    save_settings(value, path)
    assert load_settings(path) == value
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_default_path_is_under_user_config(tmp_path: Path) -> None:
    # The test environment points XDG_CONFIG_HOME at a temporary home.
    path = default_settings_path()
    assert path.name == "settings.json" and "inpaint-desktop" in str(path)
    save_settings(Settings(brush_size=77.0))
    assert path.exists() and load_settings().brush_size == 77.0


@pytest.mark.parametrize(
    "text", ["", "{", "null", "[1, 2]", "\"text\"", "\xff\xfe garbage", "{\"overlay_color\": "]
)
def test_corrupt_files_give_defaults(tmp_path: Path, text: str) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape") if text.isascii() else b"\xff\xfe\x00junk")
    assert load_settings(path) == Settings()


def test_bad_fields_fall_back_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({
        "overlay_color": "red",
        "overlay_opacity": 7,
        "brush_size": "big",
        "brush_hardness": True,
        "base_url": 42,
        "results_dir": "  /tmp/results ",
        "future_field": {"x": 1},
    }))
    loaded = load_settings(path)
    defaults = Settings()
    assert loaded.overlay_color == defaults.overlay_color
    assert loaded.overlay_opacity == 1.0  # clamped, not dropped
    assert loaded.brush_size == defaults.brush_size and loaded.brush_hardness == defaults.brush_hardness
    assert loaded.base_url is None and loaded.results_dir == "/tmp/results"


def test_with_changes_validates() -> None:
    changed = Settings().with_changes(brush_size=1e9, overlay_color="#ABCDEF", overlay_opacity=float("nan"))
    assert changed.brush_size == 2000.0 and changed.overlay_color == "#abcdef"
    assert changed.overlay_opacity == Settings().overlay_opacity


def test_no_secret_fields() -> None:
    from dataclasses import fields

    assert not [f.name for f in fields(Settings) if "key" in f.name or "token" in f.name]
