"""The job list says when a returned image could not be decoded (loopback server, real queue)."""

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
            assert job.outcome is not None and job.outcome.failures[0].startswith("variant 2: ")
    finally:
        assert queue.close()


def test_job_ids_come_from_the_store(qtbot) -> None:
    first, second = JobQueue.new_job_id(), JobQueue.new_job_id()
    assert first < second and len(first.split("-")) == 4
