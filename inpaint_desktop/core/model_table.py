"""Reading ``models.json`` files: checking every key, and merging a user's file over the packaged one.

The packaged table must be clean (a problem there is a bug and raises). A user's file is read key
by key: a bad value is reported with the file and the key and left out, a bad entry is left out
whole, and everything else still applies. Each merged value remembers where it came from
(``packaged`` or ``user file``) so ``inpaint-desktop models`` can say so.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKAGED = "packaged"
USER_FILE = "user file"
SERVER = "server"

TOKEN_RULES = ("table", "formula", "none")
# Optional request fields a table may list under "params" (the wire names).
KNOWN_PARAMS = frozenset({"quality", "size", "output_format", "output_compression", "background",
                          "moderation", "input_fidelity", "stream", "partial_images", "user", "complexity"})


@dataclass(frozen=True)
class TableProblem:
    """One thing in a models.json that could not be used: the file, the key path and why."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


class TableError(ValueError):
    """The packaged table (or an unreadable file) has problems; the message names them."""


def parse_size(text: str | None) -> tuple[int, int] | None:
    """``"1536x1024"`` -> (1536, 1024); None for ``auto``, None or anything unparsable."""
    if not text:
        return None
    parts = text.lower().replace("×", "x").replace(" ", "").split("x")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


# -- value checkers: each returns an error message, or None when the value is acceptable -------------

def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _str_list(v: Any) -> str | None:
    if not isinstance(v, list) or not all(isinstance(s, str) and s for s in v):
        return "expected a list of non-empty strings"
    return None


def _params(v: Any) -> str | None:
    problem = _str_list(v)
    if problem:
        return problem
    unknown = sorted(set(v) - KNOWN_PARAMS)
    return f"unknown parameter(s) {', '.join(unknown)}" if unknown else None


def _sizes(v: Any) -> str | None:
    problem = _str_list(v)
    if problem:
        return problem
    bad = [s for s in v if s != "auto" and parse_size(s) is None]
    return f"not sizes: {', '.join(bad)} (use WIDTHxHEIGHT or auto)" if bad else None


def _price(v: Any) -> str | None:
    if v is None:
        return None
    if not _is_number(v) or v < 0:
        return f"{v!r} is not a price: use a number >= 0 (USD per 1M tokens) or null for unknown"
    return None


def _positive_int(v: Any) -> str | None:
    return None if _is_int(v) and v > 0 else f"{v!r} is not a positive whole number"


def _count(v: Any) -> str | None:
    return None if _is_int(v) and v >= 0 else f"{v!r} is not a whole number >= 0"


def _max_n(v: Any) -> str | None:
    return None if _is_int(v) and 1 <= v <= 10 else f"{v!r} is not a whole number from 1 to 10"


def _date(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, str):
        try:
            _dt.date.fromisoformat(v)
            return None
        except ValueError:
            pass
    return f"{v!r} is not an ISO date (YYYY-MM-DD) or null"


def _opt_str(v: Any) -> str | None:
    return None if v is None or (isinstance(v, str) and v) else "expected a non-empty string or null"


def _str(v: Any) -> str | None:
    return None if isinstance(v, str) and v else "expected a non-empty string"


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "expected true or false"


def _token_rule(v: Any) -> str | None:
    return None if v in TOKEN_RULES else f"{v!r} is not one of {', '.join(TOKEN_RULES)}"


def _str_map(v: Any) -> str | None:
    if not isinstance(v, dict) or not all(isinstance(k, str) and isinstance(s, str) for k, s in v.items()):
        return "expected an object of strings"
    return None


def _factors(v: Any) -> str | None:
    if not isinstance(v, dict) or not all(_is_int(f) and f > 0 for f in v.values()):
        return "expected an object of quality: positive whole number"
    return None


def _token_table(v: Any) -> str | None:
    if not isinstance(v, dict):
        return "expected an object of quality: {WIDTHxHEIGHT: tokens}"
    for quality, sizes in v.items():
        if not isinstance(sizes, dict) or not sizes:
            return f"{quality}: expected a non-empty object of WIDTHxHEIGHT: tokens"
        for size, tokens in sizes.items():
            if parse_size(size) is None or not _is_int(tokens) or tokens < 0:
                return f"{quality}.{size}: expected WIDTHxHEIGHT: whole number >= 0"
    return None


def _size_rules(v: Any) -> str | None:
    allowed = {"multiple": _positive_int, "max_long_edge": _positive_int, "min_pixels": _count,
               "max_pixels": _positive_int}
    if not isinstance(v, dict):
        return "expected an object"
    for key, value in v.items():
        if key == "max_aspect":
            if not _is_number(value) or value < 1:
                return "max_aspect: expected a number >= 1"
        elif key not in allowed:
            return f"unknown rule {key!r}"
        elif (problem := allowed[key](value)) is not None:
            return f"{key}: {problem}"
    return None


