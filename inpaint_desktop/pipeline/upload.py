"""What is uploaded: the crop and size plan of a photo, and the wire request built from a job."""

from __future__ import annotations

import numpy as np

from inpaint_desktop.api.types import EditRequest, GenerateRequest, ImageFile
from inpaint_desktop.core.compose import Box
from inpaint_desktop.core.geometry import SizePlan, crop_box_for_mask, fit_image, plan_size
from inpaint_desktop.core.imaging import encode_png
from inpaint_desktop.core.mask import encode_api_mask
from inpaint_desktop.core.models import ModelCaps
from inpaint_desktop.pipeline.job import JobSpec


def plan_upload(
    caps: ModelCaps, width: int, height: int, *, size: str | None = None, mask: np.ndarray | None = None,
    crop: bool = False,
) -> tuple[SizePlan, Box]:
    """What will be uploaded of a ``width`` x ``height`` photo: the box sent, and the size plan of it.

    With ``crop`` and a painted mask, the box is the painted area plus context (sent at the model's
    full resolution and pasted back); otherwise the whole photo. Raises ``ValueError`` when no size
    the model accepts can hold it.
    """
    box = (0, 0, width, height)
    if crop and mask is not None and mask.any():
        box = crop_box_for_mask(mask)
    return plan_size(box[2] - box[0], box[3] - box[1], caps, size), box


def _region(array: np.ndarray, box: Box) -> np.ndarray:
    left, top, right, bottom = box
    return array[top:bottom, left:right]


def build_request(spec: JobSpec) -> tuple[EditRequest | GenerateRequest, bytes | None]:
    """The wire request for ``spec`` and the mask PNG that is sent (kept with the results)."""
    p = spec.params
    size = spec.plan.size_param if spec.plan is not None and spec.plan.size_param else p.size
    if spec.kind == "generate":
        return p.generate_request(prompt=spec.prompt, size=size), None
    if spec.image is None or spec.upload_box is None:
        raise ValueError("an edit needs a photo")
    box = spec.upload_box
    if spec.sends_as_is and spec.source_bytes is not None:
        canvas = ImageFile.from_bytes(spec.source_bytes, "image")
    else:
        region = _region(spec.image, box)
        canvas = ImageFile.from_bytes(encode_png(fit_image(region, spec.plan) if spec.plan else region),
                                      "image.png")
    mask_png = None
    if spec.mask is not None:
        region = _region(spec.mask, box)
        mask_png = encode_api_mask(fit_image(region, spec.plan) if spec.plan else region)
    request = p.edit_request(
        images=(canvas, *spec.references), prompt=spec.prompt, size=size,
        mask=ImageFile.from_bytes(mask_png, "mask.png") if mask_png is not None else None,
    )
    return request, mask_png
