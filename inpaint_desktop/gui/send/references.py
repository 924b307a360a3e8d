"""Reference images sent as extra ``image[]`` parts after the canvas image."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QImage,
    QKeySequence,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inpaint_desktop.api.types import ImageFile, sniff_image_mime
from inpaint_desktop.core.imaging import ImageLoadError, encode_png, load_image

MAX_IMAGE_BYTES = 50 * 1024 * 1024
# The canvas image is always first, so 15 references fill the 16-image limit.
MAX_IMAGES = 16
_ROLE = Qt.ItemDataRole.UserRole


def human_size(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


class ReferencesPanel(QWidget):
    """Add (file dialog, drag and drop, paste), reorder and remove reference images."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("references")
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        self.list = QListWidget(objectName="reference_list")
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setIconSize(QSize(40, 40))
        layout.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add…", objectName="ref_add")
        self.up_button = QPushButton("Up", objectName="ref_up")
        self.down_button = QPushButton("Down", objectName="ref_down")
        self.remove_button = QPushButton("Remove", objectName="ref_remove")
        for b in (self.add_button, self.up_button, self.down_button, self.remove_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.summary = QLabel(objectName="ref_summary", wordWrap=True)
        layout.addWidget(self.summary)
        self.error = QLabel(objectName="ref_error", wordWrap=True)
        self.error.setStyleSheet("color: #b00020;")
        layout.addWidget(self.error)
        self.convert_button = QPushButton("Add as PNG", objectName="ref_convert")
        self.convert_button.hide()
        self.convert_button.clicked.connect(self._convert)
        layout.addWidget(self.convert_button)
        self._pending: tuple[bytes, str] | None = None
        self.add_button.clicked.connect(self._browse)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.model().rowsMoved.connect(lambda *_: self._refresh())
        paste = QShortcut(QKeySequence.StandardKey.Paste, self.list)
        paste.activated.connect(self.paste)
        self._refresh()

    def files(self) -> tuple[ImageFile, ...]:
        return tuple(self.list.item(i).data(_ROLE) for i in range(self.list.count()))

    def add_bytes(self, data: bytes, name: str) -> bool:
        """Add one reference; refuse (with a message) what the API would reject."""
        if sniff_image_mime(data) is None:
            return self._offer_conversion(data, name)
        if len(data) >= MAX_IMAGE_BYTES:
            self.error.setText(f"{name}: {human_size(len(data))} is over the 50 MB limit per image.")
            return False
        if self.list.count() + 1 >= MAX_IMAGES:
            self.error.setText(f"At most {MAX_IMAGES - 1} references (the canvas image is the 16th).")
            return False
        self.error.clear()
        self.convert_button.hide()
        part = ImageFile.from_bytes(data, name)
        item = QListWidgetItem(f"{Path(name).name} · {human_size(len(data))}")
        item.setData(_ROLE, part)
        image = QImage.fromData(data)
        if not image.isNull():
            item.setIcon(QIcon(QPixmap.fromImage(image.scaled(40, 40, Qt.AspectRatioMode.KeepAspectRatio))))
        self.list.addItem(item)
        self._refresh()
        return True

    def _offer_conversion(self, data: bytes, name: str) -> bool:
        """A readable image the API does not take (BMP, TIFF, GIF...): offer a PNG copy, never silently."""
        try:
            loaded = load_image(data)
        except ImageLoadError:
            self.error.setText(f"{name}: not a PNG, JPEG or WebP image.")
            return False
        self.error.setText(f"{Path(name).name}: the API takes only PNG, JPEG or WebP. Add a PNG copy of it?")
        self._pending = (encode_png(loaded.array, compress_level=6), str(Path(name).with_suffix(".png")))
        self.convert_button.show()
        return False

    def _convert(self) -> None:
        pending, self._pending = self._pending, None
        self.convert_button.hide()
        if pending is not None:
            self.add_bytes(*pending)

    def add_paths(self, paths: list[str]) -> int:
        added = 0
        for p in paths:
            try:
                data = Path(p).read_bytes()
            except OSError as exc:
                self.error.setText(f"{p}: {exc.strerror or exc}")
                continue
            added += self.add_bytes(data, p)
        return added

    def move_selected(self, delta: int) -> None:
        row = self.list.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)
        self._refresh()

    def remove_selected(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
            self._refresh()

    def paste(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        if mime.hasUrls():
            self.add_paths([u.toLocalFile() for u in mime.urls() if u.isLocalFile()])
        elif mime.hasImage():
            from inpaint_desktop.gui.send.support import qimage_to_png

            self.add_bytes(qimage_to_png(QImage(mime.imageData())), "pasted.png")

    def _browse(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add reference images", "",
                                                "Images (*.png *.jpg *.jpeg *.webp)")
        self.add_paths(paths)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls():
            self.add_paths([u.toLocalFile() for u in mime.urls() if u.isLocalFile()])
        event.acceptProposedAction()

    def _refresh(self) -> None:
        total = sum(f.size for f in self.files())
        n = self.list.count()
        self.summary.setText(
            f"{n} reference(s), {human_size(total)} · sent after the canvas image · "
            f"limits: 50 MB each, {MAX_IMAGES} images in all (canvas + {MAX_IMAGES - 1})"
        )
        self.changed.emit()
