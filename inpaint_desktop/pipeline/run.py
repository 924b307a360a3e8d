"""One job from start to finish: encode, call the backend, then decode, map, protect and save each image.

``run_job`` is what the GUI's job worker and the command line both call. It never needs Qt: the
worker turns the arrays it returns into QImages. Cancelling (a ``CancelToken`` triggered from any
thread) stops the call; once images have arrived, they were paid for, so they are still saved as
returned, marked as having arrived after the cancel, while the local work still to do (mapping,
compositing) is skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from inpaint_desktop.api.backend import Backend
from inpaint_desktop.api.errors import ApiError
from inpaint_desktop.api.types import (
    CancelToken,
    EditRequest,
    ImageResult,
    Progress,
    ProgressCallback,
)
from inpaint_desktop.core.cost import cost_from_usage
from inpaint_desktop.pipeline.job import JobSpec
from inpaint_desktop.pipeline.upload import build_request
from inpaint_desktop.pipeline.variants import UndecodableResultError, VariantImages, process_variant
from inpaint_desktop.store.results import SavedVariant


class ResultSink(Protocol):
    """Where results are written (the results library; the command line's output folder)."""

    @property
    def root(self) -> Path: ...

    def save_variant(
        self, job_id: str, index: int, *, raw: bytes, request: dict[str, Any], response: dict[str, Any],
        mask_png: bytes | None = None, protected_png: bytes | None = None, mapped_png: bytes | None = None,
    ) -> SavedVariant: ...


class UndecodableImageError(ApiError):
    """The server answered, but one of its images cannot be decoded."""


@dataclass(frozen=True)
class VariantOutput:
    """One variant as the job produced it: its pixels, how it was made, and where it was saved."""

    images: VariantImages
    label: str = ""
    saved: SavedVariant | None = None
    # True when the image arrived after the user cancelled: it is kept as returned, not mapped.
    after_cancel: bool = False

    @property
    def index(self) -> int:
        return self.images.index


@dataclass(frozen=True)
class JobReport:
    """What a finished job produced."""

    job_id: str
    variants: tuple[VariantOutput, ...]
    result: ImageResult
    backend: str
    elapsed_s: float
    cost_usd: float | None = None
    save_error: str | None = None
    cancelled: bool = False
    # Images of the answer that could not be decoded (each names its variant); they are not results.
    failures: tuple[str, ...] = field(default=())

    @property
    def saved_dirs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(str(v.saved.directory) for v in self.variants if v.saved is not None))


VariantCallback = Callable[[VariantOutput], None]


def actual_cost(model: str, result: ImageResult) -> float | None:
    """Dollars billed for ``result`` from its usage, when the model has price data."""
    if result.usage is None:
        return None
    billed = cost_from_usage(model, result.usage)
    return billed.total_usd if billed is not None else None


def call_backend(
    backend: Backend, spec: JobSpec, *, progress: ProgressCallback | None, cancel: CancelToken,
) -> tuple[ImageResult, bytes | None]:
    """Encode the upload and call the backend; returns its result and the mask PNG that was sent."""
    request, mask_png = build_request(spec)
    cancel.raise_if_cancelled()
    if isinstance(request, EditRequest):
        result = backend.edit(request, progress=progress, cancel=cancel)
    else:
        result = backend.generate(request, progress=progress, cancel=cancel)
    return result, mask_png


def _response_meta(spec: JobSpec, result: ImageResult, backend: str, elapsed: float,
                   cost: float | None) -> dict[str, Any]:
    usage = result.usage.__dict__ if result.usage else None
    return {
        "request_id": result.request_id, "usage": usage, "created": result.created,
        "size": result.size, "quality": result.quality, "output_format": result.output_format,
        "background": result.background, "backend": backend, "model": spec.params.model,
        "elapsed_s": round(elapsed, 3), "cost_usd": cost,
    }


def run_job(
    spec: JobSpec, backend: Backend, *, sink: ResultSink | None, cancel: CancelToken,
    progress: ProgressCallback | None = None, on_variant: VariantCallback | None = None,
) -> JobReport:
    """Run ``spec`` on ``backend`` and save every image to ``sink``.

    Raises ``CancelledError`` when cancelled before any image arrived, the backend's ``ApiError``
    when the call fails, and ``UndecodableImageError`` when no returned image can be decoded; an
    image that cannot be decoded is never saved as a result (the report names it in ``failures``).
    ``on_variant`` is called (on this thread) as each variant is ready, so a caller can hand it on
    and let it go before the next one is decoded.
    """
    t0 = time.monotonic()
    result, mask_png = call_backend(backend, spec, progress=progress, cancel=cancel)
    elapsed = time.monotonic() - t0
    cost = actual_cost(spec.params.model, result)
    response = _response_meta(spec, result, backend.name, elapsed, cost)
    request_meta = spec.request_meta()
    outputs: list[VariantOutput] = []
    failures: list[str] = []
    save_error: str | None = None
    count = len(result.images)
    for i, data in enumerate(result.images):
        label = result.labels[i] if i < len(result.labels) else ""
        if progress is not None:
            progress(Progress("processing", done=i, total=count))
        try:
            # After a cancel the images are still kept (they were paid for), but the local work
            # (mapping, compositing) stops: they are saved as returned.
            images = process_variant(i, data, spec, stop=lambda: cancel.cancelled)
        except UndecodableResultError as exc:
            failures.append(f"variant {i + 1}: {exc}")
            continue
        after_cancel = not images.complete
        saved = None
        if sink is not None and save_error is None:
            meta = {**response, "label": label or None, "drift": images.drift or None}
            if after_cancel:
                meta["arrived_after_cancel"] = True
            try:
                saved = sink.save_variant(
                    spec.job_id, i, raw=data, request=request_meta, response=meta,
                    mask_png=mask_png,
                    protected_png=images.protected_png, mapped_png=images.fullsize_png,
                )
            except OSError as exc:
                save_error = f"Could not save results to {sink.root}: {exc.strerror or exc}"
        output = VariantOutput(images, label, saved, after_cancel)
        if on_variant is not None:
            on_variant(output)
        outputs.append(output)
    if failures and not outputs:
        raise UndecodableImageError("The server's answer holds no image that can be decoded: "
                                    + "; ".join(failures), request_id=result.request_id)
    return JobReport(spec.job_id, tuple(outputs), result, backend.name, elapsed, cost, save_error,
                     cancel.cancelled, tuple(failures))
