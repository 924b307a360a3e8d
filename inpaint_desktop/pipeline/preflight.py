"""The preflight: exactly what Send will upload and what it is estimated to cost, as a value.

A pure function of the photo, the mask and the parameters, so the Send panel only renders it and
tests can check every case without a window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from inpaint_desktop.core.cost import CostEstimate, estimate_edit_cost
from inpaint_desktop.core.models import CapabilityTable
from inpaint_desktop.pipeline.job import EditParams
from inpaint_desktop.pipeline.upload import plan_upload


@dataclass(frozen=True)
class Preflight:
    """``headline`` is the cost line, ``detail`` what is uploaded, ``tooltip`` the token figures.

    ``problem`` is set when the request cannot be sent as it stands (it says why).
    """

    headline: str
    detail: str = ""
    tooltip: str = ""
    problem: str | None = None


def estimate(params: EditParams, table: CapabilityTable, upload: tuple[int, int] | None,
             references: Sequence[tuple[int, int]], prompt: str) -> CostEstimate | None:
    """The cost estimate of an edit, or None when the size or model has no price rule."""
    sizes = ([upload] if upload else []) + list(references)
    try:
        return estimate_edit_cost(
            model=params.model, size=params.size, quality=params.quality, n=params.n,
            partial_images=params.partial_images, input_sizes=sizes, prompt_chars=len(prompt), table=table,
        )
    except ValueError:
        return None


def offline_preflight(photo: tuple[int, int] | None) -> Preflight:
    if photo is None:
        return Preflight("Free (offline)")
    width, height = photo
    return Preflight("Free (offline)", f"Fills the painted area of the {width}x{height} photo on this "
                                       "computer; nothing is uploaded.")


def edit_preflight(
    *, params: EditParams, table: CapabilityTable, photo: tuple[int, int] | None, mask: np.ndarray | None,
    crop: bool, references: Sequence[tuple[int, int]], prompt: str,
) -> Preflight:
    """What an edit with these settings uploads and costs (``photo`` is its width and height)."""
    if photo is None:
        return Preflight("Open a photo to see the cost")
    width, height = photo
    try:
        plan, box = plan_upload(table.get(params.model), width, height, size=params.size, mask=mask,
                                crop=crop)
    except ValueError as exc:
        return Preflight("Cannot send", str(exc), problem=str(exc))
    est = estimate(params, table, plan.upload, references, prompt)
    if est is None or (est.total_usd == 0 and est.note.startswith("no price")):
        headline = "Cost: no price data for this model"
        tip = est.note if est else ""
    else:
        headline = f"Estimated ${est.total_usd:.3f}"
        tip = (f"{est.input_tokens} input + {est.output_tokens} output tokens"
               + (f" ({est.note})" if est.note else ""))
    parts = []
    bw, bh = box[2] - box[0], box[3] - box[1]
    what = f"{bw}x{bh} crop of the photo" if (bw, bh) != (width, height) else "the photo"
    if plan.is_identity:
        parts.append(f"Uploads {what} at {plan.upload[0]}x{plan.upload[1]}")
    else:
        parts.append(f"Uploads {what} fitted to {plan.upload[0]}x{plan.upload[1]} "
                     "(results are mapped back to full size)")
    painted = mask is not None and bool(mask.any())
    parts.append("with the mask" if painted else "without a mask (whole image)")
    if references:
        parts.append(f"+ {len(references)} reference image(s)")
    parts.append(f"× {params.n} variant(s)")
    return Preflight(headline, " ".join(parts) + ".", tip)
