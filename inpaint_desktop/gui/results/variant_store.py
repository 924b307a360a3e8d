"""Bounded memory for the results panel: which variants keep full-size pixels, and reloading the rest.

A variant of a 24 MP photo holds two ~96 MB QImages (the full-size result and the protected
composite), so a session that kept every variant in memory would grow by gigabytes. Each ``Variant``
keeps its images in a ``VariantPixels`` holder, shared by every reference to that variant (the job
record and the results panel hold the same one, so releasing an image really frees it).

``VariantStore`` (GUI thread) decides what stays resident: the images on screen (B and a pinned A),
then the most recently viewed ones, up to a byte budget. Every other image is released and, when it is
wanted again, decoded from its saved file on the thread pool (QImage only, never QPixmap). An image
with no file on disk (saving failed, or the file has gone) is never released: nothing may be lost.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QImageReader

from inpaint_desktop.gui.common.loader import BackgroundLoader

# The images a variant has. ``raw`` is the result as returned (upload size); ``fullsize`` is it
# mapped back to the original's size (the same image when nothing was resized or cropped).
ImageKind = Literal["raw", "fullsize", "protected"]
# What the store accounts for: the images, plus the returned file's bytes.
Slot = Literal["raw", "fullsize", "protected", "raw_bytes"]
# Upper bound of the default budget; less on machines with little memory (see default_budget_bytes).
DEFAULT_BUDGET_BYTES = 1 << 30


def default_budget_bytes() -> int:
    """1 GiB, or an eighth of the physical memory when that is smaller."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not available on every platform
        return DEFAULT_BUDGET_BYTES
    return min(DEFAULT_BUDGET_BYTES, max(64 << 20, total // 8))


@dataclass(frozen=True)
class VariantFiles:
    """Where the results library saved one variant's images."""

    raw: Path
    # Written only when the result was resized or cropped; otherwise the raw file is full size.
    fullsize: Path | None = None
    protected: Path | None = None

    def path(self, kind: ImageKind) -> Path | None:
        if kind == "fullsize":
            return self.fullsize or self.raw
        return self.raw if kind == "raw" else self.protected


def decode_file(path: Path) -> QImage:
    """Decode a saved image to the format the job worker makes (RGBA8888), on any thread.

    Plain 8-bit PNGs (all the files the app writes) go through Qt's reader, about twice as fast as
    Pillow for a 24 MP photo; anything else (JPEG, WebP, 16-bit or gamma-tagged PNGs as a server may
    return) through Pillow, exactly as the worker decoded it, so a reloaded image equals the first one.
    """
    with Image.open(path) as probe:
        plain_png = probe.format == "PNG" and probe.mode in ("RGB", "RGBA") and "gamma" not in probe.info
        if not plain_png:
            probe.load()
            rgba = probe.convert("RGBA")
            data = rgba.tobytes()
            image = QImage(data, rgba.width, rgba.height, rgba.width * 4, QImage.Format.Format_RGBA8888)
            return image.copy()  # detach from the Python buffer
    reader = QImageReader(str(path))
    image = reader.read()
    if image.isNull():
        raise OSError(f"could not read {path}: {reader.errorString()}")
    return image.convertToFormat(QImage.Format.Format_RGBA8888)


class VariantPixels:
    """The images of one variant: held in memory, or released and reloadable from its files.

    Only the GUI thread changes what is resident (``release``/``put``); ``load`` and the file paths
    are safe on any thread. ``image`` falls back to decoding on the calling thread; the results
    panel never uses that path on the GUI thread (it asks ``VariantStore``, which loads in the
    background), and ``sync_reads`` counts it so tests can prove so.
    """

    def __init__(self, *, raw_bytes: bytes, raw: QImage, fullsize: QImage, protected: QImage | None,
                 files: VariantFiles | None) -> None:
        self.files = files
        self.width, self.height = fullsize.width(), fullsize.height()
        self.has_protected = protected is not None
        # Not resized: one image serves as raw and full size, held (and counted) once.
        self.raw_is_fullsize = raw.cacheKey() == fullsize.cacheKey()
        self._images: dict[ImageKind, QImage] = {"fullsize": fullsize}
        if not self.raw_is_fullsize:
            self._images["raw"] = raw
        if protected is not None:
            self._images["protected"] = protected
        self._raw_bytes: bytes | None = raw_bytes
        self.sync_reads = 0

    def canonical(self, kind: ImageKind) -> ImageKind:
        """The kind whose image serves ``kind`` (raw is the full-size image when nothing was resized)."""
        return "fullsize" if kind == "raw" and self.raw_is_fullsize else kind

    def exists(self, kind: ImageKind) -> bool:
        return kind != "protected" or self.has_protected

    def resident(self, kind: ImageKind) -> QImage | None:
        """The image if it is in memory, else ``None`` (never touches the disk)."""
        return self._images.get(self.canonical(kind))

    def image(self, kind: ImageKind) -> QImage | None:
        """The image, decoded from its file on this thread when it was released (not kept)."""
        if not self.exists(kind):
            return None
        image = self.resident(kind)
        if image is None:
            self.sync_reads += 1
            image = self.load(kind)
        return image

    def raw_bytes(self) -> bytes:
        if self._raw_bytes is not None:
            return self._raw_bytes
        assert self.files is not None  # released only when the file exists
        self.sync_reads += 1
        return self.files.raw.read_bytes()

    def load(self, kind: ImageKind) -> QImage:
        """Decode ``kind`` from its saved file (any thread); ``OSError`` when it cannot be read."""
        path = self.files.path(self.canonical(kind)) if self.files is not None else None
        if path is None:
            raise OSError("this result was not saved, so it cannot be read back from disk")
        try:
            return decode_file(path)
        except OSError:
            raise
        except Exception as exc:  # Pillow raises several types for damaged files
            raise OSError(f"could not read {path}: {exc}") from exc

    def put(self, kind: ImageKind, image: QImage) -> None:
        """Hold a reloaded image again (GUI thread)."""
        self._images[self.canonical(kind)] = image

    def slots(self) -> list[Slot]:
        """The slots currently held in memory."""
        held: list[Slot] = list(self._images)
        if self._raw_bytes:
            held.append("raw_bytes")
        return held

    def nbytes(self, slot: Slot) -> int:
        if slot == "raw_bytes":
            return len(self._raw_bytes or b"")
        image = self._images.get(slot)
        return image.sizeInBytes() if image is not None else 0

    def resident_bytes(self) -> int:
        return sum(self.nbytes(slot) for slot in self.slots())

    def reloadable(self, slot: Slot) -> bool:
        if self.files is None:
            return False
        path = self.files.raw if slot == "raw_bytes" else self.files.path(slot)
        # A stat, not a read: a file deleted since it was saved means the memory copy is the only one.
        return path is not None and path.is_file()

    def release(self, slot: Slot) -> bool:
        """Drop ``slot`` from memory if it can be read back; True when it was released."""
        if not self.reloadable(slot):
            return False
        if slot == "raw_bytes":
            self._raw_bytes = None
        else:
            self._images.pop(slot, None)
        return True

    def release_images(self) -> None:
        """Release every image that can be read back (the job worker does this before handing over)."""
        for kind in list(self._images):
            self.release(kind)


def release_if_big_job(pixels: VariantPixels, *, index: int, count: int, limit: int | None = None) -> bool:
    """After saving: release variant ``index`` of ``count`` unless the whole job fits in ``limit`` bytes.

    The first variant (shown at once) always keeps its pixels. A job whose variants together take
    more than ``limit`` (default: half the default budget; a 24 MP photo with four variants is
    ~800 MB) hands over the others without pixels, so memory does not peak at the working set plus
    a whole job; the panel reads them back when they are selected. True when released.
    """
    limit = default_budget_bytes() // 2 if limit is None else limit
    if index == 0 or pixels.resident_bytes() * count <= limit:
        return False
    pixels.release_images()
    return pixels.resident("fullsize") is None


class _LoadTask:
    """Decodes one image on the thread pool; the loader reports back on the GUI thread when it is done."""

    def __init__(self, pixels: VariantPixels, kind: ImageKind) -> None:
        self.pixels, self.kind = pixels, kind
        self.cancelled = False  # set by the GUI thread; checked before the (long) decode starts
        self.result: QImage | None = None
        self.error: str | None = None
        self.done = False

    def __call__(self) -> None:
        try:
            if not self.cancelled:
                self.result = self.pixels.load(self.kind)
        except OSError as exc:
            self.error = str(exc)
        finally:
            self.done = True


class VariantStore(QObject):
    """Keeps a bounded working set of variant images resident; reloads the rest in the background.

    The panel tells the store what is on screen (``keep``) and asks for images (``get``). Kept images
    are never released. Other images are released least recently used first while the resident
    total is over ``budget_bytes``: the returned file's bytes and the upload-size raw image (which
    the panel does not show) go first, then full-size images. Only images that can be read back from
    their files are released, so a job whose saving failed stays in memory whatever the budget.
    """

    loaded = Signal(object, str)  # VariantPixels, image kind
    load_failed = Signal(object, str, str)  # VariantPixels, image kind, message

    def __init__(self, budget_bytes: int | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.budget_bytes = default_budget_bytes() if budget_bytes is None else budget_bytes
        self._holders: dict[int, VariantPixels] = {}
        # Least recently used first: (holder, slot) of every resident slot.
        self._lru: OrderedDict[tuple[VariantPixels, Slot], None] = OrderedDict()
        self._kept: set[tuple[VariantPixels, ImageKind]] = set()
        self._tasks: list[_LoadTask] = []
        self._loader = BackgroundLoader(self)

    def add(self, pixels: VariantPixels, *, enforce: bool = True) -> None:
        """Account for a new variant's images (all resident when it arrives).

        ``enforce=False`` defers the budget to the next ``keep``/``enforce``, so a job's variants can
        be added before the panel says which of them is on screen.
        """
        if id(pixels) in self._holders:
            return
        self._holders[id(pixels)] = pixels
        for slot in pixels.slots():
            key = (pixels, slot)
            self._lru[key] = None
            if slot in ("raw", "raw_bytes"):
                self._lru.move_to_end(key, last=False)  # never shown by the panel: released first
        if enforce:
            self.enforce()

    def keep(self, wanted: Iterable[tuple[VariantPixels, ImageKind]]) -> None:
        """What is on screen now: never released, marked most recently used; other loads are dropped."""
        self._kept = {(pixels, pixels.canonical(kind)) for pixels, kind in wanted}
        for pixels, kind in self._kept:
            if (pixels, kind) in self._lru:
                self._lru.move_to_end((pixels, kind))
        for task in self._tasks:
            if (task.pixels, task.kind) not in self._kept:
                task.cancelled = True
        self.enforce()

    def get(self, pixels: VariantPixels, kind: ImageKind) -> QImage | None:
        """The image if resident; otherwise ``None`` and a background load starts (``loaded`` follows)."""
        if not pixels.exists(kind):
            return None
        kind = pixels.canonical(kind)
        image = pixels.resident(kind)
        if image is not None:
            if (pixels, kind) in self._lru:
                self._lru.move_to_end((pixels, kind))
            return image
        self._request(pixels, kind)
        return None

    def loading(self, pixels: VariantPixels, kind: ImageKind) -> bool:
        kind = pixels.canonical(kind)
        return any(t.pixels is pixels and t.kind == kind and not t.cancelled for t in self._tasks)

    def resident_bytes(self) -> int:
        """Bytes of variant images (and returned files) held in memory right now."""
        return sum(p.resident_bytes() for p in self._holders.values())

    # -- internals -----------------------------------------------------------------------
    def _request(self, pixels: VariantPixels, kind: ImageKind) -> None:
        for task in self._tasks:
            if task.pixels is pixels and task.kind == kind and not task.done:
                task.cancelled = False  # wanted again; if it already skipped, _finished asks again
                return
        task = _LoadTask(pixels, kind)
        self._tasks.append(task)
        self._loader.submit(task, lambda _none: self._finished(task),
                            lambda message, _details: self._failed(task, message))

    def _failed(self, task: _LoadTask, message: str) -> None:
        task.error = task.error or message
        self._finished(task)

    def _finished(self, task: _LoadTask) -> None:
        """A load came back (GUI thread): keep its image, or say why it failed."""
        if task in self._tasks:
            self._tasks.remove(task)
        pixels, kind = task.pixels, task.kind
        if task.error is not None:
            if (pixels, kind) in self._kept:
                self.load_failed.emit(pixels, kind, task.error)
        elif task.result is not None:
            if pixels.resident(kind) is None:
                pixels.put(kind, task.result)
                self._lru[(pixels, kind)] = None
                self.enforce()
            self.loaded.emit(pixels, kind)
        elif (pixels, kind) in self._kept and pixels.resident(kind) is None:
            self._request(pixels, kind)  # skipped as unwanted, then wanted again meanwhile

    def enforce(self) -> None:
        """Release least recently used images (not kept, readable from disk) until within the budget."""
        total = self.resident_bytes()
        if total <= self.budget_bytes:
            return
        for key in list(self._lru):
            if total <= self.budget_bytes:
                break
            pixels, slot = key
            if (pixels, slot) in self._kept:
                continue
            size = pixels.nbytes(slot)
            if pixels.release(slot):
                del self._lru[key]
                total -= size
