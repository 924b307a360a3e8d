"""Results workspace: thumbnails of every variant of the session beside a compare view.

The thumbnails form a column (newest job on top, each job's variants together) so the compare view
keeps the full height of a short bottom dock. The compare view shows A (the original, or a pinned
variant) against B (the selected variant) side by side, as a swipe, or as a flip.

Full-size pixels stay in memory only for a bounded working set (``VariantStore``): what is on screen
and the most recently viewed variants, within a byte budget. Other variants keep their thumbnail and
saved files, and are read back in the background when selected while the view shows "Loading…".
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from inpaint_desktop.gui.results.compare import CompareMode, CompareView, PendingImage
from inpaint_desktop.gui.results.model import BaseChoice, Pinned, ResultsModel, StripEntry
from inpaint_desktop.gui.results.panel_keys import PanelKeys
from inpaint_desktop.gui.results.variant import Variant
from inpaint_desktop.gui.results.variant_store import ImageKind, VariantPixels, VariantStore

_THUMB = 64
_COLUMN_WIDTH = 128
# Alternating shades tell one job's variants from the next in the thumbnail column.
_JOB_SHADES = (QColor(0, 0, 0, 0), QColor(120, 140, 170, 45))
_ENTRY_ROLE = Qt.ItemDataRole.UserRole


class ResultsStrip(QWidget):
    """Thumbnails of every variant of the session, the compare view and its actions."""

    use_as_base = Signal(object)  # BaseChoice
    variant_selected = Signal(int)  # index into ``entries``

    def __init__(self, parent: QWidget | None = None, *, memory_budget: int | None = None,
                 model: ResultsModel | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("results_strip")
        # The state shown (variants, selection, pinned A, protected or raw) lives in the model.
        self.model = model or ResultsModel(self)
        # Full-size pixels of a bounded working set; ``memory_budget`` bytes (default: 1 GiB or less).
        self.store = VariantStore(memory_budget, self)
        self.store.loaded.connect(self._on_loaded)
        self.store.load_failed.connect(self._on_load_failed)
        self._use_when_loaded: tuple[VariantPixels, ImageKind] | None = None
        self._load_errors: dict[tuple[VariantPixels, ImageKind], str] = {}
        self._jobs: list[str] = []
        outer = QHBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.thumbs = self._make_thumbs()
        outer.addWidget(self.thumbs)
        right = QVBoxLayout()
        right.setSpacing(3)
        outer.addLayout(right, 1)
        right.addLayout(self._make_bar())
        self.viewer = CompareView()
        # Below this the compare view is too small to judge a detail; the dock scrolls no further.
        self.viewer.setMinimumHeight(170)
        right.addWidget(self.viewer, 1)
        self.which = QLabel(objectName="which")
        self.which.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.drift = QLabel(objectName="drift")
        self.drift.setStyleSheet("color: #8a6d00;")
        self.note = QLabel(objectName="memory_note")
        self.note.setStyleSheet("color: #a33;")
        self.note.hide()
        info = QVBoxLayout()
        info.setSpacing(0)
        for label in (self.which, self.drift, self.note):
            # Long descriptions must not set the panel's minimum width; the full text is selectable.
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            info.addWidget(label)
        bottom = QHBoxLayout()
        bottom.addLayout(info, 1)
        bottom.addLayout(self.actions_row)
        right.addLayout(bottom)
        self._make_keys()
        self.thumbs.currentItemChanged.connect(self._on_thumb_changed)
        self.viewer.mode_changed.connect(self._sync_mode_buttons)
        self.model.selection_changed.connect(self._on_selection)
        self.model.show_protected_changed.connect(self._on_show_protected)
        self.model.pinned_changed.connect(self._on_pinned)

    # -- construction --------------------------------------------------------------------
    def _make_thumbs(self) -> QListWidget:
        thumbs = QListWidget(objectName="thumbs")
        thumbs.setViewMode(QListWidget.ViewMode.IconMode)
        thumbs.setFlow(QListWidget.Flow.TopToBottom)
        thumbs.setWrapping(False)
        thumbs.setMovement(QListWidget.Movement.Static)
        thumbs.setIconSize(QSize(_THUMB, _THUMB))
        thumbs.setGridSize(QSize(_COLUMN_WIDTH - 22, _THUMB + 22))
        thumbs.setFixedWidth(_COLUMN_WIDTH)
        thumbs.setToolTip("Variants of this session, newest job first (hover for the prompt)")
        return thumbs

    def _make_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(3)
        self.mode_buttons: dict[CompareMode, QPushButton] = {}
        modes = QButtonGroup(self)
        for mode, text, key, tip in (
            (CompareMode.SIDE_BY_SIDE, "Side by side", "S", "A and B next to each other, zoomed together"),
            (CompareMode.SWIPE, "Swipe", "W", "Drag a divider: A on the left, B on the right"),
            (CompareMode.FLIP, "Flip", "F", "One view; click, F or Space flips A/B, hold shows A"),
        ):
            button = QPushButton(text, checkable=True, objectName=f"mode_{mode.value}")
            button.setToolTip(f"{tip} ({key})")
            button.clicked.connect(lambda _c=False, m=mode: self.set_mode(m))
            modes.addButton(button)
            bar.addWidget(button)
            self.mode_buttons[mode] = button
        self.mode_buttons[CompareMode.SIDE_BY_SIDE].setChecked(True)
        self.fit_button = QPushButton("Fit", objectName="fit")
        self.fit_button.setToolTip("Fit the image to the view (0, or double-click the image)")
        self.fit_button.clicked.connect(self.viewer_fit)
        bar.addWidget(self.fit_button)
        bar.addSpacing(8)
        self.raw_button = QPushButton("Raw", checkable=True, objectName="show_raw")
        self.raw_button.setToolTip("The image as the engine returned it, at the original size (R)")
        self.protected_button = QPushButton("Protected", checkable=True, objectName="show_protected")
        self.protected_button.setToolTip("Original kept outside the mask, result inside (feathered) (R)")
        group = QButtonGroup(self)
        group.addButton(self.raw_button)
        group.addButton(self.protected_button)
        self.protected_button.setChecked(True)
        self.raw_button.clicked.connect(lambda: self.model.set_show_protected(False))
        self.protected_button.clicked.connect(lambda: self.model.set_show_protected(True))
        bar.addWidget(self.raw_button)
        bar.addWidget(self.protected_button)
        self.pin_button = QPushButton("Pin as A", checkable=True, objectName="pin_as_a")
        self.pin_button.setToolTip("Compare other variants against the shown one instead of the original")
        self.pin_button.clicked.connect(self._on_pin_clicked)
        bar.addWidget(self.pin_button)
        bar.addStretch(1)
        self.actions_row = actions = QHBoxLayout()
        self.open_button = QPushButton("Open folder", objectName="open_folder", enabled=False)
        self.open_button.setToolTip("Show the folder where this result was saved")
        self.open_button.clicked.connect(self.open_folder)
        actions.addWidget(self.open_button)
        self.use_button = QPushButton("Use as new base", objectName="use_as_base", enabled=False)
        self.use_button.setToolTip("Continue editing from the shown variant (raw or protected, as shown)")
        self.use_button.clicked.connect(self._use)
        actions.addWidget(self.use_button)
        for button in self.findChildren(QPushButton):
            # Compact buttons, so the panel still fits a narrow floating dock.
            button.setStyleSheet("QPushButton { padding: 3px 8px; }")
        return bar

    def _make_keys(self) -> None:
        """The panel's single keys (they act while the focus is anywhere in it; see PanelKeys)."""
        keys: dict[int, Callable[[], None]] = {
            Qt.Key.Key_Left: lambda: self.step(-1),
            Qt.Key.Key_Right: lambda: self.step(1),
            Qt.Key.Key_S: lambda: self.set_mode(CompareMode.SIDE_BY_SIDE),
            Qt.Key.Key_W: lambda: self.set_mode(CompareMode.SWIPE),
            Qt.Key.Key_F: self._flip_key,
            Qt.Key.Key_Space: self._flip_key,
            Qt.Key.Key_0: self.viewer_fit,
            Qt.Key.Key_R: self._toggle_raw,
        }
        for n in range(1, 10):
            keys[Qt.Key.Key_0 + n] = partial(self.select_number, n)
        self.panel_keys = PanelKeys(self, keys)

    def sizeHint(self) -> QSize:
        # Tall enough for a useful compare view when docked at the bottom of the window.
        return QSize(900, 320)

    # -- public API ----------------------------------------------------------------------
    @property
    def entries(self) -> list[StripEntry]:
        return self.model.entries

    @property
    def pinned(self) -> Pinned | None:
        return self.model.pinned

    def add_variants(self, job_id: str, variants: tuple[Variant, ...], original: QImage | None,
                     prompt: str, *, source: str = "") -> None:
        """Add one job's variants at the top of the column and show the first of them.

        Their images are resident when they arrive; once saved, those outside the working set are
        released (the first variant, shown now, is kept).
        """
        if not variants:
            return
        added = self.model.add(job_id, variants, original, prompt, source=source)
        self._jobs.append(job_id)
        shade = _JOB_SHADES[(len(self._jobs) - 1) % len(_JOB_SHADES)]
        for row, (index, v) in enumerate(zip(added, variants, strict=True)):
            # The worker makes every thumbnail; without one, only pixels in memory are scaled here.
            small = v.thumb if v.thumb is not None else v.pixels.resident("fullsize") or QImage()
            icon = QIcon(QPixmap.fromImage(small.scaled(_THUMB, _THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                        Qt.TransformationMode.SmoothTransformation)))
            item = QListWidgetItem(icon, f"job {len(self._jobs)} · #{v.index + 1}")
            tip = [prompt]
            if v.label:
                tip.append(v.label)
            if v.saved_dir:
                tip.append(f"Saved in {v.saved_dir}")
            item.setToolTip("\n".join(tip))
            item.setData(_ENTRY_ROLE, index)
            item.setBackground(shade)
            self.thumbs.insertItem(row, item)  # newest job first, its variants in order
        for v in reversed(variants):  # the first variant counts as the most recently used
            self.store.add(v.pixels, enforce=False)
        self.model.select(added[0])  # keeps the shown image resident
        self.store.enforce()
        self.thumbs.scrollToTop()

    def current_index(self) -> int:
        """Index into ``entries`` of the selected variant, or -1."""
        return self.model.selection

    def current_entry(self) -> StripEntry | None:
        return self.model.selected

    def shown_image(self) -> QImage | None:
        """The selected variant as shown: the protected composite, or the raw result.

        ``None`` while it is read back from disk (``loading`` is then True).
        """
        entry = self.current_entry()
        if entry is None:
            return None
        return self.store.get(entry.variant.pixels, self._kind(entry.variant))

    @property
    def loading(self) -> bool:
        """Whether the selected variant's shown image is being read back from disk."""
        entry = self.current_entry()
        return entry is not None and self.store.loading(entry.variant.pixels, self._kind(entry.variant))

    def select_entry(self, index: int) -> None:
        self.model.select(index)

    def step(self, delta: int) -> None:
        """Select the previous (-1) or next (+1) thumbnail in the column."""
        if self.thumbs.count():
            row = min(self.thumbs.count() - 1, max(0, self.thumbs.currentRow() + delta))
            self.thumbs.setCurrentRow(row)

    def select_number(self, number: int) -> None:
        """Select variant #``number`` of the job whose variant is shown."""
        entry = self.current_entry()
        if entry is None:
            return
        for index, other in enumerate(self.entries):
            if other.job_id == entry.job_id and other.variant.index == number - 1:
                self.select_entry(index)
                return

    def set_mode(self, mode: CompareMode) -> None:
        self.viewer.set_mode(mode)
        self._sync_mode_buttons(mode)

    def viewer_fit(self) -> None:
        self.viewer.fit()

    def open_folder(self) -> None:
        entry = self.current_entry()
        folder = entry.variant.saved_dir if entry is not None else None
        if not folder:
            return
        if not os.path.isdir(folder):
            self.which.setText(f"The result's folder no longer exists: {folder}")
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(folder)):
            self.which.setText(f"Could not open the folder {folder}: no file manager answered")

    # -- internals -----------------------------------------------------------------------
    def _kind(self, v: Variant) -> ImageKind:
        return self.model.kind_of(v)

    # -- bindings: widgets -> model, model -> widgets --------------------------------------
    def _on_thumb_changed(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if item is not None:
            self.model.select(int(item.data(_ENTRY_ROLE)))

    def _on_selection(self, index: int) -> None:
        for row in range(self.thumbs.count()):
            item = self.thumbs.item(row)
            if int(item.data(_ENTRY_ROLE)) == index:
                if self.thumbs.currentItem() is not item:
                    self.thumbs.setCurrentItem(item)
                break
        self._show()

    def _on_show_protected(self, on: bool) -> None:
        (self.protected_button if on else self.raw_button).setChecked(True)
        self._show()

    def _show(self, *, selection_changed: bool = True) -> None:
        """Show the selected variant; ``selection_changed`` is False when only its pixels arrived."""
        entry = self.current_entry()
        if entry is None:
            return
        v, pixels = entry.variant, entry.variant.pixels
        shown_kind = self._kind(v)
        key = (pixels, shown_kind)
        if selection_changed:
            self._use_when_loaded = None  # a different image is shown now
            self._load_errors.pop(key, None)  # selecting it again tries the disk again
        wanted = [key]
        pinned = self.model.pinned
        if pinned is not None:
            wanted.append((self.entries[pinned.entry].variant.pixels, pinned.kind))
        self.store.keep(wanted)
        error = self._load_errors.get(key)
        image = None if error else self.store.get(pixels, shown_kind)
        protected = shown_kind == "protected"
        self.protected_button.setEnabled(pixels.has_protected)
        kind = "protected" if protected else "raw"
        if protected:
            label = "B: protected composite"
        elif self.model.show_protected:
            # Protected was asked for but this variant has none: say so rather than swap silently.
            label = "B: raw result (this variant has no protected composite)"
        else:
            label = "B: raw result"
        if v.resized and not protected:
            label += ", mapped back to the original size"
        label += f" · {entry.name}"
        if v.label:
            label += f" · {v.label}"
        self.which.setText(label)
        self.which.setToolTip(entry.prompt)
        # What the raw result changed where nothing was meant to change: why "protected" exists.
        self.drift.setText(f"Raw result: {v.drift}" if v.drift else "")
        self.drift.setVisible(bool(v.drift))
        a: QImage | None
        if pinned is not None:
            a, caption_a = pinned.image, pinned.caption
        else:
            a, caption_a = entry.original, "A: original"
        pending = None
        if image is None:
            message = (f"Could not read #{v.index + 1} back from disk: {error}" if error
                       else f"Loading #{v.index + 1} {kind}…")
            pending = PendingImage(pixels.width, pixels.height, v.thumb, message)
        self.viewer.set_images(a, image, caption_a=caption_a, caption_b=f"B: #{v.index + 1} {kind}",
                               pending=pending)
        self.use_button.setEnabled(not error)
        # Pinning needs B's pixels; unpinning is always possible.
        self.pin_button.setEnabled(image is not None or pinned is not None)
        self.open_button.setEnabled(bool(v.saved_dir))
        self.open_button.setToolTip(f"Show {v.saved_dir}" if v.saved_dir else "This result was not saved")
        self._show_note(v)
        if selection_changed:
            self.variant_selected.emit(self.current_index())

    def _show_note(self, v: Variant) -> None:
        unsaved = v.files is None
        if unsaved:
            mb = v.pixels.resident_bytes() / 1e6
            self.note.setText(f"Not saved to disk: this result's images stay in memory ({mb:.0f} MB) "
                              "until the app closes, so nothing is lost.")
        self.note.setVisible(unsaved)

    def _on_loaded(self, pixels: VariantPixels, kind: str) -> None:
        entry = self.current_entry()
        if entry is None or entry.variant.pixels is not pixels or self._kind(entry.variant) != kind:
            return  # a variant viewed earlier; it stays in the working set if the budget allows
        self._show(selection_changed=False)
        if self._use_when_loaded == (pixels, kind):
            self._use_when_loaded = None
            self._use()

    def _on_load_failed(self, pixels: VariantPixels, kind: str, message: str) -> None:
        entry = self.current_entry()
        if entry is None or entry.variant.pixels is not pixels or self._kind(entry.variant) != kind:
            return
        self._load_errors[(pixels, self._kind(entry.variant))] = message
        self._use_when_loaded = None
        self._show(selection_changed=False)

    def _on_pin_clicked(self, checked: bool) -> None:
        entry, image = self.current_entry(), self.shown_image()
        if checked and entry is not None and image is not None:
            shown_kind = self._kind(entry.variant)
            kind = "protected" if shown_kind == "protected" else "raw"
            self.model.pin(Pinned(self.current_index(), image, f"A: {entry.name} {kind}", shown_kind))
        else:
            self.model.pin(None)
        self._on_pinned(self.model.pinned)  # the button follows the model even when nothing changed

    def _on_pinned(self, pinned: Pinned | None) -> None:
        self.pin_button.setChecked(pinned is not None)
        if pinned is not None:
            self.pin_button.setToolTip(f"A is {self.entries[pinned.entry].name}; "
                                       "uncheck to compare against the original")
        else:
            self.pin_button.setToolTip("Compare other variants against the shown one instead of the original")
        self._show()

    def _sync_mode_buttons(self, mode: CompareMode) -> None:
        self.mode_buttons[mode].setChecked(True)

    def _flip_key(self) -> None:
        """F / Space: switch to Flip (showing B), then each press flips between A and B."""
        if self.viewer.mode is not CompareMode.FLIP:
            self.set_mode(CompareMode.FLIP)
        else:
            self.viewer.flip()

    def _toggle_raw(self) -> None:
        if self.protected_button.isEnabled():
            self.model.set_show_protected(not self.model.show_protected)

    def _use(self) -> None:
        """Emit ``use_as_base`` with the shown image; one still loading is used once it has arrived."""
        entry = self.current_entry()
        if entry is None:
            return
        if (image := self.shown_image()) is not None:
            kind = self._kind(entry.variant)
            what = "protected" if kind == "protected" else "raw"
            origin = f" of {entry.source}" if entry.source else ""
            name = f"variant {entry.variant.index + 1} ({what}){origin} · job {entry.job_id}"
            self.use_as_base.emit(BaseChoice(image, name, entry.job_id, entry.variant.index, kind))
        elif self.loading:
            self._use_when_loaded = (entry.variant.pixels, self._kind(entry.variant))
            self.which.setText(self.which.text() + " · used as the new base once it has loaded")
