"""Answers whose images do not all decode, through the pipeline (the GUI's path) and the job queue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from inpaint_desktop.api.client import OpenAIBackend
from inpaint_desktop.api.config import ApiConfig
from inpaint_desktop.api.types import CancelToken
from inpaint_desktop.pipeline.job import EditParams, JobSpec
from inpaint_desktop.pipeline.run import UndecodableImageError, run_job
from inpaint_desktop.store.results import ResultsLibrary
from tests.api.fake_server import RESULT_PNG, FakeImagesServer, serve


@pytest.fixture
def server() -> Iterator[FakeImagesServer]:
    yield from serve()


@pytest.fixture
def backend(server: FakeImagesServer) -> Iterator[OpenAIBackend]:
    client = OpenAIBackend(ApiConfig(api_key="test-key-undecodable", base_url=server.url))
    yield client
    client.close()


def _spec(n: int = 2, *, stream: bool = False) -> JobSpec:
    image = np.full((16, 16, 3), 90, np.uint8)
    mask = np.zeros((16, 16), np.uint8)
    mask[2:8, 2:8] = 255
    return JobSpec("job-u", "edit", "p", EditParams(model="gpt-image-2", n=n, partial_images=int(stream)),
                   image, mask)


def test_the_image_that_decodes_is_kept_and_the_other_is_named(
    server: FakeImagesServer, backend: OpenAIBackend, tmp_path: Path
) -> None:
    server.script("second_garbage")
    library = ResultsLibrary(tmp_path)
    report = run_job(_spec(), backend, sink=library, cancel=CancelToken())
    assert [v.index for v in report.variants] == [0]
    saved = report.variants[0].saved
    assert saved is not None and saved.raw.read_bytes() == RESULT_PNG
    assert len(report.failures) == 1 and report.failures[0].startswith("variant 2: ")
    assert "cannot be decoded" in report.failures[0] and "BytesIO" not in report.failures[0]
    assert sorted(p.name for p in saved.directory.iterdir() if p.suffix == ".json") == ["variant-0.json"]
    assert json.loads(saved.sidecar.read_text())["index"] == 0


@pytest.mark.parametrize("mode", ["png_garbage", "jpeg_zeros", "sse_garbage"])
def test_an_answer_with_no_image_that_decodes_fails_naming_the_variant(
    server: FakeImagesServer, backend: OpenAIBackend, tmp_path: Path, mode: str
) -> None:
    server.script(mode)
    with pytest.raises(UndecodableImageError) as info:
        run_job(_spec(1, stream=mode.startswith("sse")), backend, sink=ResultsLibrary(tmp_path),
                cancel=CancelToken())
    assert "variant 1: the returned image cannot be decoded" in info.value.message
    assert info.value.request_id
    assert list(tmp_path.rglob("*.png")) == []
