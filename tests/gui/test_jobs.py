from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QThread

from inpaint_desktop.api.errors import ServerError
from inpaint_desktop.api.types import CancelToken, EditRequest, ImageResult, Usage
from inpaint_desktop.gui.send.jobs import JobQueue, JobState
from inpaint_desktop.pipeline.job import EditParams, JobSpec
from inpaint_desktop.store.results import ResultsLibrary
from tests.gui.fake_backends import EditOnlyBackend


class RecordingBackend(EditOnlyBackend):
    """A Backend that returns the uploaded canvas inverted, after ``delay`` seconds (cancellable)."""

    name = "recording"

    def __init__(self, delay: float = 0.0, fail: bool = False) -> None:
        self.delay, self.fail, self.seen = delay, fail, []

    def edit(self, request: EditRequest, *, progress=None, cancel: CancelToken | None = None) -> ImageResult:
        self.seen.append(request.prompt)
        delay = self.delay if request.prompt == "slow" or self.delay < 1 else 0
        if cancel is not None and cancel.wait(delay):
            cancel.raise_if_cancelled()
        if self.fail:
            raise ServerError("The server had an error.", status=500, request_id="req_abc")
        img = Image.open(io.BytesIO(request.images[0].data)).convert("RGB")
        out = Image.fromarray(255 - np.asarray(img))
        buf = io.BytesIO()
        out.save(buf, "PNG")
        return ImageResult(images=(buf.getvalue(),), usage=Usage(1, 2, 3), request_id="req_ok")



def _spec(prompt: str) -> JobSpec:
    image = np.full((32, 48, 3), 100, np.uint8)
    mask = np.zeros((32, 48), np.uint8)
    mask[4:28, 6:42] = 255
    return JobSpec(JobQueue.new_job_id(), "edit", prompt, EditParams(model="gpt-image-2"), image, mask)


@pytest.fixture
def queue_factory(qtbot, tmp_path: Path):
    queues: list[JobQueue] = []

    def make(backend) -> JobQueue:
        q = JobQueue(lambda: backend, library=ResultsLibrary(tmp_path))
        queues.append(q)
        return q

    yield make
    for q in queues:
        assert q.close()
        assert not q.worker_thread.isRunning()


def test_jobs_run_in_submission_order_and_save(qtbot, queue_factory, tmp_path: Path) -> None:
    backend = RecordingBackend()
    q = queue_factory(backend)
    done: list[str] = []
    q.job_finished.connect(lambda job_id, outcome: done.append(job_id))
    specs = [_spec(f"p{i}") for i in range(3)]
    for s in specs:
        q.submit(s)
    qtbot.waitUntil(lambda: len(done) == 3, timeout=5000)
    assert done == [s.job_id for s in specs]
    assert backend.seen == ["p0", "p1", "p2"]
    outcome = q.jobs[specs[0].job_id].outcome
    assert outcome is not None and outcome.report.save_error is None
    variant = outcome.variants[0]
    # Protected composite: original outside the mask, result inside.
    prot = variant.protected
    assert prot is not None
    assert prot.pixelColor(0, 0).red() == 100 and prot.pixelColor(24, 16).red() == 155
    files = sorted(p.name for p in Path(outcome.report.saved_dirs[0]).iterdir())
    assert files == ["mask.png", "variant-0-protected.png", "variant-0.json", "variant-0.png"]
    mask = np.asarray(Image.open(Path(outcome.report.saved_dirs[0]) / "mask.png"))
    assert mask[0, 0, 3] == 255 and mask[16, 24, 3] == 0  # alpha 0 = edit


def test_cancel_running_job_within_one_second_and_drop_late_result(qtbot, queue_factory) -> None:
    q = queue_factory(RecordingBackend(delay=30))
    spec = _spec("slow")
    job = q.submit(spec)
    qtbot.waitUntil(lambda: job.state is JobState.RUNNING, timeout=3000)
    finished: list[str] = []
    q.job_finished.connect(lambda job_id, _o: finished.append(job_id))
    t0 = time.monotonic()
    q.cancel(spec.job_id)
    nxt = q.submit(_spec("after"))
    qtbot.waitUntil(lambda: nxt.state is JobState.DONE, timeout=3000)
    assert time.monotonic() - t0 < 1.0 + 0.5
    assert job.state is JobState.CANCELLED and finished == [nxt.job_id]


