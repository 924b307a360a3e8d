"""The image-model capability table: what each model accepts, when it shuts down, how it is priced.

Models come and go faster than releases, so everything here is read from ``resources/models.json``
(data, editable), and a ``models.json`` in the user's config folder may be merged over it
(``load_user_capabilities``). A model entry names a family whose values it inherits (families may
extend one another) and may override any of them. An id that is not listed resolves, in order, as
a dated snapshot of a listed model (``-YYYY-MM-DD``), through the table's id patterns to a family
(``gpt-image-2.7-*`` inherits the 2.x family), or to the conservative ``defaults``.
``CapabilityTable.with_ids`` adds ids reported by ``GET /v1/models``.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

from inpaint_desktop.core.model_table import (
    PACKAGED,
    SERVER,
    RawTable,
    TableError,
    TableProblem,
    family_layers,
    merge_user,
    parse_json,
    parse_size,
    read_packaged,
    read_table,
)

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "resources" / "models.json"
_SNAPSHOT = re.compile(r"^(?P<base>.+)-(?P<date>\d{4}-\d{2}-\d{2})$")

__all__ = ["DEFAULT_PATH", "PACKAGED", "SERVER", "CapabilityTable", "CustomSizeRules", "ModelCaps",
           "TableError", "TableProblem", "load_capabilities", "load_user_capabilities",
           "looks_like_image_model", "parse_size"]


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
    """Capabilities, shutdown date and price rules of one model id.

    ``params`` are the optional parameters the model accepts on generations; ``edit_params`` the
    subset accepted on multipart edits (for example ``moderation`` is generation-only). ``formats``
    are the output formats of edits, ``generate_formats`` those of generations. Prices are USD per
    1M tokens; ``None`` means unknown (never read as free). ``sources`` says where facts come from
    (official, third-party, inferred); ``origins`` which file set each value (packaged, user file).
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
    edit_params: frozenset[str] = frozenset()
    generate_formats: tuple[str, ...] = ()
    complexities: tuple[str, ...] = ()
    input_fidelities: tuple[str, ...] = ()
    custom_size_rules: CustomSizeRules = field(default_factory=CustomSizeRules)
    token_rule: str = "none"  # "table" (gpt-image-1 family), "formula" (gpt-image-2 and later), "none"
    output_tokens: Mapping[str, Mapping[str, int]] = field(default_factory=dict, compare=False, hash=False)
    quality_factors: Mapping[str, int] = field(default_factory=dict, compare=False, hash=False)
    # Qualities with no known token rule whose cost is at least that of the named quality.
    quality_floor: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    auto_quality: str = "high"
    partial_image_tokens: int = 100
    price_text_in: float | None = None
    price_image_in: float | None = None
    price_image_out: float | None = None
    price_text_out: float | None = None
    shutdown_date: _dt.date | None = None
    replacement: str | None = None
    note: str = ""
    known: bool = True  # False for pass-through ids filled from the conservative defaults
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

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
        """True when an estimate is possible: a token rule and the image output price are known."""
        return self.price_image_out is not None and self.token_rule != "none"

    @property
    def has_billing_prices(self) -> bool:
        """True when a call's ``usage`` can be priced (the output price is known)."""
        return self.price_image_out is not None

    def formats_for(self, *, generate: bool) -> tuple[str, ...]:
        return (self.generate_formats or self.formats) if generate else self.formats

    def params_for(self, *, generate: bool) -> frozenset[str]:
        return self.params if generate else self.edit_params

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


def _price(value: Any) -> float | None:
    return None if value is None else float(value)


