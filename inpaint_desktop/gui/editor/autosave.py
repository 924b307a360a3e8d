"""Autosave on the GUI side: writes the photo and the mask in the background, offers recovery.

The photo is copied once when it is opened; the mask is written shortly after painting pauses (and
at least every ``MAX_WAIT_MS`` while painting goes on). All writes run in order on one background
thread; the GUI thread only copies the mask array. A clean close removes the autosave.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, QTimer, Signal

from inpaint_desktop.core.imaging import LoadedImage, encode_png, load_image
from inpaint_desktop.gui.common.loader import BackgroundLoader
from inpaint_desktop.gui.common.message_bar import MessageBar
from inpaint_desktop.gui.editor.document import Document
from inpaint_desktop.store.autosave import AutosaveStore, Recovery

QUIET_MS = 1500  # save this long after the last change
MAX_WAIT_MS = 10_000  # but never later than this after the first unsaved change
KEEP_RECOVERIES = 10
_EXT = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}


class Autosaver(QObject):
    """Keeps ``store`` up to date with ``document``; ``failed`` carries a message for the user."""

    failed = Signal(str)
    saved = Signal()

    def __init__(self, document: Document, store: AutosaveStore, *, prompt: Callable[[], str] = lambda: "",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document, self.store, self._prompt = document, store, prompt
        self._writer = BackgroundLoader(self, serial=True)  # one writer: the photo lands before its mask
        self._quiet = QTimer(self, singleShot=True, interval=QUIET_MS)
        self._deadline = QTimer(self, singleShot=True, interval=MAX_WAIT_MS)
        self._quiet.timeout.connect(self.save_now)
        self._deadline.timeout.connect(self.save_now)
        self._closed = False
        document.image_changed.connect(self._image_changed)
        document.mask_changed.connect(self._mask_changed)

    def _image_changed(self) -> None:
        image = self.document.image
        if image is None or self._closed:
            return
        source = image.source_bytes
        fmt = _EXT.get(image.format.upper())
        array = image.array
        path = str(self.document.path) if self.document.path else None

        def write() -> None:
            if source is not None and fmt is not None:
                self.store.save_image(source, fmt, source_path=path)
            else:
                self.store.save_image(encode_png(array), "png", source_path=path)

        self._write(write)
        self._quiet.stop()
        self._deadline.stop()

    def _mask_changed(self, *_args: object) -> None:
        if self._closed:
            return
        self._quiet.start()
        if not self._deadline.isActive():
            self._deadline.start()

    def save_now(self) -> None:
        """Write the current mask in the background (cheap on the GUI thread: one array copy)."""
        self._quiet.stop()
        self._deadline.stop()
        if self.document.is_empty() or self._closed:
            return
        mask = self.document.mask.copy()
        prompt = self._prompt()

        def write() -> bool:
            return self.store.save_mask(encode_png(mask), prompt=prompt) is not None

        self._write(write, lambda written: self.saved.emit() if written else None)

    def _write(self, work: Callable[[], object], done: Callable[[object], None] = lambda _r: None) -> None:
        def failed(message: str, _details: str) -> None:  # a full or read-only disk: say so, keep painting
            self.failed.emit(f"Autosave failed: {message}")

        self._writer.submit(work, done, failed)

    def wait(self, timeout_ms: int = 5000) -> bool:
        return self._writer.wait(timeout_ms)

    def close(self, *, discard: bool = True) -> None:
        """Finish pending writes; remove the autosave when the session ended cleanly."""
        if self._closed:
            return
        self._closed = True
        self._quiet.stop()
        self._deadline.stop()
        self.wait()
        if discard:
            self.store.discard()


def read_recovery(recovery: Recovery) -> tuple[LoadedImage, np.ndarray | None]:
    """The photo and mask of ``recovery`` (worker thread); the mask is None when missing or unreadable."""
    image = load_image(recovery.image)
    mask = None
    if recovery.mask is not None:
        try:
            with Image.open(io.BytesIO(recovery.mask.read_bytes())) as img:
                candidate = np.asarray(img.convert("L"))
            if candidate.shape == image.array.shape[:2]:
                mask = candidate
        except (OSError, ValueError):
            mask = None
    return image, mask


class RecoveryOffer(QObject):
    """At start-up: offers to restore the newest autosave a crashed session left."""

    def __init__(self, document: Document, store: AutosaveStore, loader: BackgroundLoader,
                 messages: MessageBar, *, set_prompt: Callable[[str], None] = lambda _p: None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document, self.store, self.loader, self.messages = document, store, loader, messages
        self._set_prompt = set_prompt
        self.recovery: Recovery | None = None

    def check(self) -> Recovery | None:
        recoveries = self.store.recoveries()
        for old in recoveries[KEEP_RECOVERIES:]:
            self.store.remove(old)
        self.recovery = recoveries[0] if recoveries else None
        if self.recovery is not None:
            self.messages.show_message(
                "Inpaint Desktop did not close normally. "
                f"Restore the autosaved work ({self.recovery.label})?",
                "warning", None, ("Restore", self.restore),
            )
        return self.recovery

    def restore(self) -> None:
        recovery = self.recovery
        if recovery is None:
            return
        self.loader.submit(lambda: read_recovery(recovery), lambda result: self._restored(recovery, *result),
                           lambda msg, details: self.messages.show_message(
                               f"Could not restore the autosave: {msg}", "error", details))

    def _restored(self, recovery: Recovery, image: LoadedImage, mask: np.ndarray | None) -> None:
        source = Path(recovery.source_path) if recovery.source_path else None
        self.document.set_image(image, path=source if source is not None and source.exists() else None)
        if mask is not None and mask.any():
            self.document.set_mask(mask, text="Restore autosaved mask")
        if recovery.prompt:
            self._set_prompt(recovery.prompt)
        self.store.remove(recovery)
        self.recovery = None
        self.messages.show_message("Restored the autosaved photo and mask.", "info")
