"""Opening photos: from a path, a drop, the clipboard or the recent list, always in the background.

Decoding runs on the thread pool; only a successful load replaces the document, so a bad file
leaves the open photo and its mask untouched and shows why in the message bar. A newer request
supersedes an older one still decoding (its result is dropped).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QObject
from PySide6.QtGui import QGuiApplication, QImage

from inpaint_desktop.gui.common.loader import BackgroundLoader
from inpaint_desktop.gui.common.message_bar import MessageBar
from inpaint_desktop.gui.editor.document import Document
from inpaint_desktop.gui.editor.recent_files import RecentFiles

if TYPE_CHECKING:
    from inpaint_desktop.core.imaging import LoadedImage

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif")


def _load_path(path: Path) -> LoadedImage:
    # Imported on the worker thread: decoding libraries stay off the start-up path.
    from inpaint_desktop.core.imaging import load_image

    return load_image(path)


def _load_bytes(data: bytes) -> LoadedImage:
    from inpaint_desktop.core.imaging import load_image

    return load_image(data)


def _from_qimage(image: QImage) -> LoadedImage:
    from inpaint_desktop.core.imaging import LoadedImage
    from inpaint_desktop.gui.common.qimage import qimage_to_array

    rgba = qimage_to_array(image)
    array = rgba if image.hasAlphaChannel() else rgba[..., :3].copy()
    # No original file: the array is encoded as PNG when it is sent.
    return LoadedImage(array=array, source_bytes=None, format="PNG")


class Opener(QObject):
    """Turns user requests to open something into background loads for one window."""

    IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif);;All files (*)"

    def __init__(
        self, document: Document, loader: BackgroundLoader, messages: MessageBar, *,
        confirm_discard: Callable[[], bool], show_status: Callable[[str], None],
        import_mask: Callable[[Path], None], parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._document = document
        self._loader = loader
        self._messages = messages
        self._confirm_discard = confirm_discard
        self._show_status = show_status
        self._import_mask = import_mask
        self.recent = RecentFiles()
        self._generation = 0
        self.pending = 0

    # -- sources ----------------------------------------------------------------------------
    def open_path(self, path: Path, *, mask: Path | None = None) -> None:
        if not self._confirm_discard():
            return
        self._start(lambda: _load_path(path), path.name, path=path, mask=mask)

    def paste(self) -> None:
        """Open what the clipboard holds: PNG/JPEG bytes, an image, a file URL or a file path."""
        data = QGuiApplication.clipboard().mimeData()
        if data is None or not self.open_mime(data, from_clipboard=True):
            self._messages.show_message(
                "The clipboard holds no image and no image file to paste.", "warning"
            )

    def accepts(self, data: QMimeData) -> bool:
        return data.hasUrls() or data.hasImage()

    def open_mime(self, data: QMimeData, *, from_clipboard: bool = False) -> bool:
        """Open dropped or pasted data; False when it holds nothing that could be an image."""
        for url in data.urls():
            if url.isLocalFile():
                self.open_path(Path(url.toLocalFile()))
                return True
        for mime in ("image/png", "image/jpeg", "image/webp"):
            if data.hasFormat(mime):
                raw = bytes(data.data(mime).data())
                if raw:
                    if self._confirm_discard():
                        self._start(partial(_load_bytes, raw), "the pasted image", path=None)
                    return True
        if data.hasImage():
            image = QImage(data.imageData())
            if not image.isNull():
                if self._confirm_discard():
                    self._start(lambda: _from_qimage(image), "the pasted image", path=None)
                return True
        if from_clipboard and data.hasText():
            text = data.text().strip().strip('"')
            if text.startswith("file://"):
                from PySide6.QtCore import QUrl

                text = QUrl(text).toLocalFile()
            candidate = Path(text).expanduser() if text and "\n" not in text else None
            if candidate is not None and candidate.suffix.lower() in IMAGE_SUFFIXES and candidate.is_file():
                self.open_path(candidate)
                return True
        return False

    # -- loading ----------------------------------------------------------------------------
    def _start(
        self, load: Callable[[], LoadedImage], label: str, *, path: Path | None, mask: Path | None = None
    ) -> None:
        self._generation += 1
        generation = self._generation
        self.pending += 1
        self._show_status(f"Opening {label}…")
        self._loader.submit(
            load,
            lambda image: self._loaded(generation, image, path, mask),
            lambda message, details: self._failed(generation, f"Could not open {label}: {message}", details),
        )

    def _loaded(self, generation: int, image: LoadedImage, path: Path | None, mask: Path | None) -> None:
        self.pending -= 1
        if generation != self._generation:
            return  # a newer open request superseded this one
        self._show_status("")
        self._document.set_image(image, path=path)
        if path is not None:
            self.recent.add(path)
        if image.notice:
            self._messages.show_message(image.notice, "info")
        else:
            self._messages.hide()
        if mask is not None:
            self._import_mask(mask)

    def _failed(self, generation: int, message: str, details: str) -> None:
        self.pending -= 1
        if generation != self._generation:
            return
        self._show_status("")
        self._messages.show_message(message, "error", details)
