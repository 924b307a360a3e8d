"""Whole-mask operations, mask import and mask export, run off the GUI thread.

Fill, clear, invert, grow, shrink and feather touch every pixel of what can be a 24-megapixel
mask, and import/export decode or encode PNGs: all of it runs on the thread pool. The result comes
back as the changed rectangle only and becomes one undo step, unless the user changed the mask
meanwhile (then nothing is applied and the bar says so).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QRect, Signal

from inpaint_desktop.gui.common.loader import BackgroundLoader
from inpaint_desktop.gui.common.message_bar import MessageBar
from inpaint_desktop.gui.editor.commands import changed_bbox
from inpaint_desktop.gui.editor.document import Document

MaskFunc = Callable[[np.ndarray], np.ndarray]


def _fill(mask: np.ndarray) -> np.ndarray:
    return np.full_like(mask, 255)


def _clear(mask: np.ndarray) -> np.ndarray:
    return np.zeros_like(mask)


def _invert(mask: np.ndarray) -> np.ndarray:
    return 255 - mask


def _diff(before: np.ndarray, after: np.ndarray) -> tuple[QRect, np.ndarray]:
    rect = changed_bbox(before, after)
    if rect.isEmpty():
        return rect, np.zeros((0, 0), np.uint8)
    patch = after[rect.top() : rect.bottom() + 1, rect.left() : rect.right() + 1].copy()
    return rect, patch


class MaskOperations(QObject):
    """Runs mask-wide changes in the background and applies them as single undo steps."""

    finished = Signal(str)  # the undo text of an operation that was applied (or found nothing to do)

    def __init__(self, document: Document, loader: BackgroundLoader, bar: MessageBar,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.loader = loader
        self.bar = bar
        self.pending = 0

    # -- whole-mask operations --------------------------------------------------------------
    def fill(self) -> None:
        self.run(_fill, "Fill mask")

    def clear(self) -> None:
        self.run(_clear, "Clear mask")

    def invert(self) -> None:
        self.run(_invert, "Invert mask")

    def grow(self, px: int) -> None:
        from inpaint_desktop.core import mask as core_mask

        self.run(lambda m: core_mask.grow(m, px), f"Grow mask {px} px")

    def shrink(self, px: int) -> None:
        from inpaint_desktop.core import mask as core_mask

        self.run(lambda m: core_mask.shrink(m, px), f"Shrink mask {px} px")

    def feather(self, px: float) -> None:
        from inpaint_desktop.core import mask as core_mask

        self.run(lambda m: core_mask.feather(m, px), f"Feather mask {px:g} px")

    def run(self, func: MaskFunc, text: str) -> None:
        """Apply ``func`` to a copy of the mask on the pool; the result is one undo step."""
        if self.document.is_empty():
            self.bar.show_message("Open a photo first: there is no mask to change.", "warning")
            return
        before = self.document.mask.copy()
        revision = self.document.revision
        self.pending += 1

        def work() -> tuple[QRect, np.ndarray]:
            return _diff(before, np.ascontiguousarray(func(before), dtype=np.uint8))

        self.loader.submit(
            work,
            lambda result: self._apply(result, revision, text),
            lambda message, details: self._failed(f"{text} failed: {message}", details),
        )

    def _apply(self, result: tuple[QRect, np.ndarray], revision: int, text: str) -> None:
        self.pending -= 1
        if self.document.revision != revision:
            self.bar.show_message(f"The mask changed while “{text}” was running, so it was not applied. "
                                  "Please try again.", "warning")
            return
        rect, patch = result
        if not rect.isEmpty():
            self.document.apply_patch(rect, patch, text=text)
        self.finished.emit(text)

    def _failed(self, message: str, details: str) -> None:
        self.pending -= 1
        self.bar.show_message(message, "error", details)

    # -- import -----------------------------------------------------------------------------
    def import_mask(self, path: Path, *, invert: bool = False) -> None:
        """Read a mask file (RGBA alpha, or black-and-white luminance) into the document."""
        if self.document.is_empty():
            self.bar.show_message("Open a photo before importing a mask.", "warning")
            return
        from inpaint_desktop.core.mask import decode_mask

        def work() -> np.ndarray:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise ValueError(f"cannot read the file ({exc.strerror or exc})") from None
            return decode_mask(data, invert=invert)

        self.pending += 1
        self.loader.submit(
            work,
            lambda mask: self._imported(mask, path),
            lambda message, details: self._failed(f"Could not import {path.name}: {message}", details),
        )

    def _imported(self, mask: np.ndarray, path: Path) -> None:
        self.pending -= 1
        width, height = self.document.size()
        got_h, got_w = mask.shape
        if (got_w, got_h) != (width, height):
            self.bar.show_message(
                f"The mask {path.name} is {got_w}x{got_h} but the image is {width}x{height}; "
                "a mask must be the same size as the image.",
                "warning",
                action=("Scale mask to image", lambda: self.scale_and_apply(mask)),
            )
            return
        self.run(lambda _current: mask, f"Import mask {path.name}")

    def scale_and_apply(self, mask: np.ndarray) -> None:
        from inpaint_desktop.core.mask import resize_mask

        width, height = self.document.size()
        self.run(lambda _current: resize_mask(mask, width, height), "Import mask (scaled)")

    # -- export -----------------------------------------------------------------------------
    def export_mask(self, path: Path) -> None:
        """Encode the API mask (alpha 0 = edit) and write it atomically, off the GUI thread."""
        if self.document.is_empty():
            self.bar.show_message("Open a photo before exporting a mask.", "warning")
            return
        from inpaint_desktop.core.mask import encode_api_mask
        from inpaint_desktop.store.atomic import atomic_write_bytes

        mask = self.document.mask.copy()
        index = self.document.undo_stack.index()
        self.pending += 1
        self.loader.submit(
            lambda: atomic_write_bytes(path, encode_api_mask(mask)),
            lambda _: self._exported(path, index),
            lambda message, details: self._failed(f"Could not export the mask: {message}", details),
        )

    def _exported(self, path: Path, index: int) -> None:
        self.pending -= 1
        # The exported file now holds the mask as it was: that state counts as saved.
        if self.document.undo_stack.index() == index:
            self.document.mark_saved()
        self.bar.show_message(f"Mask exported to {path}", "info")
        self.finished.emit("Export mask")
