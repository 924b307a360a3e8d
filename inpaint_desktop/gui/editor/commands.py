"""Undo commands for the mask: each holds only the changed rectangle's before/after patches."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from PySide6.QtCore import QRect
from PySide6.QtGui import QUndoCommand


class PatchTarget(Protocol):
    """What a mask command writes into: the document's mask (kept abstract to avoid an import circle)."""

    def write_patch(self, rect: QRect, patch: np.ndarray) -> None: ...


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
