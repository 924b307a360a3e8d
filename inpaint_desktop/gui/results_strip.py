"""Results strip: thumbnails of variants, a viewer with hold-to-compare, "Use as new base"."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inpaint_desktop.gui.job_payload import Variant

_THUMB = 96


@dataclass(frozen=True)
class StripEntry:
    job_id: str
    variant: Variant
    original: QImage | None
    prompt: str


class ResultViewer(QLabel):
    """Shows one variant large; press and hold to see the original instead."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("result_viewer")
        self.setMinimumSize(200, 120)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("background: #1e1e1e; color: #aaa;")
        self.setText("Results appear here")
        self.setToolTip("Hold the mouse button to compare with the original")
        self._shown: QImage | None = None
        self._original: QImage | None = None
        self.comparing = False

    def set_images(self, shown: QImage | None, original: QImage | None) -> None:
        self._shown, self._original = shown, original
        self._render()

    def current_image(self) -> QImage | None:
        return self._original if self.comparing and self._original is not None else self._shown

    def _render(self) -> None:
        image = self.current_image()
        if image is None:
            return
        pix = QPixmap.fromImage(image).scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation)
        self.setPixmap(pix)

    def mousePressEvent(self, event) -> None:
        self.comparing = True
        self._render()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        self.comparing = False
        self._render()
        super().mouseReleaseEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._render()


class ResultsStrip(QWidget):
    """Thumbnails of every variant of the session plus the viewer and its actions."""

    use_as_base = Signal(object)  # QImage
    variant_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("results_strip")
        self.entries: list[StripEntry] = []
        layout = QVBoxLayout(self)
        self.viewer = ResultViewer()
        layout.addWidget(self.viewer, 1)
        bar = QHBoxLayout()
        self.raw_button = QPushButton("Raw", checkable=True, objectName="show_raw")
        self.protected_button = QPushButton("Protected", checkable=True, objectName="show_protected")
        self.protected_button.setToolTip("Original kept outside the mask, result inside (feathered)")
        group = QButtonGroup(self)
        group.addButton(self.raw_button)
        group.addButton(self.protected_button)
        self.protected_button.setChecked(True)
        self.which = QLabel(objectName="which")
        self.use_button = QPushButton("Use as new base", objectName="use_as_base", enabled=False)
        for w in (self.raw_button, self.protected_button):
            bar.addWidget(w)
        bar.addWidget(self.which, 1)
        bar.addWidget(self.use_button)
        layout.addLayout(bar)
        self.thumbs = QListWidget(objectName="thumbs")
        self.thumbs.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbs.setFlow(QListWidget.Flow.LeftToRight)
        self.thumbs.setWrapping(False)
        self.thumbs.setIconSize(QSize(_THUMB, _THUMB))
        self.thumbs.setFixedHeight(_THUMB + 36)
        layout.addWidget(self.thumbs)
        self.thumbs.currentRowChanged.connect(self._show)
        self.raw_button.toggled.connect(lambda _c: self._show(self.thumbs.currentRow()))
        self.use_button.clicked.connect(self._use)

    def add_variants(self, job_id: str, variants: tuple[Variant, ...], original: QImage | None,
                     prompt: str) -> None:
        first = len(self.entries)
        for v in variants:
            self.entries.append(StripEntry(job_id, v, original, prompt))
            small = v.thumb if v.thumb is not None else v.fullsize
            item = QListWidgetItem(QIcon(QPixmap.fromImage(small).scaled(
                _THUMB, _THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation)), f"{job_id} #{v.index + 1}")
            item.setToolTip(f"{prompt}\n{v.label}" if v.label else prompt)
            self.thumbs.addItem(item)
        if variants:
            self.thumbs.setCurrentRow(first)

    def shown_image(self) -> QImage | None:
        row = self.thumbs.currentRow()
        if row < 0:
            return None
        v = self.entries[row].variant
        if self.protected_button.isChecked() and v.protected is not None:
            return v.protected
        return v.fullsize

    def _show(self, row: int) -> None:
        if row < 0 or row >= len(self.entries):
            return
        entry = self.entries[row]
        image = self.shown_image()
        protected = self.protected_button.isChecked() and entry.variant.protected is not None
        self.protected_button.setEnabled(entry.variant.protected is not None)
        label = "Showing: protected composite" if protected else "Showing: raw result"
        if entry.variant.resized and not protected:
            label += " (mapped back to the original size)"
        if entry.variant.label:
            label += f" · {entry.variant.label}"
        self.which.setText(label)
        # What the raw result changed where nothing was meant to change: why "protected" exists.
        self.which.setToolTip(f"Raw result: {entry.variant.drift}" if entry.variant.drift else "")
        self.viewer.set_images(image, entry.original)
        self.use_button.setEnabled(True)
        self.variant_selected.emit(row)

    def _use(self) -> None:
        if (image := self.shown_image()) is not None:
            self.use_as_base.emit(image)
