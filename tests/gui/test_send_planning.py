"""Size planning and crop-to-mask through the real client and a loopback server: what is uploaded,
and results mapped back to the photo's exact size with every pixel outside the mask kept."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from inpaint_desktop.core.geometry import plan_size
from inpaint_desktop.core.models import load_capabilities
from inpaint_desktop.gui.send.jobs import JobQueue, JobState
from inpaint_desktop.gui.send.support import make_backend
from inpaint_desktop.pipeline.job import EditParams, JobSpec
from inpaint_desktop.pipeline.upload import plan_upload
from inpaint_desktop.store.results import ResultsLibrary
from tests.api.fake_server import FakeImagesServer, serve


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeImagesServer]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-planning-0000")
    yield from serve()


def _photo(width: int, height: int) -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, (height, width, 3), np.uint8)


def _run(qtbot, server: FakeImagesServer, spec: JobSpec, tmp_path: Path):
    queue = JobQueue(lambda: make_backend("openai", server.url), library=ResultsLibrary(tmp_path))
    try:
        with qtbot.waitSignal(queue.job_finished, timeout=15000) as blocker:
            queue.submit(spec)
        assert queue.jobs[spec.job_id].state is JobState.DONE
        return blocker.args[1]
    finally:
        assert queue.close(5000)


def _uploaded(server: FakeImagesServer, name: str) -> Image.Image:
    part = next(f for f in server.requests[-1].files if f.name == name)
    return Image.open(io.BytesIO(part.data))


def test_photo_of_another_aspect_is_fitted_and_mapped_back(qtbot, server, tmp_path: Path) -> None:
    table = load_capabilities()
    image = _photo(900, 500)
    mask = np.zeros((500, 900), np.uint8)
    mask[100:200, 300:500] = 255
    params = EditParams(model="gpt-image-1.5")
    plan, box = plan_upload(table.get(params.model), 900, 500, size=params.size, mask=mask)
    assert box == (0, 0, 900, 500) and plan.upload == (1536, 1024)
    spec = JobSpec(JobQueue.new_job_id(), "edit", "a boat", params, image, mask, plan=plan, box=box)
    outcome = _run(qtbot, server, spec, tmp_path)
    rec = server.requests[-1]
    assert not rec.problems, rec.problems
    assert rec.fields["size"] == ["1536x1024"]
    assert _uploaded(server, "image").size == (1536, 1024) and _uploaded(server, "mask").size == (1536, 1024)
    variant = outcome.variants[0]
    assert variant.resized and (variant.fullsize.width(), variant.fullsize.height()) == (900, 500)
    protected = np.asarray(Image.open(Path(variant.saved_dir) / "variant-0-protected.png").convert("RGB"))
    assert protected.shape == (500, 900, 3)
    assert np.array_equal(protected[mask == 0], image[mask == 0])
    assert (protected[150, 400] == (10, 200, 30)).all()  # the server's green fills the mask
    assert "outside the mask changed" in variant.drift


def test_crop_to_mask_uploads_only_the_painted_area_and_pastes_it_back(qtbot, server, tmp_path) -> None:
    table = load_capabilities()
    image = _photo(2000, 1500)
    mask = np.zeros((1500, 2000), np.uint8)
    mask[1000:1060, 1500:1580] = 255
    params = EditParams(model="gpt-image-2")
    plan, box = plan_upload(table.get(params.model), 2000, 1500, size=params.size, mask=mask, crop=True)
    left, top, right, bottom = box
    assert left <= 1500 and right >= 1580 and top <= 1000 and bottom >= 1060
    assert (right - left) * (bottom - top) < 2000 * 1500 / 10
    spec = JobSpec(JobQueue.new_job_id(), "edit", "a lamp", params, image, mask, plan=plan, box=box)
    outcome = _run(qtbot, server, spec, tmp_path)
    uploaded = _uploaded(server, "image")
    assert uploaded.size == plan.upload
    # The upload is the crop itself, scaled to the planned size: compare with the same fitting.
    crop = image[top:bottom, left:right]
    expected = np.asarray(Image.fromarray(crop).resize(uploaded.size, Image.Resampling.LANCZOS))
    assert np.abs(np.asarray(uploaded.convert("RGB")).astype(int) - expected).mean() < 3
    directory = Path(outcome.variants[0].saved_dir)
    full = np.asarray(Image.open(directory / "variant-0-fullsize.png").convert("RGB"))
    assert full.shape == image.shape
    outside_box = np.ones(mask.shape, bool)
    outside_box[top:bottom, left:right] = False
    assert np.array_equal(full[outside_box], image[outside_box])
    protected = np.asarray(Image.open(directory / "variant-0-protected.png").convert("RGB"))
    assert np.array_equal(protected[mask == 0], image[mask == 0])
    assert (protected[1030, 1540] == (10, 200, 30)).all()


def test_photo_the_model_accepts_goes_up_as_the_original_file(qtbot, server, tmp_path: Path) -> None:
    image = _photo(1024, 1024)
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", quality=90)
    source = buf.getvalue()
    decoded = np.asarray(Image.open(io.BytesIO(source)).convert("RGB"))
    mask = np.zeros((1024, 1024), np.uint8)
    mask[:100, :100] = 255
    params = EditParams(model="gpt-image-1.5")
    plan = plan_size(1024, 1024, load_capabilities().get("gpt-image-1.5"))
    assert plan.is_identity
    spec = JobSpec(JobQueue.new_job_id(), "edit", "x", params, decoded, mask, plan=plan, source_bytes=source)
    _run(qtbot, server, spec, tmp_path)
    part = next(f for f in server.requests[-1].files if f.name == "image")
    assert part.data == source and part.content_type == "image/jpeg"


def test_streamed_previews_reach_the_job_row_before_the_result(qtbot, server, tmp_path: Path) -> None:
    from inpaint_desktop.gui.send.job_list import JobListPanel

    image = _photo(1024, 1024)
    mask = np.zeros((1024, 1024), np.uint8)
    mask[:64, :64] = 255
    params = EditParams(model="gpt-image-2", partial_images=2)
    plan = plan_size(1024, 1024, load_capabilities().get("gpt-image-2"))
    spec = JobSpec(JobQueue.new_job_id(), "edit", "x", params, image, mask, plan=plan)
    queue = JobQueue(lambda: make_backend("openai", server.url), library=ResultsLibrary(tmp_path))
    panel = JobListPanel(queue)
    qtbot.addWidget(panel)
    events: list[str] = []
    queue.job_partial.connect(lambda _id, index, _img: events.append(f"partial {index}"))
    queue.job_finished.connect(lambda *_a: events.append("done"))
    server.script("sse")  # answer with an event stream: two partial images, then the final one
    try:
        with qtbot.waitSignal(queue.job_finished, timeout=15000):
            queue.submit(spec)
        assert events == ["partial 0", "partial 1", "done"]
        assert server.requests[-1].fields["stream"] == ["true"]
        assert server.requests[-1].fields["partial_images"] == ["2"]
        row = panel.rows[spec.job_id]
        assert not row.preview.pixmap().isNull()  # the last preview, then the result's thumbnail
    finally:
        assert queue.close(5000)


def test_new_from_prompt_generates_and_opens_the_chosen_variant(qtbot, server, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt

    from inpaint_desktop.gui.send.new_from_prompt import NewFromPromptDialog
    from inpaint_desktop.gui.send.panel import OPENAI
    from tests.gui.editor_helpers import composed_app

    for parts in composed_app(qtbot, tmp_path):
        flow, doc = parts.send, parts.document
        flow.base_url = server.url
        flow.panel.set_backend_choice(OPENAI)
        dialog = NewFromPromptDialog(flow)
        qtbot.addWidget(dialog)
        qtbot.keyClicks(dialog.prompt, "a lighthouse at dawn")
        dialog.params.n.setValue(2)
        with qtbot.waitSignal(flow.queue.job_finished, timeout=15000):
            qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
        assert server.requests[-1].json["prompt"] == "a lighthouse at dawn"
        assert dialog.choices.count() == 2 and dialog.open_button.isEnabled()
        qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda doc=doc: not doc.is_empty(), timeout=5000)
        assert doc.size() == (16, 16) and tuple(doc.image.array[0, 0, :3]) == (10, 200, 30)