def _caps_from(model_id: str, values: Mapping[str, Any], origins: Mapping[str, str], *,
               known: bool) -> ModelCaps:
    params = frozenset(values.get("params", ()))
    shutdown = values.get("shutdown_date")
    return ModelCaps(
        id=model_id,
        label=str(values.get("label") or model_id),
        family=str(values.get("family", "unknown")),
        sizes=tuple(values.get("sizes", ("auto",))),
        custom_sizes=bool(values.get("custom_sizes", False)),
        qualities=tuple(values.get("qualities", ("auto",))),
        formats=tuple(values.get("formats", ("png",))),
        generate_formats=tuple(values.get("generate_formats", ())),
        backgrounds=tuple(values.get("backgrounds", ())),
        params=params,
        max_n=int(values.get("max_n", 1)),
        edit_params=params - frozenset(values.get("edit_exclude", ())),
        complexities=tuple(values.get("complexities", ())),
        input_fidelities=tuple(values.get("input_fidelities", ())),
        custom_size_rules=CustomSizeRules(**(values.get("custom_size_rules") or {})),
        token_rule=str(values.get("token_rule", "none")),
        output_tokens={q: dict(t) for q, t in (values.get("output_tokens") or {}).items()},
        quality_factors=dict(values.get("quality_factors") or {}),
        quality_floor=dict(values.get("quality_floor") or {}),
        auto_quality=str(values.get("auto_quality", "high")),
        partial_image_tokens=int(values.get("partial_image_tokens", 100)),
        price_text_in=_price(values.get("price_text_in")),
        price_image_in=_price(values.get("price_image_in")),
        price_image_out=_price(values.get("price_image_out")),
        price_text_out=_price(values.get("price_text_out")),
        shutdown_date=_dt.date.fromisoformat(shutdown) if isinstance(shutdown, str) else None,
        replacement=values.get("replacement"),
        note=str(values.get("note", "")),
        known=known,
        sources=dict(values.get("sources") or {}),
        origins=dict(origins),
    )


def looks_like_image_model(model_id: str, owned_by: str = "") -> bool:
    """Image models in a server's list: ``*image*`` and ``dall-e*`` ids, and this app's own server's."""
    return "image" in model_id or model_id.startswith("dall-e") or owned_by == "inpaint-desktop"


