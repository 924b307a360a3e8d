"""Smoothly downscaled pixmaps of big photos for the compare view, made off the GUI thread.

Scaling runs on the thread pool on QImage (safe off the GUI thread); only the GUI thread turns the
small result into a QPixmap.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap

from inpaint_desktop.gui.common.loader import BackgroundLoader

# Smoothly rescaling takes ~10 ms per 600k pixels: bigger images are scaled on the thread pool.
SYNC_SCALE_MAX_PIXELS = 600_000


class _ScaleTask:
    """One smooth rescale running on the thread pool; the loader hands ``result`` back on the GUI thread."""

    def __init__(self, image: QImage, width: int, height: int) -> None:
        self.image, self.width, self.height = image, width, height
        self.result: QImage | None = None

    def __call__(self) -> None:
        # QImage is safe to read and scale off the GUI thread; only the pixmap is made on it.
        self.result = self.image.scaled(self.width, self.height, Qt.AspectRatioMode.IgnoreAspectRatio,
                                        Qt.TransformationMode.SmoothTransformation)
        self.image = QImage()  # drop the reference to the photo as soon as possible


class PixmapCache:
    """Smoothly downscaled pixmaps keyed by ``(QImage.cacheKey(), width, height)``.

    Small images are scaled at once; big photos on the thread pool (tens of ms each), and
    ``on_ready`` is called (GUI thread) when one has arrived. A small LRU: the view shows two images
    at a time, and going back to the previous variant at the same zoom should find its copy.
    """

    def __init__(self, loader: BackgroundLoader, on_ready: Callable[[], None], limit: int = 8) -> None:
        self._loader, self._on_ready = loader, on_ready
        self._scaled: OrderedDict[tuple[int, int, int], QPixmap] = OrderedDict()
        self._pending: dict[tuple[int, int, int], _ScaleTask] = {}
        self._limit = limit

    def scaled(self, image: QImage, width: int, height: int) -> QPixmap | None:
        """The cached copy at ``width`` x ``height`` device pixels, or ``None``. Small images are
        scaled on the spot."""
        key = (image.cacheKey(), width, height)
        pix = self._scaled.get(key)
        if pix is None and image.width() * image.height() <= SYNC_SCALE_MAX_PIXELS:
            self._store(key, image.scaled(width, height, Qt.AspectRatioMode.IgnoreAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation))
            pix = self._scaled[key]
        if pix is not None:
            self._scaled.move_to_end(key)
        return pix

    def request(self, image: QImage, width: int, height: int) -> None:
        """Start scaling ``image`` on the thread pool unless it is cached or already under way."""
        key = (image.cacheKey(), width, height)
        if key in self._scaled or key in self._pending:
            return
        task = _ScaleTask(image, width, height)
        self._pending[key] = task
        self._loader.submit(task, lambda _none: self._arrived(key), lambda _m, _d: self._drop(key))

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def _drop(self, key: tuple[int, int, int]) -> None:
        self._pending.pop(key, None)

    def _arrived(self, key: tuple[int, int, int]) -> None:
        """A rescale is done (GUI thread): make its pixmap and tell the view."""
        task = self._pending.pop(key, None)
        if task is not None and task.result is not None:
            self._store(key, task.result)
            self._on_ready()

    def _store(self, key: tuple[int, int, int], image: QImage) -> None:
        self._scaled[key] = QPixmap.fromImage(image)
        while len(self._scaled) > self._limit:
            self._scaled.popitem(last=False)
