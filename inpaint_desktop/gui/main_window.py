"""The main window: wires the document, canvas, actions and message bar; behaviour lives elsewhere."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from inpaint_desktop.gui.canvas import Canvas, MaskView
from inpaint_desktop.gui.document import Document
from inpaint_desktop.gui.loader import BackgroundLoader
from inpaint_desktop.gui.message_bar import MessageBar
from inpaint_desktop.gui.tools import BrushSettings, ToolKind

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff);;All files (*)"


class MainWindow(QMainWindow):
    """Thin shell: builds actions/menus in small ``_setup_*`` methods and connects signals."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.loader = BackgroundLoader(self)
        self.canvas = Canvas(document)
        self.message_bar = MessageBar()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.canvas, 1)
        self.setCentralWidget(central)
        self.actions_by_name: dict[str, QAction] = {}
        self._setup_file_actions()
        self._setup_edit_actions()
        self._setup_view_actions()
        self._setup_help_actions()
        self._setup_status_bar()
        document.modified_changed.connect(self.setWindowModified)
        document.path_changed.connect(self._update_title)
        self._update_title()
        self.setAcceptDrops(True)
        self.resize(1200, 800)

    # -- public API for other panels -------------------------------------------------------
    def add_side_panel(
        self, widget: QWidget, title: str, area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self._view_menu.addAction(dock.toggleViewAction())
        return dock

    # -- action helpers ---------------------------------------------------------------------
    def _action(
        self, name: str, text: str, slot, shortcut: QKeySequence | str | list | None = None
    ) -> QAction:
        action = QAction(text, self)
        if isinstance(shortcut, list):
            action.setShortcuts([QKeySequence(s) for s in shortcut])
        elif shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.addAction(action)
        self.actions_by_name[name] = action
        return action

    def _setup_file_actions(self) -> None:
        menu = self.menuBar().addMenu("&File")
        menu.addAction(self._action("open", "&Open…", self.open_dialog, QKeySequence.StandardKey.Open))
        menu.addAction(self._action("export_mask", "&Export Mask…", self.export_mask_dialog, "Ctrl+Shift+E"))
        menu.addSeparator()
        menu.addAction(self._action("quit", "&Quit", self.close, QKeySequence.StandardKey.Quit))

    def _setup_edit_actions(self) -> None:
        menu = self.menuBar().addMenu("&Edit")
        undo = self.document.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.document.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for name, action in (("undo", undo), ("redo", redo)):
            self.addAction(action)
            self.actions_by_name[name] = action
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self._action("brush", "&Brush", lambda: self.canvas.set_tool(ToolKind.BRUSH), "B"))
        menu.addAction(self._action("eraser", "&Eraser", lambda: self.canvas.set_tool(ToolKind.ERASER), "E"))
        menu.addAction(self._action("smaller", "Smaller Brush", lambda: self._scale_brush(1 / 1.2), "["))
        menu.addAction(self._action("larger", "Larger Brush", lambda: self._scale_brush(1.2), "]"))
        menu.addSeparator()
        menu.addAction(
            self._action(
                "fill", "&Fill All", lambda: self._whole(lambda m: m * 0 + 255, "Fill"), "Ctrl+Shift+F"
            )
        )
        menu.addAction(
            self._action(
                "clear", "&Clear Mask", lambda: self._whole(lambda m: m * 0, "Clear"), "Ctrl+Shift+X"
            )
        )
        menu.addAction(
            self._action("invert", "&Invert Mask", lambda: self._whole(lambda m: 255 - m, "Invert"), "Ctrl+I")
        )

    def _setup_view_actions(self) -> None:
        menu = self._view_menu = self.menuBar().addMenu("&View")
        menu.addAction(self._action("fit", "&Fit", self.canvas.fit, "Ctrl+0"))
        menu.addAction(self._action("actual", "&100 %", self.canvas.zoom_actual, "Ctrl+1"))
        menu.addAction(self._action("zoom_in", "Zoom &In", lambda: self.canvas.zoom_by(1.25), ["+", "="]))
        menu.addAction(self._action("zoom_out", "Zoom &Out", lambda: self.canvas.zoom_by(0.8), "-"))
        overlay = self._action("overlay", "Show &Mask", self.canvas.set_overlay_visible, "M")
        overlay.setCheckable(True)
        overlay.setChecked(True)
        menu.addAction(overlay)
        api = self._action(
            "api_view",
            "Show Mask As &API Sees It",
            lambda on: self.canvas.set_mask_view(MaskView.API if on else MaskView.OVERLAY),
            "A",
        )
        api.setCheckable(True)
        menu.addAction(api)
        menu.addSeparator()

    def _setup_help_actions(self) -> None:
        menu = self.menuBar().addMenu("&Help")
        menu.addAction(self._action("shortcuts", "&Shortcuts", self.show_shortcuts, "F1"))

    def _setup_status_bar(self) -> None:
        self._zoom_label = QLabel()
        self._pos_label = QLabel()
        self._coverage_label = QLabel()
        for label in (self._pos_label, self._coverage_label, self._zoom_label):
            self.statusBar().addPermanentWidget(label)
        self.canvas.zoom_changed.connect(lambda s: self._zoom_label.setText(f"{s * 100:.0f} %"))
        self.canvas.cursor_moved.connect(self._show_position)
        self.document.mask_changed.connect(self._update_coverage)

    # -- behaviour --------------------------------------------------------------------------
    def _show_position(self, point: QPoint) -> None:
        self._pos_label.setText(f"{point.x()}, {point.y()} px")

    def _update_coverage(self) -> None:
        mask = self.document.mask
        pct = float(np.count_nonzero(mask)) * 100.0 / mask.size if mask.size else 0.0
        self._coverage_label.setText(f"mask {pct:.1f} %")

    def _scale_brush(self, factor: float) -> None:
        brush = self.canvas.brush
        self.canvas.set_brush(BrushSettings(size=brush.size * factor, hardness=brush.hardness))

    def _whole(self, op, text: str) -> None:
        if not self.document.is_empty():
            self.document.set_mask(
                op(self.document.mask.astype(np.int16)).clip(0, 255).astype(np.uint8), text=text
            )

    def _update_title(self) -> None:
        name = self.document.path.name if self.document.path else "Untitled"
        self.setWindowTitle(f"{name}[*] — Inpaint Desktop")

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open photo", "", IMAGE_FILTER)
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> None:
        """Load ``path`` on the thread pool; the current document is untouched if it fails."""
        self.statusBar().showMessage(f"Opening {path.name}…")
        self.loader.submit(
            lambda: _load_image(path),
            lambda image: self._image_loaded(image, path),
            lambda msg, details: self._fail(f"Could not open {path.name}: {msg}", details),
        )

    def _image_loaded(self, image, path: Path) -> None:
        self.statusBar().clearMessage()
        self.document.set_image(image, path=path)
        notice = getattr(image, "notice", None) or getattr(image, "warning", None)
        if notice:
            self.message_bar.show_message(str(notice), "info")
        else:
            self.message_bar.hide()

    def _fail(self, message: str, details: str) -> None:
        self.statusBar().clearMessage()
        self.message_bar.show_message(message, "error", details)

    def export_mask_dialog(self) -> None:
        if self.document.is_empty():
            self.message_bar.show_message("Open a photo before exporting a mask.", "warning")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export mask", "mask.png", "PNG (*.png)")
        if path:
            self.export_mask(Path(path))

    def export_mask(self, path: Path) -> None:
        """Encode the API mask (alpha 0 = edit) and write it atomically off the GUI thread."""
        from inpaint_desktop.core.mask import encode_api_mask
        from inpaint_desktop.store.atomic import atomic_write_bytes

        mask = self.document.mask.copy()
        self.loader.submit(
            lambda: atomic_write_bytes(path, encode_api_mask(mask)),
            lambda _: self.message_bar.show_message(f"Mask exported to {path}", "info"),
            lambda msg, details: self._fail(f"Could not export the mask: {msg}", details),
        )

    def show_shortcuts(self) -> None:
        # Generated from the live actions, so the list never goes stale.
        lines = [
            f"{a.text().replace('&', ''):32} {', '.join(s.toString() for s in a.shortcuts())}"
            for a in self.actions_by_name.values()
        ]
        lines += [
            "Space+drag / middle-drag    Pan",
            "Right button               Erase",
            "Shift+click                Straight line",
            "Ctrl+wheel                 Brush size",
            "Hold \\                     Hide mask",
        ]
        dialog = QDialog(self)
        dialog.setWindowTitle("Shortcuts")
        text = QPlainTextEdit("\n".join(lines))
        text.setReadOnly(True)
        QVBoxLayout(dialog).addWidget(text)
        dialog.resize(520, 480)
        dialog.show()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.document.is_modified:
            answer = QMessageBox.question(
                self,
                "Unsaved mask",
                "The mask has changes that were not exported. Close anyway?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                event.ignore()
                return
        event.accept()

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open_path(Path(urls[0].toLocalFile()))


def _load_image(path: Path) -> object:
    # Imported on the worker thread: decoding libraries stay off the start-up path.
    from inpaint_desktop.core.imaging import load_image

    return load_image(path)
