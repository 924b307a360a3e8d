"""The image-model capability table: what each model accepts and how its tokens are priced.

Models come and go faster than releases, so everything here is read from
``resources/models.json`` (data, editable) rather than written in code. A model entry names a
family whose values it inherits and may override any of them. Unknown ids (a newer model, a
gateway's alias) are passed through with the conservative ``defaults`` so the user can still send
to them; ``CapabilityTable.with_ids`` adds ids reported by ``GET /v1/models``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "resources" / "models.json"


@dataclass(frozen=True)
class CustomSizeRules:
    """Rules for ``WxH`` sizes on models that accept custom sizes (gpt-image-2 and later)."""

    multiple: int = 16
    max_long_edge: int = 3840
    max_aspect: float = 3.0
    min_pixels: int = 655_360
    max_pixels: int = 8_294_400

    def problems(self, width: int, height: int) -> list[str]:
        """Every rule ``width`` x ``height`` breaks; empty when the size is acceptable."""
        out: list[str] = []
        if width <= 0 or height <= 0:
            return ["width and height must be positive"]
        if width % self.multiple or height % self.multiple:
            out.append(f"width and height must be multiples of {self.multiple}")
        if max(width, height) > self.max_long_edge:
            out.append(f"the long edge must be at most {self.max_long_edge} px")
        if max(width, height) / min(width, height) > self.max_aspect:
            out.append(f"the aspect ratio must be within 1:{self.max_aspect:g} and {self.max_aspect:g}:1")
        if not self.min_pixels <= width * height <= self.max_pixels:
            out.append(f"the total pixels must be between {self.min_pixels:,} and {self.max_pixels:,}")
        return out


@dataclass(frozen=True)
class ModelCaps:
    """Capabilities and price rules of one model id.

    ``params`` are the optional parameters the model accepts on generations; ``edit_params`` the
    subset accepted on multipart edits (for example ``moderation`` is generation-only).
    Prices are USD per 1M tokens.
    """

    id: str
    label: str
    family: str
    sizes: tuple[str, ...]
    custom_sizes: bool
    qualities: tuple[str, ...]
    formats: tuple[str, ...]
    backgrounds: tuple[str, ...]
    params: frozenset[str]
    max_n: int
    deprecated: str | None = None
    edit_params: frozenset[str] = frozenset()
    custom_size_rules: CustomSizeRules = field(default_factory=CustomSizeRules)
    token_rule: str = "none"  # "table" (gpt-image-1 family), "formula" (gpt-image-2), "none"
    output_tokens: Mapping[str, Mapping[str, int]] = field(default_factory=dict, compare=False, hash=False)
    quality_factors: Mapping[str, int] = field(default_factory=dict, compare=False, hash=False)
    auto_quality: str = "high"
    partial_image_tokens: int = 100
    price_text_in: float = 0.0
    price_image_in: float = 0.0
    price_image_out: float = 0.0
    known: bool = True  # False for pass-through ids filled from the conservative defaults

    @property
    def fixed_sizes(self) -> tuple[tuple[int, int], ...]:
        """The explicit ``WxH`` sizes (without ``auto``) as integer pairs."""
        out = []
        for size in self.sizes:
            parsed = parse_size(size)
            if parsed is not None:
                out.append(parsed)
        return tuple(out)

    @property
    def has_prices(self) -> bool:
        return self.price_image_out > 0 and self.token_rule != "none"

    def size_problems(self, size: str) -> list[str]:
        """Why ``size`` is not acceptable for this model (empty when it is)."""
        if size in self.sizes:
            return []
        parsed = parse_size(size)
        if parsed is None:
            return [f"'{size}' is not a size; use WIDTHxHEIGHT or one of {', '.join(self.sizes)}"]
        if not self.custom_sizes:
            return [f"{self.id} accepts only {', '.join(self.sizes)}"]
        return self.custom_size_rules.problems(*parsed)


def parse_size(text: str | None) -> tuple[int, int] | None:
    """``"1536x1024"`` -> (1536, 1024); None for ``auto``, None or anything unparsable."""
    if not text:
        return None
    parts = text.lower().replace("×", "x").replace(" ", "").split("x")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def _caps_from(model_id: str, values: Mapping[str, Any], *, known: bool) -> ModelCaps:
    params = frozenset(values.get("params", ()))
    rules = values.get("custom_size_rules") or {}
    return ModelCaps(
        id=model_id,
        label=str(values.get("label") or model_id),
        family=str(values.get("family", "unknown")),
        sizes=tuple(values.get("sizes", ("auto",))),
        custom_sizes=bool(values.get("custom_sizes", False)),
        qualities=tuple(values.get("qualities", ("auto",))),
        formats=tuple(values.get("formats", ("png",))),
        backgrounds=tuple(values.get("backgrounds", ())),
        params=params,
        max_n=int(values.get("max_n", 1)),
        deprecated=values.get("deprecated"),
        edit_params=params - frozenset(values.get("edit_exclude", ())),
        custom_size_rules=CustomSizeRules(**rules),
        token_rule=str(values.get("token_rule", "none")),
        output_tokens={q: dict(t) for q, t in (values.get("output_tokens") or {}).items()},
        quality_factors=dict(values.get("quality_factors") or {}),
        auto_quality=str(values.get("auto_quality", "high")),
        partial_image_tokens=int(values.get("partial_image_tokens", 100)),
        price_text_in=float(values.get("price_text_in", 0.0)),
        price_image_in=float(values.get("price_image_in", 0.0)),
        price_image_out=float(values.get("price_image_out", 0.0)),
        known=known,
    )


def looks_like_image_model(model_id: str) -> bool:
    return "image" in model_id or model_id.startswith("dall-e")


class CapabilityTable:
    """Lookup of ``ModelCaps`` by id; unknown ids get conservative defaults carrying that id."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._families: dict[str, dict[str, Any]] = {k: dict(v) for k, v in data.get("families", {}).items()}
        self._defaults: dict[str, Any] = dict(data.get("defaults", {}))
        self._prefixes: list[tuple[str, str]] = [
            (p["prefix"], p["family"]) for p in data.get("prefixes", ())
        ]
        self._models: dict[str, ModelCaps] = {}
        for entry in data.get("models", ()):
            family = entry.get("family")
            if family is not None and family not in self._families:
                raise ValueError(f"models.json: model {entry.get('id')!r} names unknown family {family!r}")
            merged = {**self._defaults, **self._families.get(family or "", {}), **entry}
            self._models[entry["id"]] = _caps_from(entry["id"], merged, known=True)
        self._extra: tuple[str, ...] = ()

    def ids(self) -> list[str]:
        """Known ids in the table's order, then ids added from the server's model list."""
        return list(self._models) + [i for i in self._extra if i not in self._models]

    def get(self, model_id: str) -> ModelCaps:
        caps = self._models.get(model_id)
        if caps is not None:
            return caps
        for prefix, family in self._prefixes:
            if model_id.startswith(prefix) and family in self._families:
                merged = {**self._defaults, **self._families[family], "family": family}
                return _caps_from(model_id, merged, known=True)
        return _caps_from(model_id, {**self._defaults, "label": model_id}, known=False)

    def with_ids(self, ids: Iterable[str], *, keep_all: bool = False) -> CapabilityTable:
        """A copy that also lists ``ids`` (for example from ``GET /v1/models``) that look like image models.

        Ids that are not image models (chat, embeddings, ...) are left out: only ``*image*`` ids
        and ``dall-e*`` are kept, unless ``keep_all`` (the caller has already chosen).
        """
        clone = object.__new__(CapabilityTable)
        clone.__dict__.update(self.__dict__)
        keep = [i for i in ids if (keep_all or looks_like_image_model(i)) and i not in self._models]
        clone._extra = tuple(dict.fromkeys((*self._extra, *keep)))
        return clone

    def with_caps(self, caps: ModelCaps) -> CapabilityTable:
        """A copy where ``caps.id`` maps to ``caps`` (settings may override one model's values)."""
        clone = object.__new__(CapabilityTable)
        clone.__dict__.update(self.__dict__)
        clone._models = {**self._models, caps.id: replace(caps)}
        return clone


def load_capabilities(path: Path | None = None) -> CapabilityTable:
    """The capability table from ``path`` or (cached) from the bundled ``resources/models.json``.

    Raises ``ValueError`` naming the file when it is not valid JSON or names an unknown family.
    """
    if path is None:
        return _default_table()
    return _load(Path(path))


@cache
def _default_table() -> CapabilityTable:
    return _load(DEFAULT_PATH)


def _load(path: Path) -> CapabilityTable:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return CapabilityTable(data)
