"""Results panel memory: a bounded working set of full-size pixels, the rest read back from disk.

Real parts throughout: variants are made by the pipeline's own functions (``process_variant``) and
written by the real results library; the panel is a real widget offscreen; pixels are compared with
the saved files.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from inpaint_desktop.api.types import CancelToken, EditRequest, ImageResult, Usage
from inpaint_desktop.gui.common.qimage import qimage_to_array
from inpaint_desktop.gui.results.panel import ResultsStrip
from inpaint_desktop.gui.results.variant import Variant, to_qimage, variant_from_output
from inpaint_desktop.gui.results.variant_store import VariantFiles, release_if_big_job
from inpaint_desktop.gui.send.jobs import JobQueue
from inpaint_desktop.pipeline.job import EditParams, JobSpec
from inpaint_desktop.pipeline.run import VariantOutput
from inpaint_desktop.pipeline.variants import process_variant
from inpaint_desktop.store.results import ResultsLibrary
from tests.gui.fake_backends import EditOnlyBackend

W, H = 160, 120
# One RGBA QImage of a test variant; a saved variant holds two (result and protected composite).
IMAGE_BYTES = W * H * 4


def _photo(seed: int, width: int = W, height: int = H) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), np.uint8)


def _png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, "PNG")
    return buf.getvalue()


def _mask() -> np.ndarray:
    mask = np.zeros((H, W), np.uint8)
    mask[20:100, 30:130] = 255
    return mask


def _spec(job_id: str) -> JobSpec:
    return JobSpec(job_id, "edit", "a prompt", EditParams(model="gpt-image-2"), _photo(0), _mask())


def _solid(color: str) -> QImage:
    image = QImage(32, 24, QImage.Format.Format_RGBA8888)
    image.fill(QColor(color))
    return image


def _job(library: ResultsLibrary | None, job_id: str, count: int, *, half_size: bool = False,
         seed: int = 1) -> tuple[Variant, ...]:
    """What the job worker hands over: decoded variants, saved (when ``library``) with their files."""
    spec = _spec(job_id)
    variants = []
    for i in range(count):
        result = _photo(seed * 100 + i, W // 2 if half_size else W, H // 2 if half_size else H)
        data = _png(result)
        images = process_variant(i, data, spec)
        mapped_png, protected_png = images.fullsize_png, images.protected_png
        variant = variant_from_output(VariantOutput(images))
        # A solid thumbnail, so the "Loading…" preview is recognisable on screen.
        variant = Variant(i, data, variant.raw, variant.fullsize, variant.protected, variant.resized,
                          drift=variant.drift, thumb=_solid(("red", "lime", "blue", "yellow", "cyan")[i % 5]))
        if library is not None:
            saved = library.save_variant(job_id, i, raw=data, request={}, response={}, mask_png=None,
                                         protected_png=protected_png, mapped_png=mapped_png)
            fullsize = saved.directory / f"variant-{i}-fullsize.png" if mapped_png else None
            files = VariantFiles(saved.raw, fullsize, saved.protected)
            variant = variant.with_saved(str(saved.directory), files)
        variants.append(variant)
    return tuple(variants)


def _strip(qtbot, budget: int | None) -> ResultsStrip:
    strip = ResultsStrip(memory_budget=budget)
    qtbot.addWidget(strip)
    strip.resize(1300, 340)
    strip.show()
    qtbot.waitExposed(strip)
    return strip


def _file_rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def _wait_loaded(qtbot, strip: ResultsStrip) -> QImage:
    qtbot.waitUntil(lambda: not strip.loading and strip.shown_image() is not None, timeout=5000)
    image = strip.shown_image()
    assert image is not None
    return image


def _view_pixels_at_100_percent(strip: ResultsStrip) -> np.ndarray:
    """What the main pane shows of B at 100 %, cropped to the image (RGB)."""
    viewer = strip.viewer
    viewer.zoom_actual()
    offset = viewer.state.offset
    viewer.pan(round(offset.x()) - offset.x(), round(offset.y()) - offset.y())  # whole-pixel aligned
    QApplication.processEvents()
    target = viewer.state.image_rect_to_widget(QRectF(0, 0, W, H)).toRect()
    shot = qimage_to_array(viewer.main_pane.grab().toImage())
    return shot[target.top():target.bottom() + 1, target.left():target.right() + 1, :3]


@pytest.fixture
def library(tmp_path: Path) -> ResultsLibrary:
    return ResultsLibrary(tmp_path, session_date="today")


def test_worker_attaches_saved_files_and_each_reads_back_equal(qtbot, tmp_path: Path) -> None:
    class HalfSize(EditOnlyBackend):
        """Returns a noisy picture at half the uploaded size, as a server that resizes would."""

        name = "half-size"

        def edit(self, request: EditRequest, *, progress=None, cancel: CancelToken | None = None
                 ) -> ImageResult:
            return ImageResult(images=(_png(_photo(7, W // 2, H // 2)),), usage=Usage(1, 2, 3))


    queue = JobQueue(HalfSize, library=ResultsLibrary(tmp_path))
    try:
        with qtbot.waitSignal(queue.job_finished, timeout=5000) as blocker:
            queue.submit(_spec(JobQueue.new_job_id()))
    finally:
        assert queue.close()
    variant = blocker.args[1].variants[0]
    files = variant.files
    assert variant.resized and files is not None
    assert [p.name for p in (files.raw, files.fullsize, files.protected) if p is not None] == [
        "variant-0.png", "variant-0-fullsize.png", "variant-0-protected.png"]
    assert replace(variant, label="renamed").pixels is variant.pixels  # copies share one set of pixels
    for kind in ("raw", "fullsize", "protected"):
        resident = variant.pixels.resident(kind)
        assert resident is not None
        assert np.array_equal(qimage_to_array(variant.pixels.load(kind)), qimage_to_array(resident)), kind


def test_evicted_variant_reloads_in_background_and_view_shows_the_saved_file(qtbot, library) -> None:
    budget = 5 * IMAGE_BYTES  # room for about two variants
    strip = _strip(qtbot, budget)
    job = _job(library, "job1", 5)
    strip.add_variants("job1", job, to_qimage(_photo(0)), "p")
    assert strip.store.resident_bytes() <= budget
    evicted = [v for v in job if v.pixels.resident("protected") is None]
    # The job record (here ``job``) holds the same variants: releasing really drops the pixels.
    assert len(evicted) >= 2 and job[0] not in evicted
    target = evicted[-1]
    selections: list[int] = []
    strip.variant_selected.connect(selections.append)
    strip.select_entry(job.index(target))
    # At once: no pixels yet, the view stands in with the thumbnail and a message.
    assert strip.loading and strip.shown_image() is None
    assert strip.viewer.pending_b is not None and "Loading #" in strip.viewer.pending_b.message
    pane = strip.viewer.main_pane
    shot = pane.grab().toImage()
    dimmed = shot.pixelColor(pane.width() // 2, pane.height() // 2 - 40)  # above the message box
    expected = QColor(("red", "lime", "blue", "yellow", "cyan")[target.index % 5])
    for got, full in ((dimmed.red(), expected.red()), (dimmed.green(), expected.green()),
                      (dimmed.blue(), expected.blue())):
        assert abs(got - full * (255 - 110) / 255) <= 3
    image = _wait_loaded(qtbot, strip)
    saved = _file_rgb(target.files.protected)
    assert np.array_equal(qimage_to_array(image)[..., :3], saved)
    assert strip.viewer.pending_b is None and strip.viewer.image_b is image
    assert selections == [job.index(target)]  # the pixels arriving is not a second selection
    assert np.array_equal(_view_pixels_at_100_percent(strip), saved)
    assert strip.store.resident_bytes() <= budget
    # Nothing was decoded on the GUI thread.
    assert sum(v.pixels.sync_reads for v in job) == 0


def test_memory_accounting_stays_within_budget_while_browsing(qtbot, library) -> None:
    budget = 5 * IMAGE_BYTES
    strip = _strip(qtbot, budget)
    jobs = [_job(library, f"job{j}", 3, half_size=j == 1, seed=j + 1) for j in range(3)]
    for j, job in enumerate(jobs):
        strip.add_variants(f"job{j}", job, to_qimage(_photo(0)), "p")
        assert strip.store.resident_bytes() <= budget
    for _round in range(2):
        for index in range(len(strip.entries)):
            strip.select_entry(index)
            assert strip.store.resident_bytes() <= budget
            _wait_loaded(qtbot, strip)
            assert strip.store.resident_bytes() <= budget
        qtbot.mouseClick(strip.raw_button, Qt.MouseButton.LeftButton)  # the second round shows raw
    # Raw shown: the full-size result, which is the mapped-back file for the resized job.
    strip.select_entry(3)
    image = _wait_loaded(qtbot, strip)
    entry = strip.current_entry()
    assert entry is not None and entry.variant.resized and "mapped back" in strip.which.text()
    assert np.array_equal(qimage_to_array(image)[..., :3], _file_rgb(entry.variant.files.fullsize))
    assert sum(v.pixels.sync_reads for job in jobs for v in job) == 0


def test_small_photos_all_stay_in_memory_as_before(qtbot, library) -> None:
    strip = _strip(qtbot, None)  # the default budget
    job = _job(library, "job1", 4)
    strip.add_variants("job1", job, to_qimage(_photo(0)), "p")
    for index in range(4):
        strip.select_entry(index)
        assert not strip.loading and strip.shown_image() is not None
        assert strip.viewer.pending_b is None
    assert all(v.pixels.resident_bytes() >= 2 * IMAGE_BYTES for v in job)  # nothing released
    assert not strip.note.isVisible()


def test_unsaved_job_keeps_its_images_whatever_the_budget_and_says_so(qtbot, library) -> None:
    strip = _strip(qtbot, 1)  # no room at all
    unsaved = _job(None, "job1", 3)
    strip.add_variants("job1", unsaved, to_qimage(_photo(0)), "p")
    strip.add_variants("job2", _job(library, "job2", 2), to_qimage(_photo(0)), "p")
    for index in (1, 2, 0):
        strip.select_entry(index)
        assert not strip.loading and strip.shown_image() is not None
        assert strip.note.isVisible() and "Not saved" in strip.note.text()
    assert all(v.pixels.resident_bytes() >= 2 * IMAGE_BYTES for v in unsaved)
    strip.select_entry(4)  # a saved variant: no note
    assert not strip.note.isVisible()


def test_unwritable_results_folder_keeps_the_job_in_memory(qtbot, tmp_path: Path) -> None:
    blocked = ResultsLibrary(tmp_path, session_date="blocked")
    (tmp_path / "blocked").write_bytes(b"a file where the session folder should be")
    queue = JobQueue(lambda: _Inverting(), library=blocked)
    try:
        with qtbot.waitSignal(queue.job_finished, timeout=5000) as blocker:
            queue.submit(_spec(JobQueue.new_job_id()))
    finally:
        assert queue.close()
    outcome = blocker.args[1]
    assert outcome.report.save_error and outcome.variants[0].files is None
    strip = _strip(qtbot, 1)
    strip.add_variants("job1", outcome.variants, to_qimage(_photo(0)), "p")
    strip.add_variants("job2", _job(ResultsLibrary(tmp_path / "ok"), "job2", 2), to_qimage(_photo(0)), "p")
    strip.select_entry(0)
    assert not strip.loading and strip.note.isVisible()
    assert outcome.variants[0].pixels.resident("protected") is not None


class _Inverting(EditOnlyBackend):
    name = "inverting"

    def edit(self, request: EditRequest, *, progress=None, cancel: CancelToken | None = None) -> ImageResult:
        picture = np.asarray(Image.open(io.BytesIO(request.images[0].data)).convert("RGB"))
        return ImageResult(images=(_png(255 - picture),), usage=Usage(1, 2, 3))



def test_use_as_base_on_an_evicted_variant_loads_it_first(qtbot, library) -> None:
    strip = _strip(qtbot, 3 * IMAGE_BYTES)
    job = _job(library, "job1", 4)
    strip.add_variants("job1", job, to_qimage(_photo(0)), "p")
    strip.select_entry(3)
    assert strip.loading and strip.use_button.isEnabled() and not strip.pin_button.isEnabled()
    with qtbot.waitSignal(strip.use_as_base, timeout=5000) as blocker:
        qtbot.mouseClick(strip.use_button, Qt.MouseButton.LeftButton)
    assert np.array_equal(qimage_to_array(blocker.args[0].image)[..., :3], _file_rgb(job[3].files.protected))
    assert strip.pin_button.isEnabled()


def test_pinned_variant_stays_resident_and_a_missing_file_is_named(qtbot, library) -> None:
    strip = _strip(qtbot, 3 * IMAGE_BYTES)
    job = _job(library, "job1", 5)
    strip.add_variants("job1", job, to_qimage(_photo(0)), "p")
    qtbot.mouseClick(strip.pin_button, Qt.MouseButton.LeftButton)  # A := #1
    for index in (1, 2, 3, 4):
        strip.select_entry(index)
        _wait_loaded(qtbot, strip)
        assert job[0].pixels.resident("protected") is not None
    # A file deleted after saving: the memory copy is then the only one, so it is never released.
    kept = job[4]
    kept.files.protected.unlink()
    for index in (1, 2, 3):  # enough browsing to push it out of the working set
        strip.select_entry(index)
        _wait_loaded(qtbot, strip)
    assert kept.pixels.resident("protected") is not None
    assert kept.pixels.resident("fullsize") is None  # its other image, still on disk, was released
    # A released variant whose file has gone: a clear message, the thumbnail stays, nothing crashes.
    gone = next(v for v in job[1:4] if v.pixels.resident("protected") is None)
    gone.files.protected.unlink()
    strip.select_entry(job.index(gone))
    qtbot.waitUntil(lambda: "Could not read" in (strip.viewer.pending_b or _NO_PENDING).message, timeout=5000)
    assert not strip.use_button.isEnabled() and strip.shown_image() is None
    assert strip.thumbs.currentItem().icon().availableSizes()
    QApplication.processEvents()


class _NoPending:
    message = ""


_NO_PENDING = _NoPending()


def test_pending_preview_follows_zoom_without_scaling_the_photo(qtbot, library) -> None:
    strip = _strip(qtbot, 3 * IMAGE_BYTES)
    job = _job(library, "job1", 4)
    strip.add_variants("job1", job, to_qimage(_photo(0)), "p")
    strip.viewer.zoom_at(QPointF(300, 120), 8.0)
    state = (strip.viewer.state.scale, strip.viewer.state.offset)
    strip.select_entry(3)
    assert strip.loading
    # Same size as the variant before it: the zoom is kept while loading and after.
    assert (strip.viewer.state.scale, strip.viewer.state.offset) == state
    _wait_loaded(qtbot, strip)
    assert (strip.viewer.state.scale, strip.viewer.state.offset) == state


def test_big_job_hands_over_only_the_first_variants_pixels(qtbot, library) -> None:
    job = _job(library, "job1", 3)
    small_limit = 3 * IMAGE_BYTES  # the job takes more than this
    released = [release_if_big_job(v.pixels, index=i, count=3, limit=small_limit) for i, v in enumerate(job)]
    assert released == [False, True, True]
    assert job[0].pixels.resident("protected") is not None and job[1].pixels.resident("protected") is None
    # A job that fits keeps everything; an unsaved one can never be released.
    fits = _job(library, "job2", 2)
    assert not release_if_big_job(fits[1].pixels, index=1, count=2, limit=100 * IMAGE_BYTES)
    unsaved = _job(None, "job3", 2)
    assert not release_if_big_job(unsaved[1].pixels, index=1, count=2, limit=1)
    strip = _strip(qtbot, None)
    strip.add_variants("job1", job, to_qimage(_photo(0)), "p")
    assert not strip.loading  # the first is shown straight away
    strip.select_entry(2)
    image = _wait_loaded(qtbot, strip)
    assert np.array_equal(qimage_to_array(image)[..., :3], _file_rgb(job[2].files.protected))


def test_pending_b_in_every_compare_mode(qtbot) -> None:
    from inpaint_desktop.gui.results.compare import CompareMode, CompareView, PendingImage

    view = CompareView()
    qtbot.addWidget(view)
    view.resize(600, 200)
    view.show()
    qtbot.waitExposed(view)
    original = QImage(200, 100, QImage.Format.Format_RGBA8888)
    original.fill(QColor("lime"))
    view.set_images(original, None, caption_a="A", caption_b="B",
                    pending=PendingImage(200, 100, _solid("red"), "Loading #2…"))
    QApplication.processEvents()
    dimmed_red = round(255 * (255 - 110) / 255)

    def colour(pane, x: int) -> QColor:
        # Near the bottom edge of the image, below the message box in the middle.
        bottom = view.state.image_rect_to_widget(QRectF(0, 0, 200, 100)).bottom()
        return pane.grab().toImage().pixelColor(x, int(bottom) - 5)

    main = view.main_pane
    assert abs(colour(main, main.width() // 2).red() - dimmed_red) <= 3
    assert colour(view.side_pane, view.side_pane.width() // 2) == QColor("lime")
    view.set_mode(CompareMode.SWIPE)
    QApplication.processEvents()
    view.fit()
    target = view.state.image_rect_to_widget(QRectF(0, 0, 200, 100))
    left, right = colour(main, int(target.left()) + 5), colour(main, int(target.right()) - 5)
    assert left == QColor("lime") and abs(right.red() - dimmed_red) <= 3 and right.green() < 10
    view.set_mode(CompareMode.FLIP)
    assert abs(colour(main, main.width() // 2).red() - dimmed_red) <= 3
    view.flip()  # A is there at once; only B waits
    assert colour(main, main.width() // 2) == QColor("lime")


def test_stepping_quickly_through_released_variants_shows_the_last_one(qtbot, library) -> None:
    from PySide6.QtTest import QTest

    budget = 3 * IMAGE_BYTES
    strip = _strip(qtbot, budget)
    job = _job(library, "job1", 8)
    strip.add_variants("job1", job, to_qimage(_photo(0)), "p")
    strip.viewer.setFocus()
    for _ in range(7):  # faster than any load: each selection supersedes the one before
        QTest.keyClick(strip.viewer, Qt.Key.Key_Right)
    assert strip.current_entry().variant is job[7] and strip.loading
    image = _wait_loaded(qtbot, strip)
    assert np.array_equal(qimage_to_array(image)[..., :3], _file_rgb(job[7].files.protected))
    qtbot.wait(100)  # loads that were already running land too, within the budget
    assert strip.store.resident_bytes() <= budget
    assert strip.viewer.image_b is image and sum(v.pixels.sync_reads for v in job) == 0
