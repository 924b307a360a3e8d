"""Cost in tokens and dollars: an estimate before sending, the actual figure from ``usage`` after.

Output tokens follow the rule the capability table names for the model: the gpt-image-1 token
table (per quality and size) or the gpt-image-2 formula (quality factor, long and short edge).
Prices are per 1M tokens and come from ``resources/models.json``. Input image tokens have no
official formula: they are estimated with the tile rule vision models use and labelled so.

A cost that cannot be known is said to be unknown, never shown as $0: a model with no price or
token rule gives ``unknown``; a quality with no token rule of its own (``xhigh``, ``max``) gives a
lower bound from the quality the table names as its floor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from inpaint_desktop.core.models import CapabilityTable, ModelCaps, load_capabilities, parse_size

_PROMPT_CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class CostEstimate:
    """Tokens and dollars of one call. ``is_estimate`` is False only for figures billed from usage.

    ``unknown`` says why no figure can be given (a paid model whose price or token rule is not
    known); ``total_usd`` then means nothing and is 0. ``open_ended`` marks ``total_usd`` as a lower
    bound: part of the cost (a quality with no token rule, text output at an unknown rate) is unknown.
    """

    input_tokens: int
    output_tokens: int
    total_usd: float
    is_estimate: bool
    note: str
    unknown: str = ""
    open_ended: bool = False

    @property
    def amount_text(self) -> str:
        """``$0.211``, ``at least $0.211`` or ``unknown``: never ``$0.00`` for a cost that is not known."""
        if self.unknown:
            return "unknown"
        return f"at least ${self.total_usd:.3f}" if self.open_ended else f"${self.total_usd:.3f}"

    @property
    def explanation(self) -> str:
        """Why the figure is what it is (the reason it is unknown, or the notes of the estimate)."""
        return self.unknown or self.note


def unknown_cost(reason: str) -> CostEstimate:
    return CostEstimate(0, 0, 0.0, True, "", unknown=reason)


def gpt_image_2_output_tokens(width: int, height: int, factor: int) -> int:
    """Output tokens per image by the gpt-image-2 formula (1024x1024: 196/1756/7024 for 16/48/96)."""
    long_edge, short_edge = max(width, height), min(width, height)
    s = (2 * factor * short_edge + long_edge) // (2 * long_edge)
    return math.ceil(factor * s * (2_000_000 + width * height) / 4_000_000)


def estimate_input_image_tokens(width: int, height: int) -> int:
    """An estimate (no official formula): fit in 2048, short side to 768, 170 per 512 tile + 85."""
    scale = min(1.0, 2048 / max(width, height))
    w, h = width * scale, height * scale
    scale = min(1.0, 768 / min(w, h))
    w, h = w * scale, h * scale
    tiles = math.ceil(w / 512) * math.ceil(h / 512)
    return 85 + 170 * tiles


def _closest_table_size(caps: ModelCaps, width: int, height: int, quality: str) -> str | None:
    table = caps.output_tokens.get(quality, {})
    candidates = [(parse_size(s), s) for s in table]
    valid = [(p, s) for p, s in candidates if p is not None]
    if not valid:
        return None
    aspect = math.log(width / height)
    return min(valid, key=lambda ps: abs(math.log(ps[0][0] / ps[0][1]) - aspect))[1]


class _Unknown(Exception):
    """No figure can be given; the message says why."""


def _rule_tokens(caps: ModelCaps, quality: str, dims: tuple[int, int], notes: list[str]) -> int | None:
    """Output tokens per image by the model's rule, or None when the rule has nothing for ``quality``."""
    if caps.token_rule == "formula":
        factor = caps.quality_factors.get(quality)
        return None if factor is None else gpt_image_2_output_tokens(dims[0], dims[1], factor)
    if caps.token_rule == "table":
        table = caps.output_tokens.get(quality)
        if not table:
            return None
        key = f"{dims[0]}x{dims[1]}"
        if key not in table:
            closest = _closest_table_size(caps, dims[0], dims[1], quality)
            if closest is None:
                return None
            notes.append(f"{key} counted as {closest}")
            key = closest
        return int(table[key])
    raise _Unknown(f"no token rule for {caps.id} in the model table")


def _output_tokens_per_image(caps: ModelCaps, size: str | None, quality: str | None,
                             fallback: tuple[int, int] | None) -> tuple[int, list[str], bool]:
    """Tokens per image, notes, and whether the figure is only a lower bound."""
    notes: list[str] = []
    q = quality or "auto"
    if q == "auto":
        q = caps.auto_quality
        notes.append(f"quality auto counted as {q}")
    dims = parse_size(size) if size and size != "auto" else None
    if dims is None:
        dims = fallback or (1024, 1024)
        if fallback is None:
            notes.append("size auto counted as 1024x1024")
    tokens = _rule_tokens(caps, q, dims, notes)
    if tokens is not None:
        return tokens, notes, False
    floor = caps.quality_floor.get(q)
    tokens = _rule_tokens(caps, floor, dims, notes) if floor else None
    if tokens is None:
        raise _Unknown(f"no token rule for quality {q!r} of {caps.id}")
    notes.append(f"quality {q} has no published token rule: counted from the {floor} figure upwards")
    return tokens, notes, True


