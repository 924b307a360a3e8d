"""File > Import Mask: choose a mask file and say which colour means "edit"."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

MASK_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff);;All files (*)"


class ImportMaskDialog(QDialog):
    """Path + "white means edit" choice; ``path()`` and ``invert()`` after ``accept``."""

    def __init__(self, parent: QWidget | None = None, *, start_dir: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Import mask")
        self._start_dir = start_dir
        self.path_edit = QLineEdit(objectName="mask_path")
        self.path_edit.setPlaceholderText("mask.png")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        explain = QLabel(
            "A PNG with transparency is used as is: transparent marks where to edit. "
            "A black-and-white or greyscale image is converted the way the API guide recommends: "
            "black marks where to edit, white what to keep.",
            wordWrap=True,
        )
        self.invert_box = QCheckBox("White means edit (invert)", objectName="invert")
        self.error = QLabel(objectName="error", wordWrap=True)
        self.error.setStyleSheet("color: #b00020;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(explain)
        layout.addWidget(self.invert_box)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(520, 200)

    def path(self) -> Path:
        return Path(self.path_edit.text().strip()).expanduser()

    def invert(self) -> bool:
        return self.invert_box.isChecked()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a mask", self._start_dir, MASK_FILTER)
        if path:
            self.path_edit.setText(path)

    def _accept(self) -> None:
        text = self.path_edit.text().strip()
        if not text:
            self.error.setText("Choose a mask file first.")
            return
        if not self.path().is_file():
            self.error.setText(f"There is no file at {text}.")
            return
        self.accept()
