"""The open document: base image, 8-bit edit mask and the undo stack that tracks mask changes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QRect, Signal
from PySide6.QtGui import QUndoStack

from inpaint_desktop.gui.editor.commands import MaskPatchCommand, ReplaceImageCommand, changed_bbox

if TYPE_CHECKING:
    from inpaint_desktop.core.imaging import LoadedImage

UNDO_LIMIT = 500


@dataclass(frozen=True)
class DocumentSnapshot:
    """An immutable copy of what the user is editing, safe to hand to a worker thread."""

    image: LoadedImage
    mask: np.ndarray
    path: Path | None


class Document(QObject):
    """Holds the base image and the mask (HxW uint8, 255 = edit here, 0 = keep).

    Every mask change goes through an undo command holding only the changed rectangle, so the
    undo history costs memory in proportion to what was painted, not to the photo's size.
    """

    image_changed = Signal()
    mask_changed = Signal(QRect)
    modified_changed = Signal(bool)
    # The file path or the name (a result used as the new base has a name but no path) changed.
    path_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._image: LoadedImage | None = None
        self._mask = np.zeros((0, 0), np.uint8)
        self._path: Path | None = None
        self._name: str | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self._modified = False
        # Bumped on every mask write, so background mask operations can tell whether the mask
        # they started from is still the current one.
        self._revision = 0
        # indexChanged rather than cleanChanged: the bool argument of cleanChanged mis-counts
        # references in some PySide6 releases and crashes at exit after many undo steps.
        self.undo_stack.indexChanged.connect(self._update_modified)

    # -- properties -------------------------------------------------------------------------
    @property
    def image(self) -> LoadedImage | None:
        return self._image

    @property
    def mask(self) -> np.ndarray:
        return self._mask

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def title(self) -> str:
        """What the window calls the picture: the file's name, or where a result came from."""
        if self._name:
            return self._name
        return self._path.name if self._path is not None else "Untitled"

    @property
    def revision(self) -> int:
        return self._revision

    @property
    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    def is_empty(self) -> bool:
        return self._image is None

    def size(self) -> tuple[int, int]:
        """(width, height) of the image, (0, 0) when empty."""
        return int(self._mask.shape[1]), int(self._mask.shape[0])

    # -- changes ----------------------------------------------------------------------------
    def set_image(self, image: LoadedImage, *, path: Path | None = None) -> None:
        """Open another photo: the mask is reset and the undo history cleared."""
        self.undo_stack.clear()
        self.swap_image(image, np.zeros((image.height, image.width), np.uint8), path=path, name=None)
        self.undo_stack.setClean()
        self._update_modified()

    def replace_image(self, image: LoadedImage, *, name: str, text: str = "Use as new base") -> None:
        """Continue from another picture (a result) as one undoable step with an empty mask.

        Undo returns to the previous picture, its mask and, further back, its mask history. ``name``
        says where the picture came from (the window's title shows it).
        """
        if self._image is None:
            self.swap_image(image, np.zeros((image.height, image.width), np.uint8), path=None, name=name)
            return
        before = (self._image, self._mask.copy(), self._path, self._name)
        after = (image, None, None, name)
        self.undo_stack.push(ReplaceImageCommand(self, before, after, text))

    def swap_image(self, image: LoadedImage, mask: np.ndarray | None, *, path: Path | None,
                   name: str | None) -> None:
        """Show ``image`` with ``mask`` (a new empty one for None); used by the commands above."""
        height, width = image.height, image.width
        self._image = image
        self._mask = mask.copy() if mask is not None else np.zeros((height, width), np.uint8)
        self._revision += 1
        if path != self._path or name != self._name:
            self._path, self._name = path, name
            self.path_changed.emit()
        self.image_changed.emit()
        self.mask_changed.emit(QRect(0, 0, width, height))

    def set_mask(self, mask: np.ndarray, *, text: str = "Set mask") -> None:
        """Replace the whole mask as one undoable step, storing only the changed bounding box."""
        if mask.shape != self._mask.shape:
            got, want = mask.shape, self._mask.shape
            raise ValueError(f"mask is {got[1]}x{got[0]}, image is {want[1]}x{want[0]}")
        mask = np.asarray(mask, dtype=np.uint8)
        rect = changed_bbox(self._mask, mask)
        if rect.isEmpty():
            return
        sl = _slices(rect)
        before = self._mask[sl].copy()
        after = mask[sl].copy()
        self.write_patch(rect, after)
        self.undo_stack.push(MaskPatchCommand(self, rect, before, after, text))

    def push_patch(self, rect: QRect, before: np.ndarray, *, text: str) -> None:
        """Record a change already written into ``mask`` inside ``rect`` (used by painting tools)."""
        if rect.isEmpty():
            return
        after = self._mask[_slices(rect)].copy()
        if np.array_equal(before, after):
            return
        self.undo_stack.push(MaskPatchCommand(self, rect, before, after, text))

    def apply_patch(self, rect: QRect, after: np.ndarray, *, text: str) -> None:
        """Write ``after`` into ``rect`` of the mask as one undoable step (shape fills, imports)."""
        rect = rect & QRect(0, 0, *self.size())
        if rect.isEmpty():
            return
        sl = _slices(rect)
        after = np.ascontiguousarray(after, dtype=np.uint8)
        if after.shape != self._mask[sl].shape:
            got = f"{after.shape[1]}x{after.shape[0]}"
            raise ValueError(f"patch is {got}, rect is {rect.width()}x{rect.height()}")
        before = self._mask[sl].copy()
        if np.array_equal(before, after):
            return
        self.write_patch(rect, after)
        self.undo_stack.push(MaskPatchCommand(self, rect, before, after, text))

    def mask_view_for_painting(self) -> np.ndarray:
        """The live mask array for tools that paint in place; they must call ``push_patch`` after."""
        return self._mask

    def notify_mask(self, rect: QRect) -> None:
        self._revision += 1
        self.mask_changed.emit(QRect(rect))

    def snapshot(self) -> DocumentSnapshot:
        if self._image is None:
            raise RuntimeError("no image is open")
        return DocumentSnapshot(image=self._image, mask=self._mask.copy(), path=self._path)

    def mark_saved(self) -> None:
        self.undo_stack.setClean()
        self._update_modified()

    def _update_modified(self, _index: int = 0) -> None:
        modified = not self.undo_stack.isClean()
        if modified != self._modified:
            self._modified = modified
            self.modified_changed.emit(modified)

    # -- used by undo commands (commands.PatchTarget) ---------------------------------------
    def write_patch(self, rect: QRect, patch: np.ndarray) -> None:
        self._mask[_slices(rect)] = patch
        self._revision += 1
        self.mask_changed.emit(QRect(rect))


def _slices(rect: QRect) -> tuple[slice, slice]:
    return slice(rect.top(), rect.top() + rect.height()), slice(rect.left(), rect.left() + rect.width())
