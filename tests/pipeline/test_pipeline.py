"""The edit pipeline driven directly: the loopback test server and the offline engine, no Qt.

The test server answers with the uploaded picture itself, painted green where the mask let it edit
and brightened by a few levels everywhere else (a model that redraws the whole frame), so every
step can be checked pixel for pixel: what was uploaded, how it was mapped back, pasted and protected.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image

from inpaint_desktop.api.client import OpenAIBackend
from inpaint_desktop.api.config import ApiConfig
from inpaint_desktop.api.errors import CancelledError
from inpaint_desktop.api.types import CancelToken, ImageFile, Progress
from inpaint_desktop.core.models import load_capabilities
from inpaint_desktop.engine.backend import LocalBackend
from inpaint_desktop.pipeline.job import EditParams, JobSpec
from inpaint_desktop.pipeline.run import run_job
from inpaint_desktop.pipeline.upload import plan_upload
from inpaint_desktop.store.results import ResultsLibrary
from tests.api.fake_server import FakeImagesServer, Recorded, png_bytes, serve

GREEN = (0, 255, 0)
DRIFT = 5


def _png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, "PNG")
    return buf.getvalue()


def _decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


def edited_upload(rec: Recorded) -> bytes:
    """The server's answer: the first uploaded image, green inside the mask, drifted outside it."""
    first = next(f for f in rec.files if f.name in ("image", "image[]"))
    picture = _decode(first.data).astype(np.int16)
    out = np.clip(picture + DRIFT, 0, 255).astype(np.uint8)
    masks = [f for f in rec.files if f.name == "mask"]
    if masks:
        with Image.open(io.BytesIO(masks[0].data)) as img:
            edit = np.asarray(img.convert("RGBA"))[..., 3] < 128
        out[edit] = GREEN
    return _png(out)


@pytest.fixture
def server() -> Iterator[FakeImagesServer]:
    for srv in serve():
        srv.result_for = edited_upload
        yield srv


@pytest.fixture
def backend(server: FakeImagesServer) -> Iterator[OpenAIBackend]:
    client = OpenAIBackend(ApiConfig(api_key="test-key-pipeline", base_url=server.url))
    yield client
    client.close()


