"""Background jobs: a long-lived worker QObject on a QThread and the GUI-side queue controller.

The GUI thread freezes a ``JobSpec`` and queues it; the worker (one backend instance per worker
thread) encodes, calls the backend, decodes and saves, and reports back with signals that carry the
job id. Results of a cancelled job are dropped by id.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from inpaint_desktop.api.backend import Backend
from inpaint_desktop.api.errors import ApiError, CancelledError
from inpaint_desktop.api.types import CancelToken, Progress
from inpaint_desktop.core.redaction import redact
from inpaint_desktop.gui.common.vector import decode_generated
from inpaint_desktop.gui.results.variant import Variant, decode_bytes, variant_from_output
from inpaint_desktop.gui.results.variant_store import release_if_big_job
from inpaint_desktop.pipeline.job import JobSpec
from inpaint_desktop.pipeline.run import JobReport, VariantOutput, run_job
from inpaint_desktop.store.ids import new_job_id
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
    """What a finished job produced: the pipeline's report, and its variants as the panel holds them."""

    variants: tuple[Variant, ...]
    report: JobReport

    @property
    def job_id(self) -> str:
        return self.report.job_id


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
        variants: list[Variant] = []
        count = spec.params.n

        def report(p: Progress) -> None:
            if p.kind == "partial" and p.image is not None:
                self.partial.emit(job_id, p.index, decode_bytes(p.image))
            else:
                self.progress.emit(job_id, p)

        def keep(output: VariantOutput) -> None:
            variant = variant_from_output(output)
            if output.saved is not None:
                # Big photos: only the first variant (shown at once) travels with its pixels; the
                # panel reads the others back from their files when they are shown.
                release_if_big_job(variant.pixels, index=output.index, count=count)
            variants.append(variant)

        try:
            if self._backend is None:
                self._backend = self._factory()
            backend = self._backend
            report_ = run_job(spec, backend, sink=self._library, cancel=token, progress=report,
                              on_variant=keep, decode=decode_generated)
        except CancelledError:
            self.cancelled.emit(job_id)
            return
        except ApiError as exc:
            self.failed.emit(job_id, JobFailure(job_id, str(exc), exc.describe(), exc.request_id))
            return
        except Exception as exc:  # a bug or bad data must not kill the worker thread
            self.failed.emit(job_id, JobFailure(job_id, redact(str(exc) or type(exc).__name__),
                                                redact(traceback.format_exc())))
            return
        outcome = JobOutcome(tuple(variants), report_)
        self.finished.emit(job_id, outcome)

    @Slot()
    def remove_stale_temp_files(self) -> None:
        # On this thread, not the GUI's: it lists every job folder of the library.
        self._library.remove_stale_temp_files()

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


class JobQueue(QObject):
    """GUI-thread controller: owns the worker thread, the job records and the id-based filtering."""

    _submit = Signal(object, object)
    _set_factory = Signal(object)
    _shutdown = Signal()
    _clean_up = Signal()

    job_added = Signal(str)
    job_changed = Signal(str)
    job_partial = Signal(str, int, object)
    job_finished = Signal(str, object)
    job_failed = Signal(str, object)
    job_cancelled = Signal(str)

    def __init__(
        self, backend_factory: BackendFactory, *, library: ResultsLibrary | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.jobs: dict[str, Job] = {}
        self.library = library or ResultsLibrary()
        self.worker_thread = QThread()
        self.worker_thread.setObjectName("inpaint-job-worker")
        self.worker = JobWorker(backend_factory, self.library)
        self.worker.moveToThread(self.worker_thread)
        self.worker_thread.finished.connect(self.worker.deleteLater)
        self._submit.connect(self.worker.run_job)
        self._set_factory.connect(self.worker.set_backend_factory)
        self._shutdown.connect(self.worker.shutdown)
        self._clean_up.connect(self.worker.remove_stale_temp_files)
        self.worker.started.connect(self._on_started)
        self.worker.progress.connect(self._on_progress)
        self.worker.partial.connect(self._on_partial)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self.worker_thread.start()
        # What writes killed midway (kill -9, power cut) left in the library goes first, off this thread.
        self._clean_up.emit()
        self._closed = False
        # Elapsed-time labels need a tick while anything runs.
        self._ticker = QTimer(self)
        self._ticker.setInterval(250)
        self._ticker.timeout.connect(self._tick)

    @staticmethod
    def new_job_id() -> str:
        """Unique across app windows, CLI runs and machines, time-ordered (``store.ids``)."""
        return new_job_id()

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
        return self.worker_thread.wait(timeout_ms)

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
        elif p.kind == "processing":
            job.status = f"Saving variant {p.done + 1} of {p.total}"
        self.job_changed.emit(job_id)

    def _on_partial(self, job_id: str, index: int, image: object) -> None:
        if job := self._live(job_id):
            job.status = f"Preview {index + 1}"
            self.job_partial.emit(job_id, index, image)
            self.job_changed.emit(job_id)

    def _on_finished(self, job_id: str, outcome: JobOutcome) -> None:
        if job := self._live(job_id):
            job.outcome = outcome
            failures = outcome.report.failures
            undecodable = f"; {len(failures)} could not be decoded" if failures else ""
            self._mark(job, JobState.DONE, f"Done: {len(outcome.variants)} variant(s){undecodable}")
            self.job_finished.emit(job_id, outcome)
        elif (job := self.jobs.get(job_id)) and job.state is JobState.CANCELLED and outcome.variants:
            # Images that arrived after Cancel were paid for: keep and show them, marked as such.
            job.outcome = outcome
            job.status = f"Cancelled; {len(outcome.variants)} variant(s) arrived anyway and were kept"
            self.job_changed.emit(job_id)
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
