"""User preferences: a typed, frozen settings value saved as JSON in the user's config folder.

A missing, unreadable or hand-mangled file never stops the app: each field that cannot be used
falls back to its default, and the rest are kept. The API key is never part of this file (it lives
in the OS keyring or the environment).
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

from inpaint_desktop.store.atomic import atomic_write_json

APP_DIR_NAME = "inpaint-desktop"
SETTINGS_FILE = "settings.json"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_BRUSH, MAX_BRUSH = 1.0, 2000.0


@dataclass(frozen=True)
class Settings:
    """Every user preference the app remembers between sessions."""

    overlay_color: str = "#ff285a"  # "#rrggbb"
    overlay_opacity: float = 0.5  # 0..1
    brush_size: float = 40.0  # image pixels
    brush_hardness: float = 0.8  # 0 (soft) .. 1 (hard edge)
    base_url: str | None = None  # OpenAI-compatible endpoint; None = the official API
    results_dir: str | None = None  # None = the default results folder
    # Send the API key to a plain-http server that is not this computer (only when the user says so).
    allow_insecure_http: bool = False

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied and then validated like a loaded file."""
        return _validated({**asdict(self), **changes})


def default_settings_path() -> Path:
    return Path(user_config_dir(APP_DIR_NAME, appauthor=False)) / SETTINGS_FILE


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read the settings file; defaults for anything missing, unknown, corrupt or out of range."""
    target = Path(path) if path is not None else default_settings_path()
    try:
        raw = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return Settings()
    if not isinstance(raw, dict):
        return Settings()
    return _validated(raw)


def save_settings(settings: Settings, path: str | os.PathLike[str] | None = None) -> Path:
    """Write the settings atomically (the old file stays whole if writing fails); returns the path."""
    target = Path(path) if path is not None else default_settings_path()
    return atomic_write_json(target, asdict(settings))


def _validated(raw: dict[str, Any]) -> Settings:
    defaults = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name not in raw:
            continue
        value = _clean(f.name, raw[f.name])
        if value is not _INVALID:
            values[f.name] = value
    return replace(defaults, **values)


_INVALID = object()


def _clean(name: str, value: Any) -> Any:
    if name == "overlay_color":
        return value.lower() if isinstance(value, str) and _HEX.match(value) else _INVALID
    if name in ("overlay_opacity", "brush_hardness"):
        number = _number(value)
        return _INVALID if number is None else min(1.0, max(0.0, number))
    if name == "brush_size":
        number = _number(value)
        return _INVALID if number is None else min(MAX_BRUSH, max(MIN_BRUSH, number))
    if name == "allow_insecure_http":
        return value if isinstance(value, bool) else _INVALID
    if name in ("base_url", "results_dir"):
        if value is None:
            return None
        return (value.strip() or None) if isinstance(value, str) else _INVALID
    return _INVALID


def _number(value: Any) -> float | None:
    # bool is an int subclass; "true" is not a size.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None
