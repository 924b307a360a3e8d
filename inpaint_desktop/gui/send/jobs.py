"""Background jobs: a long-lived worker QObject on a QThread and the GUI-side queue controller.

The GUI thread freezes a ``JobSpec`` and queues it; the worker (one backend instance per worker
thread) encodes, calls the backend, decodes and saves, and reports back with signals that carry the
job id. Results of a cancelled job are dropped by id.
"""

from __future__ import annotations

import itertools
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from inpaint_desktop.api.backend import Backend
from inpaint_desktop.api.errors import ApiError, CancelledError
from inpaint_desktop.api.types import CancelToken, EditRequest, ImageResult, Progress
from inpaint_desktop.core.cost import cost_from_usage
from inpaint_desktop.gui.results.variant import Variant, decode_bytes
from inpaint_desktop.gui.results.variant_store import VariantFiles, release_if_big_job
from inpaint_desktop.gui.send.job_payload import JobSpec, build_request, make_variant
from inpaint_desktop.store.results import ResultsLibrary

BackendFactory = Callable[[], Backend]


class JobState(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class JobOutcome:
    """What a finished job produced."""

    job_id: str
    variants: tuple[Variant, ...]
    result: ImageResult
    backend: str
    elapsed_s: float
    saved_dirs: tuple[str, ...] = ()
    save_error: str | None = None
    cost_usd: float | None = None


@dataclass(frozen=True)
class JobFailure:
    job_id: str
    message: str
    details: str
    request_id: str | None = None


@dataclass
class Job:
    """GUI-side record of one job (mutated only on the GUI thread)."""

    spec: JobSpec
    token: CancelToken = field(default_factory=CancelToken)
    state: JobState = JobState.QUEUED
    started_at: float | None = None
    finished_at: float | None = None
    upload_done: int = 0
    upload_total: int = 0
    status: str = "Queued"
    outcome: JobOutcome | None = None
    failure: JobFailure | None = None

    @property
    def job_id(self) -> str:
        return self.spec.job_id

    def elapsed(self) -> float:
        if self.started_at is None:
            return 0.0
        return (self.finished_at or time.monotonic()) - self.started_at


class JobWorker(QObject):
    """Runs jobs one after another on its own thread. Never touches widgets or QPixmap."""

    started = Signal(str)
    progress = Signal(str, object)  # job id, Progress (bytes only, no image payload)
    partial = Signal(str, int, object)  # job id, index, QImage
    finished = Signal(str, object)  # job id, JobOutcome
    failed = Signal(str, object)  # job id, JobFailure
    cancelled = Signal(str)

    def __init__(self, backend_factory: BackendFactory, library: ResultsLibrary) -> None:
        super().__init__()
        self._factory = backend_factory
        self._backend: Backend | None = None
        self._library = library

    def set_backend_factory(self, factory: BackendFactory) -> None:
        # Called through a queued connection, so it runs on the worker thread between jobs.
        self._close_backend()
        self._factory = factory

    @Slot(object, object)
    def run_job(self, spec: JobSpec, token: CancelToken) -> None:
        job_id = spec.job_id
        if token.cancelled:
            self.cancelled.emit(job_id)
            return
        self.started.emit(job_id)
        t0 = time.monotonic()
        try:
            request, mask_png = build_request(spec)
            token.raise_if_cancelled()
            if self._backend is None:
                self._backend = self._factory()
            backend = self._backend

            def report(p: Progress) -> None:
                if p.kind == "partial" and p.image is not None:
                    self.partial.emit(job_id, p.index, decode_bytes(p.image))
                else:
                    self.progress.emit(job_id, p)

            if isinstance(request, EditRequest):
                result = backend.edit(request, progress=report, cancel=token)
            else:
                result = backend.generate(request, progress=report, cancel=token)
            token.raise_if_cancelled()
            outcome = self._finish(spec, result, mask_png, backend.name, time.monotonic() - t0)
        except CancelledError:
            self.cancelled.emit(job_id)
            return
        except ApiError as exc:
            self.failed.emit(job_id, JobFailure(job_id, str(exc), exc.describe(), exc.request_id))
            return
        except Exception as exc:  # a bug or bad data must not kill the worker thread
            self.failed.emit(job_id, JobFailure(job_id, str(exc) or type(exc).__name__,
                                                traceback.format_exc()))
            return
        if token.cancelled:
            self.cancelled.emit(job_id)
        else:
            self.finished.emit(job_id, outcome)

    def _finish(
        self, spec: JobSpec, result: ImageResult, mask_png: bytes | None, backend: str, elapsed: float
    ) -> JobOutcome:
        variants: list[Variant] = []
        dirs: list[str] = []
        save_error = None
        request_meta: dict[str, object] = {"prompt": spec.prompt, "kind": spec.kind, **spec.params.as_dict()}
        request_meta["reference_count"] = len(spec.references)
        if spec.original_size:
            request_meta["original_size"] = "{}x{}".format(*spec.original_size)
        if spec.plan is not None:
            request_meta["upload_size"] = "{}x{}".format(*spec.plan.upload)
        if spec.cropped:
            request_meta["crop_box"] = list(spec.upload_box or ())
        usage = result.usage.__dict__ if result.usage else None
        cost = _actual_cost(spec.params.model, result)
        response = {
            "request_id": result.request_id, "usage": usage, "created": result.created,
            "size": result.size, "quality": result.quality, "output_format": result.output_format,
            "background": result.background, "backend": backend, "model": spec.params.model,
            "elapsed_s": round(elapsed, 3), "cost_usd": cost,
        }
        for i, data in enumerate(result.images):
            label = result.labels[i] if i < len(result.labels) else ""
            variant, mapped_png, protected_png = make_variant(i, data, spec, label)
            if save_error is None:
                try:
                    meta = {**response, "label": label or None, "drift": variant.drift or None}
                    saved = self._library.save_variant(
                        spec.job_id, i, raw=data, request=request_meta, response=meta,
                        mask_png=mask_png, protected_png=protected_png, mapped_png=mapped_png,
                    )
                    dirs.append(str(saved.directory))
                    # The panel may release the images once they are on disk and read them back from
                    # these files (the library names the full-size file; it exists only when written).
                    files = VariantFiles(saved.raw, saved.fullsize, saved.protected)
                    variant = variant.with_saved(str(saved.directory), files)
                    # Big photos: only the first variant (shown at once) travels with its pixels.
                    release_if_big_job(variant.pixels, index=i, count=len(result.images))
                except OSError as exc:
                    save_error = f"Could not save results to {self._library.root}: {exc}"
            variants.append(variant)
        return JobOutcome(spec.job_id, tuple(variants), result, backend, elapsed, tuple(dirs),
                          save_error, cost)

    @Slot()
    def shutdown(self) -> None:
        self._close_backend()
        self.thread().quit()

    def _close_backend(self) -> None:
        if self._backend is not None:
            try:
                self._backend.close()
            finally:
                self._backend = None


def _actual_cost(model: str, result: ImageResult) -> float | None:
    """Dollars billed for ``result`` from its usage, when the model has price data."""
    if result.usage is None:
        return None
    billed = cost_from_usage(model, result.usage)
    return billed.total_usd if billed is not None else None


class JobQueue(QObject):
    """GUI-thread controller: owns the worker thread, the job records and the id-based filtering."""

    _submit = Signal(object, object)
    _set_factory = Signal(object)
    _shutdown = Signal()

    job_added = Signal(str)
    job_changed = Signal(str)
    job_partial = Signal(str, int, object)
    job_finished = Signal(str, object)
    job_failed = Signal(str, object)
    job_cancelled = Signal(str)

    _ids = itertools.count(1)

    def __init__(
        self, backend_factory: BackendFactory, *, library: ResultsLibrary | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.jobs: dict[str, Job] = {}
        self.library = library or ResultsLibrary()
        self.thread = QThread()
        self.thread.setObjectName("inpaint-job-worker")
        self.worker = JobWorker(backend_factory, self.library)
        self.worker.moveToThread(self.thread)
        self.thread.finished.connect(self.worker.deleteLater)
        self._submit.connect(self.worker.run_job)
        self._set_factory.connect(self.worker.set_backend_factory)
        self._shutdown.connect(self.worker.shutdown)
        self.worker.started.connect(self._on_started)
        self.worker.progress.connect(self._on_progress)
        self.worker.partial.connect(self._on_partial)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self.thread.start()
        self._closed = False
        # Elapsed-time labels need a tick while anything runs.
        self._ticker = QTimer(self)
        self._ticker.setInterval(250)
        self._ticker.timeout.connect(self._tick)

    @staticmethod
    def new_job_id() -> str:
        return time.strftime("%H%M%S") + f"-{next(JobQueue._ids):03d}"

    def set_backend_factory(self, factory: BackendFactory) -> None:
        self._set_factory.emit(factory)

    def submit(self, spec: JobSpec) -> Job:
        if self._closed:
            raise RuntimeError("The job queue is closed.")
        job = Job(spec)
        self.jobs[spec.job_id] = job
        self.job_added.emit(spec.job_id)
        self._submit.emit(spec, job.token)
        self._ticker.start()
        return job

    def cancel(self, job_id: str) -> None:
        job = self.jobs.get(job_id)
        if job is None or job.state not in (JobState.QUEUED, JobState.RUNNING):
            return
        job.token.cancel()
        # Show it at once; late results of this id are dropped below.
        self._mark(job, JobState.CANCELLED, "Cancelled")
        self.job_cancelled.emit(job_id)

    def active(self) -> list[Job]:
        return [j for j in self.jobs.values() if j.state in (JobState.QUEUED, JobState.RUNNING)]

    def close(self, timeout_ms: int = 10_000) -> bool:
        """Cancel everything, stop the worker thread and wait for it (never terminate)."""
        if self._closed:
            return True
        self._closed = True
        self._ticker.stop()
        for job in self.active():
            job.token.cancel()
        self._shutdown.emit()
        return self.thread.wait(timeout_ms)

    # -- worker signals (GUI thread) --
    def _live(self, job_id: str) -> Job | None:
        job = self.jobs.get(job_id)
        if job is None or job.state in (JobState.CANCELLED, JobState.DONE, JobState.FAILED):
            return None
        return job

    def _on_started(self, job_id: str) -> None:
        if job := self._live(job_id):
            job.state = JobState.RUNNING
            job.started_at = time.monotonic()
            job.status = "Preparing upload"
            self.job_changed.emit(job_id)

    def _on_progress(self, job_id: str, p: Progress) -> None:
        if not (job := self._live(job_id)):
            return
        if p.kind == "upload":
            job.upload_done, job.upload_total = p.done, p.total
            pct = 100 * p.done // p.total if p.total else 0
            job.status = f"Uploading {pct}%"
        elif p.kind == "waiting":
            job.status = "Waiting for the server"
        elif p.kind == "download":
            job.status = "Downloading"
        elif p.kind == "retry":
            job.status = f"Retrying in {p.delay_s:.0f} s: {p.message}"
        self.job_changed.emit(job_id)

    def _on_partial(self, job_id: str, index: int, image: object) -> None:
        if job := self._live(job_id):
            job.status = f"Preview {index + 1}"
            self.job_partial.emit(job_id, index, image)
            self.job_changed.emit(job_id)

    def _on_finished(self, job_id: str, outcome: JobOutcome) -> None:
        if job := self._live(job_id):
            job.outcome = outcome
            self._mark(job, JobState.DONE, f"Done: {len(outcome.variants)} variant(s)")
            self.job_finished.emit(job_id, outcome)

    def _on_failed(self, job_id: str, failure: JobFailure) -> None:
        if job := self._live(job_id):
            job.failure = failure
            self._mark(job, JobState.FAILED, f"Failed: {failure.message}")
            self.job_failed.emit(job_id, failure)

    def _on_cancelled(self, job_id: str) -> None:
        if job := self._live(job_id):
            self._mark(job, JobState.CANCELLED, "Cancelled")
            self.job_cancelled.emit(job_id)

    def _mark(self, job: Job, state: JobState, status: str) -> None:
        job.state = state
        job.status = status
        job.finished_at = time.monotonic()
        self.job_changed.emit(job.job_id)
        if not self.active():
            self._ticker.stop()

    def _tick(self) -> None:
        for job in self.active():
            if job.state is JobState.RUNNING:
                self.job_changed.emit(job.job_id)
