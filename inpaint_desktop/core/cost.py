"""Cost in tokens and dollars: an estimate before sending, the actual figure from ``usage`` after.

Output tokens follow the rule the capability table names for the model: the gpt-image-1 token
table (per quality and size) or the gpt-image-2 formula (quality factor, long and short edge).
Prices are per 1M tokens and come from ``resources/models.json``. Input image tokens have no
official formula: they are estimated with the tile rule vision models use and labelled so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from inpaint_desktop.core.models import CapabilityTable, ModelCaps, load_capabilities, parse_size

_PROMPT_CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class CostEstimate:
    """Tokens and dollars of one call. ``is_estimate`` is False only for figures billed from usage."""

    input_tokens: int
    output_tokens: int
    total_usd: float
    is_estimate: bool
    note: str


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


def _output_tokens_per_image(caps: ModelCaps, size: str | None, quality: str | None,
                             fallback: tuple[int, int] | None) -> tuple[int, list[str]]:
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
    if caps.token_rule == "formula":
        factor = caps.quality_factors.get(q)
        if factor is None:
            raise ValueError(f"{caps.id}: no token rule for quality {q!r}")
        return gpt_image_2_output_tokens(dims[0], dims[1], factor), notes
    if caps.token_rule == "table":
        key = f"{dims[0]}x{dims[1]}"
        table = caps.output_tokens.get(q)
        if table is None:
            raise ValueError(f"{caps.id}: no token table for quality {q!r}")
        if key not in table:
            closest = _closest_table_size(caps, dims[0], dims[1], q)
            if closest is None:
                raise ValueError(f"{caps.id}: empty token table for quality {q!r}")
            notes.append(f"{key} counted as {closest}")
            key = closest
        return int(table[key]), notes
    raise ValueError(f"no price data for model {caps.id}")


def _estimate(
    *, model: str, size: str | None, quality: str | None, n: int, partial_images: int,
    input_sizes: Sequence[tuple[int, int]], prompt_chars: int, table: CapabilityTable | None,
) -> CostEstimate:
    caps = (table or load_capabilities()).get(model)
    if not caps.has_prices:
        return CostEstimate(0, 0, 0.0, True, f"no price data for model {model}")
    if n < 1:
        raise ValueError(f"n must be at least 1 (got {n})")
    fallback = tuple(input_sizes[0]) if input_sizes else None
    per_image, notes = _output_tokens_per_image(caps, size, quality, fallback)  # type: ignore[arg-type]
    # Each streamed partial preview costs about this many extra output tokens per image.
    output_tokens = n * (per_image + max(0, partial_images) * caps.partial_image_tokens)
    text_tokens = math.ceil(max(0, prompt_chars) / _PROMPT_CHARS_PER_TOKEN)
    image_tokens = sum(estimate_input_image_tokens(w, h) for w, h in input_sizes)
    usd = (text_tokens * caps.price_text_in + image_tokens * caps.price_image_in
           + output_tokens * caps.price_image_out) / 1_000_000
    if image_tokens:
        notes.append(f"input image tokens ({image_tokens}) are an estimate")
    return CostEstimate(text_tokens + image_tokens, output_tokens, usd, True, "; ".join(notes))


def estimate_edit_cost(
    *, model: str, size: str | None, quality: str | None, n: int = 1, partial_images: int = 0,
    input_sizes: Sequence[tuple[int, int]] = (), prompt_chars: int = 0,
    table: CapabilityTable | None = None,
) -> CostEstimate:
    """Estimated cost of an edit; ``size`` None/``auto`` counts the first input's size."""
    return _estimate(model=model, size=size, quality=quality, n=n, partial_images=partial_images,
                     input_sizes=input_sizes, prompt_chars=prompt_chars, table=table)


def estimate_generate_cost(
    *, model: str, size: str | None, quality: str | None, n: int = 1, partial_images: int = 0,
    prompt_chars: int = 0, table: CapabilityTable | None = None,
) -> CostEstimate:
    """Estimated cost of a generation (``size`` None/``auto`` counts as 1024x1024)."""
    return _estimate(model=model, size=size, quality=quality, n=n, partial_images=partial_images,
                     input_sizes=(), prompt_chars=prompt_chars, table=table)


def cost_from_usage(model: str, usage: object, table: CapabilityTable | None = None) -> CostEstimate | None:
    """The billed cost from a response's ``usage`` (any object with the token attributes).

    None when the model has no price data. When the server does not split input tokens into
    text and image, all input is priced as image input (the dearer rate) and marked an estimate.
    """
    caps = (table or load_capabilities()).get(model)
    if not caps.has_prices or usage is None:
        return None
    input_tokens = int(getattr(usage, "input_tokens", 0) or 0)
    output_tokens = int(getattr(usage, "output_tokens", 0) or 0)
    text = getattr(usage, "input_text_tokens", None)
    image = getattr(usage, "input_image_tokens", None)
    if text is None and image is None:
        usd = (input_tokens * caps.price_image_in + output_tokens * caps.price_image_out) / 1_000_000
        return CostEstimate(input_tokens, output_tokens, usd, True,
                            "input tokens not split by the server; priced as image input")
    text_n, image_n = int(text or 0), int(image or 0)
    usd = (text_n * caps.price_text_in + image_n * caps.price_image_in
           + output_tokens * caps.price_image_out) / 1_000_000
    return CostEstimate(input_tokens or text_n + image_n, output_tokens, usd, False, "from usage")