def test_failure_carries_request_id(qtbot, queue_factory) -> None:
    q = queue_factory(RecordingBackend(fail=True))
    with qtbot.waitSignal(q.job_failed, timeout=5000) as blocker:
        q.submit(_spec("boom"))
    failure = blocker.args[1]
    assert failure.request_id == "req_abc" and "req_abc" in failure.details


def test_close_leaves_no_thread_running(qtbot, tmp_path: Path) -> None:
    q = JobQueue(lambda: RecordingBackend(delay=30), library=ResultsLibrary(tmp_path))
    job = q.submit(_spec("slow"))
    qtbot.waitUntil(lambda: job.state is JobState.RUNNING, timeout=3000)
    assert q.close(3000)
    assert not q.worker_thread.isRunning()
    assert isinstance(q.worker_thread, QThread)


def test_unwritable_results_dir_is_reported_and_result_still_shown(qtbot, tmp_path: Path) -> None:
    library = ResultsLibrary(tmp_path, session_date="blocked")
    (tmp_path / "blocked").write_bytes(b"a file where the session folder should be")
    q = JobQueue(lambda: RecordingBackend(), library=library)
    try:
        with qtbot.waitSignal(q.job_finished, timeout=5000) as blocker:
            q.submit(_spec("x"))
        outcome = blocker.args[1]
        assert outcome.report.save_error and "Could not save" in outcome.report.save_error
        assert len(outcome.variants) == 1 and outcome.variants[0].protected is not None
        # The queue keeps working after the failure.
        with qtbot.waitSignal(q.job_finished, timeout=5000):
            q.submit(_spec("y"))
    finally:
        assert q.close()


class _GatedLibrary(ResultsLibrary):
    """The real library, whose first write waits until the test lets it go (the test cancels meanwhile)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        import threading

        self.writing = threading.Event()
        self.go_on = threading.Event()

    def save_variant(self, job_id, index, **kwargs):  # type: ignore[no-untyped-def]
        if index == 0:
            self.writing.set()
            assert self.go_on.wait(20)
        return super().save_variant(job_id, index, **kwargs)


def test_results_that_arrive_after_cancel_are_kept_shown_and_marked(qtbot, tmp_path: Path) -> None:
    from inpaint_desktop.engine.backend import LocalBackend
    from inpaint_desktop.gui.results.panel import ResultsStrip
    from inpaint_desktop.gui.results.variant import AFTER_CANCEL_LABEL

    library = _GatedLibrary(tmp_path)
    q = JobQueue(LocalBackend, library=library)
    try:
        spec = JobSpec(JobQueue.new_job_id(), "edit", "", EditParams(model="offline-harmonic", n=2),
                       _spec("x").image, _spec("x").mask)
        q.submit(spec)
        qtbot.waitUntil(library.writing.is_set, timeout=20000)  # the answer is in, being saved
        q.cancel(spec.job_id)
        assert q.jobs[spec.job_id].state is JobState.CANCELLED
        with qtbot.waitSignal(q.job_finished, timeout=20000) as blocker:
            library.go_on.set()
        outcome = blocker.args[1]
        # Both images were paid for: both are kept; the one still to be mapped is kept as returned.
        assert len(outcome.variants) == 2 and outcome.report.cancelled
        assert outcome.variants[1].label.startswith(AFTER_CANCEL_LABEL)
        assert all(v.files is not None and v.files.raw.exists() for v in outcome.variants)
        assert "arrived anyway and were kept" in q.jobs[spec.job_id].status
        strip = ResultsStrip()
        qtbot.addWidget(strip)
        strip.add_variants(spec.job_id, outcome.variants, None, "")
        strip.select_entry(1)
        assert AFTER_CANCEL_LABEL in strip.which.text()
    finally:
        library.go_on.set()
        assert q.close(10000)
