"""Undo commands for the mask: each holds only the changed rectangle's before/after patches."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QRect
from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from inpaint_desktop.core.imaging import LoadedImage


class PatchTarget(Protocol):
    """What a mask command writes into: the document's mask (kept abstract to avoid an import circle)."""

    def write_patch(self, rect: QRect, patch: np.ndarray) -> None: ...


class ImageTarget(Protocol):
    """What an image command swaps: the document's picture, mask and name."""

    def swap_image(self, image: LoadedImage, mask: np.ndarray | None, *, path: Path | None,
                   name: str | None) -> None: ...


# A picture with its mask (None: a new empty mask), its file and its name.
ImageState = tuple["LoadedImage", np.ndarray | None, Path | None, str | None]


def changed_bbox(before: np.ndarray, after: np.ndarray) -> QRect:
    """Smallest rectangle holding every pixel that differs (empty QRect when identical)."""
    diff = before != after
    rows = np.flatnonzero(diff.any(axis=1))
    if rows.size == 0:
        return QRect()
    cols = np.flatnonzero(diff[rows[0] : rows[-1] + 1].any(axis=0))
    return QRect(int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))


class MaskPatchCommand(QUndoCommand):
    """Restores/applies one rectangle of the mask; used for strokes and whole-mask operations alike."""

    def __init__(
        self, target: PatchTarget, rect: QRect, before: np.ndarray, after: np.ndarray, text: str
    ) -> None:
        super().__init__(text)
        self._target = target
        self._rect = QRect(rect)
        self._before = np.ascontiguousarray(before)
        self._after = np.ascontiguousarray(after)
        # The patch is already applied when the command is pushed; the first redo() is a no-op.
        self._applied = True

    @property
    def nbytes(self) -> int:
        return int(self._before.nbytes + self._after.nbytes)

    def redo(self) -> None:
        if self._applied:
            self._applied = False
            return
        self._target.write_patch(self._rect, self._after)

    def undo(self) -> None:
        self._applied = False
        self._target.write_patch(self._rect, self._before)


class ReplaceImageCommand(QUndoCommand):
    """Continue from another picture (Use as new base); undo brings back the picture and its mask.

    The mask edits made on the previous picture stay below this command on the stack, so undoing
    further walks back through them.
    """

    def __init__(self, target: ImageTarget, before: ImageState, after: ImageState, text: str) -> None:
        super().__init__(text)
        self._target = target
        self._before = before
        self._after = after

    def redo(self) -> None:
        image, mask, path, name = self._after
        self._target.swap_image(image, mask, path=path, name=name)

    def undo(self) -> None:
        image, mask, path, name = self._before
        self._target.swap_image(image, mask, path=path, name=name)
