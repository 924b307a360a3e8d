"""Results panel memory on a 24 MP photo: 20 variants (5 jobs x 4), resident memory and reload time.

Every variant arrives as the job worker hands it over: a full-size result and a protected composite
at 6000x4000 (~96 MB each as a QImage), the upload-size raw result and its file bytes, all saved in a
temporary results folder; for a job this big the worker keeps only the first variant's pixels. The
big PNGs are written once and hard-linked per variant, so the run takes seconds (the page cache is
warm, as it is for files the app has just written).

Figures: the process's resident memory added by the panel (original photo included), the panel's
own accounting, and for variants that were released: how long the GUI thread is busy selecting one,
the longest GUI-thread stall until its pixels are on screen, and the background load time.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

WIDTH, HEIGHT = 6000, 4000
UPLOAD = (1536, 1024)
JOBS, PER_JOB = 5, 4
HERE = Path(__file__).resolve().parent


def _rss_bytes() -> int:
    """Resident set size now (Linux /proc; elsewhere the peak from getrusage)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _photo_like(seed: int) -> np.ndarray:
    """A 24 MP picture that compresses like a photo (a sample photo enlarged, plus sensor noise)."""
    from PIL import Image

    base = Image.open(HERE.parent / "tests" / "data" / "astronaut.png").convert("RGB")
    big = np.asarray(base.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)).copy()
    big ^= np.random.default_rng(seed).integers(0, 8, big.shape, np.uint8)
    return big


def _templates(folder: Path):
    """Saved files for one variant and QImages to copy for each arriving variant."""
    from PIL import Image

    from inpaint_desktop.core.imaging import encode_png
    from inpaint_desktop.gui.results.variant import thumbnail, to_qimage

    full = _photo_like(1)
    protected = full.copy()
    protected[:, : WIDTH // 2] = _photo_like(2)[:, : WIDTH // 2]
    raw = np.asarray(Image.fromarray(full).resize(UPLOAD, Image.Resampling.BILINEAR))
    raw_png = encode_png(raw)
    (folder / "fullsize.png").write_bytes(encode_png(full))
    (folder / "protected.png").write_bytes(encode_png(protected))
    full_q, protected_q, raw_q = to_qimage(full), to_qimage(protected), to_qimage(raw)
    return raw_png, raw_q, full_q, protected_q, thumbnail(protected_q)


def _job(folder: Path, job: int, templates) -> tuple:
    """One job's variants as the worker hands them over: own pixels, saved files attached."""
    from inpaint_desktop.gui.results.variant import Variant
    from inpaint_desktop.gui.results.variant_store import VariantFiles, release_if_big_job

    raw_png, raw_q, full_q, protected_q, thumb = templates
    directory = folder / f"job-{job}"
    directory.mkdir()
    variants = []
    for i in range(PER_JOB):
        raw_path = directory / f"variant-{i}.png"
        raw_path.write_bytes(raw_png)
        for kind in ("fullsize", "protected"):
            os.link(folder / f"{kind}.png", directory / f"variant-{i}-{kind}.png")
        files = VariantFiles(raw_path, directory / f"variant-{i}-fullsize.png",
                             directory / f"variant-{i}-protected.png")
        # .copy(): each variant owns its pixels, as the worker's decoded results do.
        variant = Variant(i, bytes(bytearray(raw_png)), raw_q.copy(), full_q.copy(), protected_q.copy(), True,
                          str(directory), thumb=thumb.copy(), files=files)
        release_if_big_job(variant.pixels, index=i, count=PER_JOB)  # as the worker does after saving
        variants.append(variant)
    return tuple(variants)


def _show_evicted(app, strip, index: int) -> tuple[float, float, float]:
    """Select a released variant: (select ms, longest GUI stall ms until shown and settled, load ms)."""
    t0 = time.perf_counter()
    strip.select_entry(index)
    strip.viewer.main_pane.repaint()  # the "Loading…" frame
    select_ms = (time.perf_counter() - t0) * 1000
    assert strip.loading, "the variant was expected to be released"
    stall = 0.0
    loaded_at = None
    # Run the event loop in slices, as the app would; the longest slice is the longest GUI stall.
    # Keep going a while after the pixels arrive: the first paint and the smooth rescale follow.
    while loaded_at is None or time.perf_counter() - loaded_at < 0.4:
        s0 = time.perf_counter()
        app.processEvents()
        stall = max(stall, time.perf_counter() - s0)
        if loaded_at is None and strip.shown_image() is not None:
            loaded_at = time.perf_counter()
        if time.perf_counter() - t0 > 30:
            raise TimeoutError("the variant did not load within 30 s")
        time.sleep(0.001)
    return select_ms, stall * 1000, (loaded_at - t0) * 1000


def run() -> list[dict]:
    from PySide6.QtWidgets import QApplication

    from inpaint_desktop.gui.results.panel import ResultsStrip

    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp(prefix="bench-results-memory-"))
    rows: list[dict] = []
    try:
        templates = _templates(folder)
        strip = ResultsStrip()
        strip.resize(1300, 340)
        strip.show()
        app.processEvents()
        before = _rss_bytes()
        from inpaint_desktop.gui.results.variant import to_qimage

        original = to_qimage(_photo_like(0))  # shared by all jobs of the photo, as in the app
        peak = 0
        unbounded = 0
        for job in range(JOBS):
            variants = _job(folder, job, templates)
            unbounded += sum(v.pixels.resident_bytes() for v in variants[:1]) * PER_JOB
            # The moment a job is handed over: the working set plus that job's new variants.
            peak = max(peak, _rss_bytes() - before)
            strip.add_variants(f"job-{job}", variants, original, "a prompt")
            app.processEvents()
            del variants
        app.processEvents()
        added = _rss_bytes() - before
        budget = strip.store.budget_bytes
        accounted = strip.store.resident_bytes()
        gb = 1 << 30
        rows.append({"name": "results_20x24MP_resident_added", "value": added / gb, "unit": "GiB",
                     "goal": "<= 1.5", "ok": added <= 1.5 * gb})
        rows.append({"name": "results_20x24MP_peak_added_as_a_job_arrives", "value": peak / gb,
                     "unit": "GiB", "goal": "", "ok": None})
        rows.append({"name": "results_20x24MP_accounted_variant_memory", "value": accounted / gb,
                     "unit": "GiB", "goal": f"<= budget {budget / gb:.2f}", "ok": accounted <= budget})
        rows.append({"name": "results_20x24MP_if_all_kept", "value": unbounded / gb, "unit": "GiB",
                     "goal": "", "ok": None})
        released = [i for i, e in enumerate(strip.entries) if e.variant.pixels.resident("protected") is None]
        selects, stalls, loads = [], [], []
        for index in released[:3]:
            select_ms, stall_ms, load_ms = _show_evicted(app, strip, index)
            selects.append(select_ms)
            stalls.append(stall_ms)
            loads.append(load_ms)
        rows.append({"name": "results_show_released_24MP_select_gui", "value": max(selects), "unit": "ms",
                     "goal": "<= 50", "ok": max(selects) <= 50})
        rows.append({"name": "results_show_released_24MP_worst_gui_stall", "value": max(stalls), "unit": "ms",
                     "goal": "<= 50", "ok": max(stalls) <= 50})
        rows.append({"name": "results_show_released_24MP_background_load", "value": statistics.median(loads),
                     "unit": "ms", "goal": "", "ok": None})
        strip.close()
        strip.deleteLater()
        app.processEvents()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