def _photo(width: int, height: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.integers(0, 200, (height, width, 3), dtype=np.uint8)


def _mask(width: int, height: int, box: tuple[int, int, int, int]) -> np.ndarray:
    mask = np.zeros((height, width), np.uint8)
    left, top, right, bottom = box
    mask[top:bottom, left:right] = 255
    return mask


def test_an_edit_of_a_size_the_model_cannot_return_comes_back_at_the_photos_size(
    server: FakeImagesServer, backend: OpenAIBackend, tmp_path
) -> None:
    # 900x500 is under gpt-image-2's minimum pixel count: it is scaled and padded to a size the model
    # accepts, and every result is mapped back to exactly 900x500.
    photo, mask = _photo(900, 500), _mask(900, 500, (300, 100, 500, 300))
    caps = load_capabilities().get("gpt-image-2")
    plan, box = plan_upload(caps, 900, 500, mask=mask)
    assert not plan.is_identity and box == (0, 0, 900, 500)
    spec = JobSpec("job-1", "edit", "a green square", EditParams(model="gpt-image-2", n=2), photo, mask,
                   plan=plan, box=box)
    library = ResultsLibrary(tmp_path / "lib")
    stages: list[str] = []
    report = run_job(spec, backend, sink=library, cancel=CancelToken(),
                     progress=lambda p: stages.append(p.kind))

    sent = server.requests[-1]
    upload = _decode(next(f for f in sent.files if f.name == "image").data)
    assert (upload.shape[1], upload.shape[0]) == plan.upload
    assert sent.fields["size"] == [plan.size_param]
    assert len(report.variants) == 2 and "processing" in stages
    for variant in report.variants:
        images = variant.images
        assert images.resized and images.fullsize.shape == photo.shape
        inside = images.fullsize[150:250, 350:450]
        assert (np.abs(inside.astype(int) - GREEN).max(axis=2) <= 2).mean() > 0.99
        # The raw result drifted outside the mask; the protected one is the original there, bit for bit.
        assert images.protected is not None
        assert np.array_equal(images.protected[mask == 0], photo[mask == 0])
        assert "changed" in images.drift or "%" in images.drift
        saved = variant.saved
        assert saved is not None and saved.fullsize is not None and saved.protected is not None
        assert np.array_equal(_decode(saved.protected.read_bytes()), images.protected)
        sidecar = json.loads(saved.sidecar.read_text())
        assert sidecar["request"]["upload_size"] == "{}x{}".format(*plan.upload)
        assert sidecar["request"]["original_size"] == "900x500"
        assert "test-key-pipeline" not in saved.sidecar.read_text()


def test_crop_to_mask_uploads_the_crop_and_pastes_it_back_into_the_full_photo(
    server: FakeImagesServer, backend: OpenAIBackend, tmp_path
) -> None:
    photo, mask = _photo(2400, 1600), _mask(2400, 1600, (1700, 1100, 1800, 1180))
    caps = load_capabilities().get("gpt-image-2")
    plan, box = plan_upload(caps, 2400, 1600, mask=mask, crop=True)
    left, top, right, bottom = box
    assert (right - left, bottom - top) != (2400, 1600)
    spec = JobSpec("job-crop", "edit", "green", EditParams(model="gpt-image-2"), photo, mask, plan=plan,
                   box=box)
    report = run_job(spec, backend, sink=None, cancel=CancelToken())

    full = report.variants[0].images.fullsize
    assert full.shape == photo.shape
    # Outside the uploaded crop even the raw result is the photo itself; inside the mask it is green.
    outside = np.ones(photo.shape[:2], bool)
    outside[top:bottom, left:right] = False
    assert np.array_equal(full[outside], photo[outside])
    assert (np.abs(full[1110:1170, 1710:1790].astype(int) - GREEN).max(axis=2) <= 2).mean() > 0.99
    uploaded = next(f for f in server.requests[-1].files if f.name == "image")
    assert _decode(uploaded.data).shape[:2] == (plan.upload[1], plan.upload[0])


def test_references_follow_the_photo_as_image_parts(server: FakeImagesServer, backend: OpenAIBackend) -> None:
    photo, mask = _photo(1024, 1024), _mask(1024, 1024, (100, 100, 300, 300))
    refs = (ImageFile.from_bytes(png_bytes(64, 64, (1, 2, 3)), "ref-a.png"),
            ImageFile.from_bytes(png_bytes(32, 48, (4, 5, 6)), "ref-b.png"))
    spec = JobSpec("job-refs", "edit", "use the references", EditParams(model="gpt-image-2"), photo, mask,
                   references=refs)
    run_job(spec, backend, sink=None, cancel=CancelToken())

    parts = [f for f in server.requests[-1].files if f.name == "image[]"]
    assert [p.data for p in parts[1:]] == [r.data for r in refs]
    assert _decode(parts[0].data).shape == photo.shape
    assert not server.requests[-1].problems


def test_the_offline_engine_keeps_every_pixel_outside_the_mask(tmp_path) -> None:
    photo, mask = _photo(320, 240), _mask(320, 240, (100, 80, 180, 150))
    spec = JobSpec("job-offline", "edit", "", EditParams(model="offline-harmonic", n=2), photo, mask)
    report = run_job(spec, LocalBackend(), sink=ResultsLibrary(tmp_path), cancel=CancelToken())

    assert len(report.variants) == 2 and report.save_error is None
    for variant in report.variants:
        full = variant.images.fullsize
        assert np.array_equal(full[mask == 0], photo[mask == 0])
        assert not np.array_equal(full[mask > 0], photo[mask > 0])
        assert variant.saved is not None and variant.saved.raw.exists()


def test_cancel_while_waiting_for_the_server_raises_and_saves_nothing(
    server: FakeImagesServer, backend: OpenAIBackend, tmp_path
) -> None:
    server.script("slow")
    photo, mask = _photo(1024, 1024), _mask(1024, 1024, (0, 0, 64, 64))
    spec = JobSpec("job-cancel", "edit", "x", EditParams(model="gpt-image-2"), photo, mask)
    token = CancelToken()

    def on_progress(p: Progress) -> None:
        if p.kind == "waiting" and server.request_received.wait(10):
            token.cancel()

    library = ResultsLibrary(tmp_path)
    with pytest.raises(CancelledError):
        run_job(spec, backend, sink=library, cancel=token, progress=on_progress)
    assert not any(tmp_path.rglob("variant-*"))


def test_images_that_arrive_after_cancel_are_kept_as_returned_and_marked(
    server: FakeImagesServer, backend: OpenAIBackend, tmp_path
) -> None:
    photo, mask = _photo(900, 500), _mask(900, 500, (300, 100, 500, 300))
    plan, box = plan_upload(load_capabilities().get("gpt-image-2"), 900, 500, mask=mask)
    spec = JobSpec("job-late", "edit", "x", EditParams(model="gpt-image-2", n=2), photo, mask, plan=plan,
                   box=box)
    token = CancelToken()

    def on_progress(p: Progress) -> None:
        if p.kind == "processing":
            token.cancel()  # the answer is in: the user cancels while the results are being mapped

    report = run_job(spec, backend, sink=ResultsLibrary(tmp_path), cancel=token,
                     progress=on_progress)

    assert report.cancelled and len(report.variants) == 2
    for variant in report.variants:
        assert variant.after_cancel
        # Not mapped, not composited: the image as returned, at the upload size.
        assert not variant.images.resized and variant.images.protected is None
        assert variant.images.raw.shape[:2] == (plan.upload[1], plan.upload[0])
        assert variant.saved is not None and variant.saved.fullsize is None
        sidecar = json.loads(variant.saved.sidecar.read_text())
        assert sidecar["response"]["arrived_after_cancel"] is True