def _estimate(
    *, model: str, size: str | None, quality: str | None, n: int, partial_images: int,
    input_sizes: Sequence[tuple[int, int]], prompt_chars: int, table: CapabilityTable | None,
    complexity: str | None = None,
) -> CostEstimate:
    caps = (table or load_capabilities()).get(model)
    if n < 1:
        raise ValueError(f"n must be at least 1 (got {n})")
    if caps.price_image_out is None:
        return unknown_cost(f"no price for {model} in the model table")
    fallback = tuple(input_sizes[0]) if input_sizes else None
    try:
        per_image, notes, open_ended = _output_tokens_per_image(caps, size, quality, fallback)  # type: ignore[arg-type]
    except _Unknown as exc:
        return unknown_cost(str(exc))
    if caps.sources.get("token_rule", "").startswith("estimate"):
        rule = "gpt-image-2's formula" if caps.token_rule == "formula" else "gpt-image-1's token table"
        notes.append(f"no token rule is published for {caps.family}; estimated with {rule}")
    if complexity is not None or caps.complexities:
        notes.append(f"complexity {complexity or 'high (default)'}: its effect on the price is not published")
    # Each streamed partial preview costs about this many extra output tokens per image.
    output_tokens = n * (per_image + max(0, partial_images) * caps.partial_image_tokens)
    text_tokens = math.ceil(max(0, prompt_chars) / _PROMPT_CHARS_PER_TOKEN)
    image_tokens = sum(estimate_input_image_tokens(w, h) for w, h in input_sizes)
    usd = output_tokens * caps.price_image_out / 1_000_000
    for tokens, price, what in ((text_tokens, caps.price_text_in, "text input"),
                                (image_tokens, caps.price_image_in, "image input")):
        if tokens and price is None:
            open_ended = True
            notes.append(f"{what} at an unknown rate is not counted")
        elif tokens and price is not None:
            usd += tokens * price / 1_000_000
    if image_tokens:
        notes.append(f"input image tokens ({image_tokens}) are an estimate")
    return CostEstimate(text_tokens + image_tokens, output_tokens, usd, True, "; ".join(notes),
                        open_ended=open_ended)


def estimate_edit_cost(
    *, model: str, size: str | None, quality: str | None, n: int = 1, partial_images: int = 0,
    input_sizes: Sequence[tuple[int, int]] = (), prompt_chars: int = 0,
    table: CapabilityTable | None = None, complexity: str | None = None,
) -> CostEstimate:
    """Estimated cost of an edit; ``size`` None/``auto`` counts the first input's size."""
    return _estimate(model=model, size=size, quality=quality, n=n, partial_images=partial_images,
                     input_sizes=input_sizes, prompt_chars=prompt_chars, table=table, complexity=complexity)


def estimate_generate_cost(
    *, model: str, size: str | None, quality: str | None, n: int = 1, partial_images: int = 0,
    prompt_chars: int = 0, table: CapabilityTable | None = None, complexity: str | None = None,
) -> CostEstimate:
    """Estimated cost of a generation (``size`` None/``auto`` counts as 1024x1024)."""
    return _estimate(model=model, size=size, quality=quality, n=n, partial_images=partial_images,
                     input_sizes=(), prompt_chars=prompt_chars, table=table, complexity=complexity)


def _tokens(usage: object, name: str) -> int | None:
    value = getattr(usage, name, None)
    return None if value is None else int(value)


def cost_from_usage(model: str, usage: object, table: CapabilityTable | None = None) -> CostEstimate | None:
    """The billed cost from a response's ``usage`` (any object with the token attributes).

    None when the model's prices are unknown. When the server does not split input tokens into
    text and image, all input is priced as image input (the dearer rate) and marked an estimate.
    Output is split into image and text tokens when the server says so (newer models bill text
    output); text output at an unknown rate makes the figure a lower bound (``open_ended``).
    """
    caps = (table or load_capabilities()).get(model)
    if usage is None or caps.price_image_out is None:
        return None
    input_tokens = _tokens(usage, "input_tokens") or 0
    output_tokens = _tokens(usage, "output_tokens") or 0
    text, image = _tokens(usage, "input_text_tokens"), _tokens(usage, "input_image_tokens")
    out_text, out_image = _tokens(usage, "output_text_tokens"), _tokens(usage, "output_image_tokens")
    notes: list[str] = []
    is_estimate = open_ended = False
    if text is None and image is None:
        text, image = 0, input_tokens
        is_estimate = True
        notes.append("input tokens not split by the server; priced as image input")
    if out_text is None and out_image is None:
        out_text, out_image = 0, output_tokens
    usd = 0.0
    for tokens, price, what in ((text or 0, caps.price_text_in, "text input"),
                                (image or 0, caps.price_image_in, "image input"),
                                (out_image or 0, caps.price_image_out, "image output"),
                                (out_text or 0, caps.price_text_out, "text output")):
        if tokens and price is None:
            open_ended = True
            notes.append(f"{tokens} {what} tokens at an unknown rate are not counted")
        elif tokens and price is not None:
            usd += tokens * price / 1_000_000
    return CostEstimate(input_tokens or (text or 0) + (image or 0), output_tokens, usd, is_estimate,
                        "; ".join(notes) or "from usage", open_ended=open_ended)