_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "label": _str, "family": _str, "extends": _str, "note": _str,
    "sizes": _sizes, "custom_sizes": _bool, "custom_size_rules": _size_rules,
    "qualities": _str_list, "formats": _str_list, "generate_formats": _str_list, "backgrounds": _str_list,
    "params": _params, "edit_exclude": _params, "complexities": _str_list, "input_fidelities": _str_list,
    "max_n": _max_n, "token_rule": _token_rule, "output_tokens": _token_table, "quality_factors": _factors,
    "quality_floor": _str_map, "auto_quality": _str, "partial_image_tokens": _count,
    "price_text_in": _price, "price_image_in": _price, "price_image_out": _price, "price_text_out": _price,
    "shutdown_date": _date, "replacement": _opt_str, "sources": _str_map,
}
_SCOPE_KEYS = {
    "family": set(_CHECKS) - {"family"},
    "model": (set(_CHECKS) - {"extends"}) | {"id"},
    "defaults": set(_CHECKS) - {"extends"},
}


@dataclass
class RawTable:
    """A checked table: scopes of raw values, and per value the layer it came from."""

    default_model: str | None = None
    families: dict[str, dict[str, Any]] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    patterns: list[tuple[str, str]] = field(default_factory=list)
    defaults: dict[str, Any] = field(default_factory=dict)
    # (scope, name) -> key -> origin; scope is "family", "model" or "defaults"
    origins: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    default_origin: str = PACKAGED
    pattern_origins: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self, file: str, origin: str) -> None:
        self.file, self.origin = file, origin
        self.problems: list[TableProblem] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(TableProblem(self.file, key, message))

    def entry(self, scope: str, where: str, values: Any) -> dict[str, Any] | None:
        if not isinstance(values, dict):
            self.problem(where, "expected an object; entry ignored")
            return None
        out: dict[str, Any] = {}
        for key, value in values.items():
            if key.startswith("_"):
                continue  # comments
            if key not in _SCOPE_KEYS[scope]:
                self.problem(f"{where}.{key}", "unknown key; ignored")
                continue
            check = _CHECKS.get(key, _str)
            problem = check(value)
            if problem:
                self.problem(f"{where}.{key}", f"{problem}; ignored")
                continue
            out[key] = value
        return out

    def read(self, data: Any, into: RawTable) -> None:
        if not isinstance(data, dict):
            self.problem("(top level)", "expected a JSON object; file ignored")
            return
        for key in data:
            if not key.startswith("_") and key not in ("default_model", "families", "models", "patterns",
                                                       "defaults"):
                self.problem(key, "unknown key; ignored")
        if "default_model" in data:
            if isinstance(data["default_model"], str) and data["default_model"]:
                into.default_model = data["default_model"]
                into.default_origin = self.origin
            else:
                self.problem("default_model", "expected a model id; ignored")
        self._families(data.get("families", {}), into)
        self._models(data.get("models", []), into)
        self._patterns(data.get("patterns", []), into)
        if "defaults" in data:
            values = self.entry("defaults", "defaults", data["defaults"])
            if values:
                into.defaults.update(values)
                into.origins.setdefault(("defaults", ""), {}).update(dict.fromkeys(values, self.origin))

    def _families(self, families: Any, into: RawTable) -> None:
        if not isinstance(families, dict):
            self.problem("families", "expected an object of family name: values; ignored")
            return
        for name, values in families.items():
            checked = self.entry("family", f"families.{name}", values)
            if checked is None:
                continue
            into.families.setdefault(name, {}).update(checked)
            into.origins.setdefault(("family", name), {}).update(dict.fromkeys(checked, self.origin))

    def _models(self, models: Any, into: RawTable) -> None:
        if not isinstance(models, list):
            self.problem("models", "expected a list of model entries; ignored")
            return
        for i, values in enumerate(models):
            model_id = values.get("id") if isinstance(values, dict) else None
            if not isinstance(model_id, str) or not model_id:
                self.problem(f"models[{i}]", "entry without an 'id'; ignored")
                continue
            checked = self.entry("model", f"models[{model_id}]", values)
            if checked is None:
                continue
            into.models.setdefault(model_id, {}).update(checked)
            into.origins.setdefault(("model", model_id), {}).update(dict.fromkeys(checked, self.origin))

    def _patterns(self, patterns: Any, into: RawTable) -> None:
        if not isinstance(patterns, list):
            self.problem("patterns", "expected a list of {pattern, family}; ignored")
            return
        added: list[tuple[str, str]] = []
        for i, item in enumerate(patterns):
            if (not isinstance(item, dict) or not isinstance(item.get("pattern"), str)
                    or not isinstance(item.get("family"), str)):
                self.problem(f"patterns[{i}]", "expected {\"pattern\": \"gpt-image-9.*\", \"family\": NAME}; "
                             "ignored")
                continue
            added.append((item["pattern"], item["family"]))
        into.patterns.extend(added)