class CapabilityTable:
    """Lookup of ``ModelCaps`` by id; unknown ids get conservative defaults carrying that id.

    ``problems`` lists what a user's file could not contribute (each with the file and the key).
    """

    def __init__(self, raw: RawTable, problems: Sequence[TableProblem] = (),
                 user_file: Path | None = None) -> None:
        self._raw = raw
        self.problems: tuple[TableProblem, ...] = tuple(problems)
        self.user_file = user_file
        self._models: dict[str, ModelCaps] = {m: self._resolve_listed(m) for m in raw.models}
        self._extra: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, data: Mapping[str, Any], file: str = "models.json") -> CapabilityTable:
        """A table from parsed JSON; ``TableError`` naming ``file`` and every problem in it."""
        raw, problems = read_table(data, file)
        if problems:
            raise TableError("; ".join(str(p) for p in problems))
        return cls(raw)

    @property
    def default_model(self) -> str:
        """The model the GUI and the CLI use unless the user picks another (named by the table)."""
        return self._raw.default_model or next(iter(self._raw.models), "")

    @property
    def default_model_origin(self) -> str:
        return self._raw.default_origin

    def ids(self) -> list[str]:
        """Known ids in the table's order, then ids added from the server's model list."""
        return list(self._models) + [i for i in self._extra if i not in self._models]

    def server_ids(self) -> tuple[str, ...]:
        """Ids added from a server's list that the table does not name."""
        return tuple(i for i in self._extra if i not in self._models)

    def get(self, model_id: str) -> ModelCaps:
        caps = self._models.get(model_id)
        if caps is not None:
            return caps
        snapshot = _SNAPSHOT.match(model_id)
        if snapshot and snapshot["base"] in self._models:
            # A dated snapshot behaves like the model it pins (and shuts down with it).
            base = self._models[snapshot["base"]]
            return replace(base, id=model_id, label=f"{base.label} ({snapshot['date']})")
        for (pattern, family), origin in zip(self._raw.patterns, self._raw.pattern_origins, strict=True):
            if fnmatchcase(model_id, pattern) and family in self._raw.families:
                values, origins = self._merge(family, {"family": family}, {"family": origin})
                return _caps_from(model_id, values, origins, known=True)
        values, origins = self._merge(None, {"label": model_id}, {})
        return _caps_from(model_id, values, origins, known=False)

    def with_ids(self, ids: Iterable[str], *, keep_all: bool = False) -> CapabilityTable:
        """A copy that also lists ``ids`` (for example from ``GET /v1/models``) that look like image models.

        Ids that are not image models (chat, embeddings, ...) are left out: only ``*image*`` ids
        and ``dall-e*`` are kept, unless ``keep_all`` (the caller has already chosen).
        """
        clone = self._clone()
        keep = [i for i in ids if (keep_all or looks_like_image_model(i)) and i not in self._models]
        clone._extra = tuple(dict.fromkeys((*self._extra, *keep)))
        return clone

    def _clone(self) -> CapabilityTable:
        clone = object.__new__(CapabilityTable)
        clone.__dict__.update(self.__dict__)
        return clone

    def _merge(self, family: str | None, top: Mapping[str, Any], top_origins: Mapping[str, str]
               ) -> tuple[dict[str, Any], dict[str, str]]:
        """Defaults, then the family chain (base first), then ``top``: values and where each came from."""
        layers: list[tuple[Mapping[str, Any], Mapping[str, str]]] = [
            (self._raw.defaults, self._raw.origins.get(("defaults", ""), {}))]
        if family is not None:
            layers += family_layers(self._raw, family)
        layers.append((top, top_origins))
        values: dict[str, Any] = {}
        origins: dict[str, str] = {}
        sources: dict[str, str] = {}
        for layer, layer_origins in layers:
            for key, value in layer.items():
                if key == "sources":
                    sources.update(value)  # notes accumulate: a model adds to its family's
                    continue
                values[key] = value
                origins[key] = layer_origins.get(key, PACKAGED)
        values["sources"] = sources
        return values, origins

    def _resolve_listed(self, model_id: str) -> ModelCaps:
        entry = self._raw.models[model_id]
        values, origins = self._merge(entry.get("family"), entry,
                                      self._raw.origins.get(("model", model_id), {}))
        return _caps_from(model_id, values, origins, known=True)


def load_capabilities(path: Path | None = None) -> CapabilityTable:
    """The capability table from ``path`` or (cached) from the bundled ``resources/models.json``.

    Raises ``TableError`` (a ``ValueError``) naming the file when it is not valid JSON or has
    invalid entries. For the packaged table merged with the user's own file, use
    ``load_user_capabilities``.
    """
    if path is None:
        return _default_table()
    return CapabilityTable(read_packaged(Path(path)))


@cache
def _default_table() -> CapabilityTable:
    return CapabilityTable(read_packaged(DEFAULT_PATH))


def load_user_capabilities(user_file: Path | None) -> CapabilityTable:
    """The packaged table with the user's ``models.json`` merged over it.

    Never raises for the user's file: a missing file changes nothing; an unreadable or malformed
    one, and each bad entry or value in it, becomes a ``TableProblem`` in ``problems`` (naming
    the file and the key) and the rest still applies.
    """
    base = _default_table()
    if user_file is None:
        return base
    path = Path(user_file)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return base
    except (OSError, UnicodeDecodeError) as exc:
        problem = TableProblem(str(path), "(file)", f"cannot be read ({exc}); the packaged table is used")
        return CapabilityTable(base._raw, [problem], path)
    try:
        data = parse_json(text, str(path))
    except TableError as exc:
        problem = TableProblem(str(path), "(file)", f"{str(exc).removeprefix(f'{path}: ')}; "
                               "the packaged table is used")
        return CapabilityTable(base._raw, [problem], path)
    raw, problems = merge_user(base._raw, data, str(path))
    return CapabilityTable(raw, problems, path)
