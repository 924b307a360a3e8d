"""``LocalBackend``: the built-in offline engine behind the ``Backend`` protocol.

It fills the painted regions from their surroundings (classical inpainting, see ``engine.inpaint``)
and does not follow the prompt. The request's ``model`` picks the method; ids it does not know (an
online model such as ``gpt-image-2``) get the default method, so the app's default model works offline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from inpaint_desktop.api.errors import UnsupportedOperationError, ValidationError
from inpaint_desktop.api.types import (
    CancelToken,
    EditRequest,
    GenerateRequest,
    ImageResult,
    ModelInfo,
    Progress,
    ProgressCallback,
)
from inpaint_desktop.engine import codec
from inpaint_desktop.engine.inpaint import METHODS, Variant, fill, plan_variants, resolve_method

NAME = "Built-in offline engine"
GENERATION_UNSUPPORTED = (
    "Image generation is not supported offline: generation needs a generative backend. The built-in "
    "engine only fills painted regions of an existing picture; configure an OpenAI-compatible backend "
    "(API key or base URL) to generate images."
)
MISSING_MASK = (
    "The offline engine fills only painted regions: send a mask (PNG with alpha 0 where to fill) with "
    "the image."
)


@dataclass(frozen=True)
class PreparedEdit:
    """A decoded and checked edit, ready to run: what the server checks before it answers 200."""

    picture: np.ndarray
    hole: np.ndarray
    options: codec.OutputOptions
    background: str
    plan: tuple[tuple[Variant, str], ...]

    @property
    def size_text(self) -> str:
        w, h = self.options.size or (self.picture.shape[1], self.picture.shape[0])
        return f"{w}x{h}"


def prepare_edit(request: EditRequest) -> PreparedEdit:
    """Decode images[0] and the mask and check every option; ``ValidationError`` names what is wrong."""
    if not request.images:
        raise ValidationError("Send an image to edit.", status=400, code="missing_required_parameter",
                              param="image", type="invalid_request_error")
    options = codec.check_options(n=request.n, size=request.size, output_format=request.output_format,
                                  output_compression=request.output_compression,
                                  background=request.background, quality=request.quality)
    if request.mask is None:
        raise ValidationError(MISSING_MASK, status=400, code="missing_required_parameter", param="mask",
                              type="invalid_request_error")
    picture = codec.decode_image(request.images[0].data, "image")
    hole = codec.decode_mask(request.mask.data, picture.shape[:2])
    if not hole.any():
        raise ValidationError("The mask has no fully transparent pixels (alpha 0), so there is nothing "
                              "to fill: paint the region to replace.", status=400, code="invalid_value",
                              param="mask", type="invalid_request_error")
    if hole.all():
        raise ValidationError("The mask covers the whole image: the offline engine fills regions from "
                              "their surroundings and needs some unpainted pixels.", status=400,
                              code="invalid_value", param="mask", type="invalid_request_error")
    background = codec.resolve_background(options.background, picture, options.output_format)
    plan = tuple(plan_variants(resolve_method(request.model).id, options.n))
    return PreparedEdit(picture, hole, options, background, plan)


def run_variant(prepared: PreparedEdit, index: int, check: Callable[[], None],
                notes: list[str] | None = None) -> bytes:
    """Fill and encode variant ``index`` of a prepared edit (``notes``: see ``inpaint.fill``)."""
    variant, _label = prepared.plan[index]
    return codec.encode(fill(prepared.picture, prepared.hole, variant, check, notes), prepared.options,
                        prepared.background)


def preview(prepared: PreparedEdit, step: int, steps: int) -> bytes:
    """A coarse preview for streaming: the fill solved on a picture 2^(steps-step) times smaller.

    Cheap (a few ms) and honest: it is the default fill at lower resolution, pasted over the
    original outside the hole.
    """
    import cv2

    factor = 2 ** (steps - step)
    h, w = prepared.hole.shape
    small_size = (max(1, w // factor), max(1, h // factor))
    small = cv2.resize(prepared.picture, small_size, interpolation=cv2.INTER_AREA)
    small_hole = cv2.resize(prepared.hole.astype(np.uint8), small_size, interpolation=cv2.INTER_NEAREST) > 0
    small_hole |= ~(cv2.resize((~prepared.hole).astype(np.float32), small_size,
                               interpolation=cv2.INTER_AREA) > 0.999)
    if small_hole.all() or not small_hole.any():
        filled = small
    else:
        filled = fill(small, small_hole, Variant("harmonic"))
    up = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR)
    if up.ndim == 2:
        up = up[:, :, None]
    out = np.where(prepared.hole[:, :, None], up, prepared.picture)
    return codec.encode(out, prepared.options, prepared.background)


class LocalBackend:
    """The built-in offline engine (no network, no account). Thread-safe: it holds no state."""

    name = NAME

    def edit(
        self,
        request: EditRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> ImageResult:
        started = time.perf_counter()
        report = progress or (lambda _p: None)
        check = cancel.raise_if_cancelled if cancel is not None else (lambda: None)
        check()
        report(Progress(kind="waiting", message="Reading the image and the mask"))
        prepared = prepare_edit(request)
        total = len(prepared.plan)
        partials = min(request.partial_images or 0, 3) if request.stream else 0
        for step in range(partials):
            check()
            report(Progress(kind="partial", index=step, image=preview(prepared, step, partials)))
        images: list[bytes] = []
        labels: list[str] = []
        done: dict[Variant, bytes] = {}
        for index, (variant, label) in enumerate(prepared.plan):
            check()
            report(Progress(kind="waiting", done=index, total=total,
                            message=f"Filling variant {index + 1} of {total}: {label}"))
            # The engine is deterministic: a repeated variant (labelled as such) is the same picture.
            if variant not in done:
                notes: list[str] = []
                done[variant] = run_variant(prepared, index, check, notes)
                label = "; ".join([label, *notes])
            image = done[variant]
            # Different methods can agree (a fallback, a hole too thin to differ): say so.
            same = next((j for j in range(index) if images[j] == image), None)
            if same is not None and "duplicate of variant" not in label:
                label += f" (the same picture as variant {same + 1})"
            images.append(image)
            labels.append(label)
        check()
        return ImageResult(
            images=tuple(images),
            created=int(time.time()),
            usage=None,
            size=prepared.size_text,
            quality=prepared.options.quality,
            output_format=prepared.options.output_format,
            background=prepared.background,
            labels=tuple(labels),
            elapsed_s=time.perf_counter() - started,
        )

    def generate(
        self,
        request: GenerateRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> ImageResult:
        raise UnsupportedOperationError(GENERATION_UNSUPPORTED, code="unsupported_operation",
                                        param="model", type="invalid_request_error")

    def list_models(self) -> list[ModelInfo]:
        return [ModelInfo(id=m.id, owned_by="inpaint-desktop", description=f"{m.title}: {m.description}")
                for m in METHODS.values()]

    def close(self) -> None:
        return None