def _check_refs(reader: _Reader, raw: RawTable) -> None:
    """Report and drop references to families that do not exist, and ``extends`` chains that loop."""
    for name, values in raw.families.items():
        ref = values.get("extends")
        if ref is not None and ref not in raw.families:
            reader.problem(f"families.{name}.extends", f"unknown family {ref!r}; ignored")
            values.pop("extends")
    for name in list(raw.families):
        seen = [name]
        current = raw.families[name].get("extends")
        while current is not None:
            if current in seen:
                reader.problem(f"families.{name}.extends", f"loops back to {current!r}; ignored")
                raw.families[name].pop("extends", None)
                break
            seen.append(current)
            current = raw.families.get(current, {}).get("extends")


def _model_family_ok(reader: _Reader, raw: RawTable, model_id: str, values: Mapping[str, Any]) -> bool:
    family = values.get("family")
    if family is not None and family not in raw.families:
        reader.problem(f"models[{model_id}].family", f"unknown family {family!r}; entry ignored")
        return False
    return True


def _patterns_ok(reader: _Reader, raw: RawTable, patterns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    kept = []
    for pattern, family in patterns:
        if family in raw.families:
            kept.append((pattern, family))
        else:
            reader.problem(f"patterns[{pattern}]", f"unknown family {family!r}; ignored")
    return kept


def parse_json(text: str, file: str) -> Any:
    """The JSON value of ``text``; ``TableError`` naming ``file`` and the position when it is not JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise TableError(f"{file}: not valid JSON ({where}: {exc.msg})") from None


def read_table(data: Any, file: str, origin: str = PACKAGED) -> tuple[RawTable, list[TableProblem]]:
    """One file's table on its own, with what in it was left out."""
    raw = RawTable()
    reader = _Reader(file, origin)
    reader.read(data, raw)
    _check_refs(reader, raw)
    for model_id in [m for m, v in raw.models.items() if not _model_family_ok(reader, raw, m, v)]:
        del raw.models[model_id]
        raw.origins.pop(("model", model_id), None)
    raw.patterns = _patterns_ok(reader, raw, raw.patterns)
    raw.pattern_origins = [origin] * len(raw.patterns)
    return raw, reader.problems


def read_packaged(path: Path) -> RawTable:
    """The packaged table; ``TableError`` listing every problem (the packaged table must be clean)."""
    raw, problems = read_table(parse_json(path.read_text(encoding="utf-8"), str(path)), str(path))
    if problems:
        raise TableError("; ".join(str(p) for p in problems))
    return raw


def merge_user(base: RawTable, data: Any, file: str) -> tuple[RawTable, list[TableProblem]]:
    """``base`` with a user's table merged over it, and what in the user's file was left out.

    A user's entry for an existing family or model changes only the keys it names; a new family,
    model or pattern is added (the user's patterns are tried before the packaged ones). An entry
    that cannot be used leaves the packaged one as it was.
    """
    merged = copy.deepcopy(base)
    reader = _Reader(file, USER_FILE)
    user = RawTable()
    reader.read(data, user)
    for name, values in user.families.items():
        merged.families.setdefault(name, {}).update(values)
        merged.origins.setdefault(("family", name), {}).update(dict.fromkeys(values, USER_FILE))
    before = {n: v.get("extends") for n, v in merged.families.items()}
    _check_refs(reader, merged)
    for name, values in merged.families.items():
        # A dropped user "extends" falls back to the packaged one, if any.
        base_ref = base.families.get(name, {}).get("extends")
        if "extends" not in values and before.get(name) is not None and base_ref is not None:
            values["extends"] = base_ref
            merged.origins[("family", name)]["extends"] = PACKAGED
    for model_id, values in user.models.items():
        candidate = {**merged.models.get(model_id, {}), **values}
        if not _model_family_ok(reader, merged, model_id, candidate):
            continue
        merged.models[model_id] = candidate
        merged.origins.setdefault(("model", model_id), {}).update(dict.fromkeys(values, USER_FILE))
    kept = _patterns_ok(reader, merged, user.patterns)
    merged.patterns[:0] = kept
    merged.pattern_origins[:0] = [USER_FILE] * len(kept)
    merged.defaults.update(user.defaults)
    merged.origins.setdefault(("defaults", ""), {}).update(dict.fromkeys(user.defaults, USER_FILE))
    if user.default_model is not None:
        if _resolvable(merged, user.default_model):
            merged.default_model, merged.default_origin = user.default_model, USER_FILE
        else:
            reader.problem("default_model", f"{user.default_model!r} is not a model in the table; "
                           f"keeping {base.default_model!r}")
    return merged, reader.problems


def _resolvable(raw: RawTable, model_id: str) -> bool:
    from fnmatch import fnmatchcase

    return model_id in raw.models or any(fnmatchcase(model_id, p) for p, _ in raw.patterns)


def family_layers(raw: RawTable, name: str) -> list[tuple[Mapping[str, Any], Mapping[str, str]]]:
    """The layers that make up one family (its ``extends`` chain, base first)."""
    chain: list[str] = []
    current: str | None = name
    while current is not None and current in raw.families and current not in chain:
        chain.append(current)
        current = raw.families[current].get("extends")
    return [(raw.families[n], raw.origins.get(("family", n), {})) for n in reversed(chain)]
