"""What the results panel shows, as an observable model: the variants, the selection, the pinned A,
and whether the protected or the raw result is shown.

Widgets bind to it (they set it from user input and redraw on its ``*_changed`` signals, which fire
only on a real change); nothing reads the state back from a widget's flags.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from inpaint_desktop.gui.results.variant import Variant
from inpaint_desktop.gui.results.variant_store import ImageKind


@dataclass(frozen=True)
class StripEntry:
    """One variant, with the original it was made from and the job's prompt.

    ``source`` names the picture the job was sent from (a file name, or an earlier result).
    """

    job_id: str
    variant: Variant
    original: QImage | None
    prompt: str
    source: str = ""

    @property
    def name(self) -> str:
        return f"{self.job_id} #{self.variant.index + 1}"


@dataclass(frozen=True)
class Pinned:
    """A variant pinned as A, so other variants are compared against it instead of the original."""

    entry: int
    image: QImage
    caption: str
    kind: ImageKind = "fullsize"


@dataclass(frozen=True)
class BaseChoice:
    """A shown result picked to continue from ("Use as new base"), with a name saying where it came from."""

    image: QImage
    name: str
    job_id: str
    index: int
    kind: ImageKind


class ResultsModel(QObject):
    """The variants of a session and how they are being looked at."""

    entries_added = Signal(int, int)  # index of the first new entry, how many
    selection_changed = Signal(int)  # index into ``entries``, or -1
    pinned_changed = Signal(object)  # Pinned | None
    show_protected_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries: list[StripEntry] = []
        self._selection = -1
        self._pinned: Pinned | None = None
        self._show_protected = True

    # -- the variants --------------------------------------------------------------------
    def add(self, job_id: str, variants: tuple[Variant, ...], original: QImage | None, prompt: str,
            *, source: str = "") -> range:
        """Add one job's variants; returns their indices."""
        first = len(self.entries)
        self.entries.extend(StripEntry(job_id, v, original, prompt, source) for v in variants)
        added = range(first, len(self.entries))
        if added:
            self.entries_added.emit(first, len(added))
        return added

    def entry(self, index: int) -> StripEntry | None:
        return self.entries[index] if 0 <= index < len(self.entries) else None

    # -- the selection (B) ---------------------------------------------------------------
    @property
    def selection(self) -> int:
        return self._selection

    @property
    def selected(self) -> StripEntry | None:
        return self.entry(self._selection)

    def select(self, index: int) -> None:
        index = index if 0 <= index < len(self.entries) else -1
        if index != self._selection:
            self._selection = index
            self.selection_changed.emit(index)

    # -- A: the original, or a pinned variant --------------------------------------------
    @property
    def pinned(self) -> Pinned | None:
        return self._pinned

    def pin(self, pinned: Pinned | None) -> None:
        if pinned != self._pinned:
            self._pinned = pinned
            self.pinned_changed.emit(pinned)

    # -- protected or raw ----------------------------------------------------------------
    @property
    def show_protected(self) -> bool:
        return self._show_protected

    def set_show_protected(self, on: bool) -> None:
        if on != self._show_protected:
            self._show_protected = on
            self.show_protected_changed.emit(on)

    def kind_of(self, variant: Variant) -> ImageKind:
        """The image shown of ``variant``: protected when asked for and it has one, else the full size."""
        return "protected" if self._show_protected and variant.pixels.has_protected else "fullsize"
