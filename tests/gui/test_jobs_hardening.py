"""The job queue against the loopback server: images that do not decode are named on the job; job ids
come from the store; what a killed process left in the results library is cleaned at start."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from inpaint_desktop.api.client import OpenAIBackend
from inpaint_desktop.api.config import ApiConfig
from inpaint_desktop.gui.send.jobs import JobQueue, JobState
from inpaint_desktop.pipeline.job import EditParams, JobSpec
from inpaint_desktop.store.results import ResultsLibrary
from tests.api.fake_server import FakeImagesServer, serve
from tests.processes import frozen_writer


@pytest.fixture
def server() -> Iterator[FakeImagesServer]:
    yield from serve()


def _spec(n: int) -> JobSpec:
    image = np.full((16, 16, 3), 90, np.uint8)
    mask = np.zeros((16, 16), np.uint8)
    mask[2:8, 2:8] = 255
    return JobSpec(JobQueue.new_job_id(), "edit", "p", EditParams(model="gpt-image-2", n=n), image, mask)


@pytest.mark.parametrize(("mode", "n", "state", "words"), [
    ("png_garbage", 1, JobState.FAILED, "variant 1: the returned image cannot be decoded"),
    ("second_garbage", 2, JobState.DONE, "Done: 1 variant(s); 1 could not be decoded"),
])
def test_the_job_says_which_image_did_not_decode(qtbot, server: FakeImagesServer, tmp_path: Path, mode: str,
                                                  n: int, state: JobState, words: str) -> None:
    server.script(mode)
    queue = JobQueue(lambda: OpenAIBackend(ApiConfig(api_key="test-key-gui", base_url=server.url)),
                     library=ResultsLibrary(tmp_path))
    try:
        job = queue.submit(_spec(n))
        qtbot.waitUntil(lambda: job.state not in (JobState.QUEUED, JobState.RUNNING), timeout=15_000)
        assert job.state is state and words in job.status, job.status
        if state is JobState.DONE:
            assert job.outcome is not None and job.outcome.report.failures[0].startswith("variant 2: ")
    finally:
        assert queue.close()


def test_job_ids_come_from_the_store(qtbot) -> None:
    first, second = JobQueue.new_job_id(), JobQueue.new_job_id()
    assert first < second and len(first.split("-")) == 4


def test_a_new_queue_removes_what_a_killed_process_left_in_the_library(qtbot, tmp_path: Path) -> None:
    library = ResultsLibrary(tmp_path, session_date="2026-11-30")
    killed = frozen_writer(library.job_dir("20261130-101010-000-aaaaaaaa") / "variant-0.png")
    killed.kill()
    killed.communicate(timeout=10)
    [left] = tmp_path.rglob(".variant-0.png.*.tmp")
    queue = JobQueue(lambda: OpenAIBackend(ApiConfig(api_key="unused-key-0000")), library=library)
    try:
        qtbot.waitUntil(lambda: not left.exists(), timeout=10_000)  # on the worker thread
    finally:
        assert queue.close()
