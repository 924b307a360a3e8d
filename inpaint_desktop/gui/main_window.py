"""The main window: wires the document, canvas, panels, actions and message bar.

Behaviour lives elsewhere (canvas, mask operations, loaders); this module builds the actions from
small tables in ``_setup_*`` methods and opens files. Every action is in a menu, has a shortcut,
and the Tools panel or toolbar shows a button for it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from inpaint_desktop.gui.common.loader import BackgroundLoader
from inpaint_desktop.gui.common.message_bar import Level, MessageBar
from inpaint_desktop.gui.editor.canvas import Canvas, MaskView
from inpaint_desktop.gui.editor.document import Document
from inpaint_desktop.gui.editor.mask_ops import MaskOperations
from inpaint_desktop.gui.editor.opening import Opener
from inpaint_desktop.gui.editor.tool_panel import ToolPanel, choose_overlay_color
from inpaint_desktop.gui.editor.tools import BrushSettings, ToolKind
from inpaint_desktop.store.settings import Settings, load_settings, save_settings

Shortcut = QKeySequence | QKeySequence.StandardKey | str | list[str] | None
OPACITY_STEP = 0.1


class MainWindow(QMainWindow):
    """Thin shell: builds actions/menus in small ``_setup_*`` methods and connects signals."""

    def __init__(
        self, document: Document, parent: QWidget | None = None, *, settings_path: Path | None = None
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.settings_path = settings_path
        self.settings: Settings = load_settings(settings_path)
        self.loader = BackgroundLoader(self)
        self.canvas = Canvas(document)
        self.message_bar = MessageBar()
        self.mask_ops = MaskOperations(document, self.loader, self.message_bar, self)
        self.opener = Opener(
            document, self.loader, self.message_bar, confirm_discard=self.confirm_discard,
            show_status=self.show_status, import_mask=self.mask_ops.import_mask, parent=self,
        )
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.canvas, 1)
        self.setCentralWidget(central)
        self.actions_by_name: dict[str, QAction] = {}
        self._apply_settings()
        self._setup_file_actions()
        self._setup_edit_actions()
        self._setup_tool_actions()
        self._setup_view_actions()
        self._setup_help_actions()
        self._setup_panels()
        self._setup_status_bar()
        document.modified_changed.connect(self.setWindowModified)
        document.path_changed.connect(self._update_title)
        self._settings_timer = QTimer(self, singleShot=True, interval=800)
        self._settings_timer.timeout.connect(self.save_settings)
        self.canvas.brush_changed.connect(self._settings_timer.start)
        self.canvas.overlay_changed.connect(self._settings_timer.start)
        self._update_title()
        self.setAcceptDrops(True)
        self.resize(1280, 820)

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

    def open_path(self, path: Path, *, mask: Path | None = None) -> None:
        """Open a photo in the background (and then ``mask`` with it); a failure leaves all as it was."""
        self.opener.open_path(Path(path), mask=mask)

    def export_mask(self, path: Path) -> None:
        self.mask_ops.export_mask(path)

    def update_settings(self, **changes: object) -> None:
        """Change user preferences (for example ``base_url``) and save them."""
        self.settings = self.settings.with_changes(**changes)
        self.save_settings()

    # -- what panels need from the window (send.workflow.SendHost) ---------------------------
    def show_message(self, text: str, level: Level = "error", details: str | None = None) -> None:
        self.message_bar.show_message(text, level, details)

    def show_status(self, text: str, timeout_ms: int = 0) -> None:
        if text:
            self.statusBar().showMessage(text, timeout_ms)
        else:
            self.statusBar().clearMessage()

    def dialog_parent(self) -> QWidget:
        return self

    # -- action helpers ---------------------------------------------------------------------
    def _action(
        self, name: str, text: str, slot: Callable[..., object], shortcut: Shortcut = None, *,
        tip: str = "", checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if isinstance(shortcut, list):
            action.setShortcuts([QKeySequence(s) for s in shortcut])
        elif shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        self.actions_by_name[name] = action
        return action

    def _setup_file_actions(self) -> None:
        menu = self.file_menu = self.menuBar().addMenu("&File")
        menu.addAction(self._action("open", "&Open…", self.open_dialog, QKeySequence.StandardKey.Open))
        self._recent_menu = QMenu("Open &Recent", self)
        self._recent_menu.aboutToShow.connect(
            lambda: self.opener.recent.fill_menu(self._recent_menu, self.open_path)
        )
        menu.addMenu(self._recent_menu)
        paste = QKeySequence.StandardKey.Paste
        menu.addAction(self._action("paste", "&Paste Image", self.opener.paste, paste,
                                    tip="Open the image (or image file) on the clipboard"))
        menu.addSeparator()
        menu.addAction(self._action("import_mask", "&Import Mask…", self.import_mask_dialog, "Ctrl+Shift+I",
                                    tip="Load a mask: transparent or black = edit"))
        menu.addAction(self._action("export_mask", "&Export Mask…", self.export_mask_dialog, "Ctrl+Shift+E",
                                    tip="Save the mask as the API expects it (alpha 0 = edit)"))
        menu.addSeparator()
        menu.addAction(self._action("quit", "&Quit", self.close, "Ctrl+Q"))

    def _setup_edit_actions(self) -> None:
        menu = self.menuBar().addMenu("&Edit")
        undo = self.document.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.document.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for name, action in (("undo", undo), ("redo", redo)):
            action.setObjectName(name)
            self.addAction(action)
            self.actions_by_name[name] = action
            menu.addAction(action)
        menu.addSeparator()
        ops = self.mask_ops
        edge = self._edge_px
        for name, text, slot, keys, tip in (
            ("fill", "&Fill All", ops.fill, "Ctrl+Shift+F", "Mark the whole image for editing"),
            ("clear", "&Clear Mask", ops.clear, "Ctrl+Shift+X", "Remove the whole mask"),
            ("invert", "&Invert Mask", ops.invert, "Ctrl+I", "Swap the edited and kept areas"),
            ("grow", "&Grow Mask", lambda: ops.grow(edge()), "Shift+G", "Expand the mask by the px"),
            ("shrink", "&Shrink Mask", lambda: ops.shrink(edge()), "Shift+S", "Pull the mask in by the px"),
            ("feather", "F&eather Mask", lambda: ops.feather(edge()), "Shift+F", "Soften the mask's edge"),
        ):
            if name == "grow":
                menu.addSeparator()
            menu.addAction(self._action(name, text, slot, keys, tip=tip))

    def _setup_tool_actions(self) -> None:
        menu = self.menuBar().addMenu("&Tools")
        group = QActionGroup(self)
        for kind, text, key in (
            (ToolKind.BRUSH, "&Brush", "B"),
            (ToolKind.ERASER, "&Eraser", "E"),
            (ToolKind.RECT, "&Rectangle", "R"),
            (ToolKind.LASSO, "&Lasso", "L"),
            (ToolKind.POLYGON, "&Polygon Lasso", "P"),
        ):
            name = {ToolKind.RECT: "rect"}.get(kind, kind.value)
            action = self._action(name, text, lambda _=False, k=kind: self.canvas.set_tool(k), key,
                                  checkable=True, tip=f"{text.replace('&', '')} ({key})")
            group.addAction(action)
            menu.addAction(action)
        self.actions_by_name["brush"].setChecked(True)
        self.canvas.tool_changed.connect(self._sync_tool)
        menu.addSeparator()
        for name, text, slot, keys in (
            ("smaller", "Smaller Brush", lambda: self._scale_brush(1 / 1.2), ["[", "Ctrl+Alt+-"]),
            ("larger", "Larger Brush", lambda: self._scale_brush(1.2), ["]", "Ctrl+Alt+="]),
            # Keyboards report Shift+] as "}" with or without the Shift modifier: accept every form.
            ("softer", "Softer Brush", lambda: self._harden(-0.1), ["{", "Shift+{", "Shift+["]),
            ("harder", "Harder Brush", lambda: self._harden(0.1), ["}", "Shift+}", "Shift+]"]),
            ("finish_polygon", "Close Polygon", self.canvas.finish_polygon, ["Return", "Enter"]),
        ):
            action = self._action(name, text, slot, keys)
            menu.addAction(action)
        # Enter belongs to the canvas (and to text boxes): keep the menu entry but let the canvas handle it.
        self.actions_by_name["finish_polygon"].setShortcutContext(Qt.ShortcutContext.WidgetShortcut)

    def _setup_view_actions(self) -> None:
        menu = self._view_menu = self.menuBar().addMenu("&View")
        canvas = self.canvas
        for name, text, slot, keys in (
            ("fit", "&Fit", canvas.fit, "Ctrl+0"),
            ("actual", "&100 %", canvas.zoom_actual, "Ctrl+1"),
            ("zoom_in", "Zoom &In", lambda: canvas.zoom_by(1.25), ["+", "=", "Ctrl++"]),
            ("zoom_out", "Zoom &Out", lambda: canvas.zoom_by(0.8), ["-", "Ctrl+-"]),
        ):
            menu.addAction(self._action(name, text, slot, keys))
        menu.addSeparator()
        overlay = self._action("overlay", "Show &Mask", canvas.set_overlay_visible, "M", checkable=True,
                               tip="Show or hide the mask overlay (M; hold \\ to peek)")
        overlay.setChecked(canvas.overlay_visible)
        api = self._action(
            "api_view", "Show Mask As &API Sees It",
            lambda on: canvas.set_mask_view(MaskView.API if on else MaskView.OVERLAY), "A",
            checkable=True, tip="Checkerboard where the exported mask is transparent (A)",
        )
        menu.addAction(overlay)
        menu.addAction(api)
        for name, text, slot, keys in (
            ("overlay_color", "Overlay &Colour…", lambda: choose_overlay_color(canvas, self), "Shift+C"),
            ("opacity_up", "More Opaque Overlay", lambda: self._opacity(OPACITY_STEP), "Shift+O"),
            ("opacity_down", "More Transparent Overlay", lambda: self._opacity(-OPACITY_STEP), "O"),
        ):
            menu.addAction(self._action(name, text, slot, keys))
        menu.addSeparator()

    def _setup_help_actions(self) -> None:
        menu = self.menuBar().addMenu("&Help")
        menu.addAction(self._action("shortcuts", "&Shortcuts", self.show_shortcuts, "F1"))

    def _short_proxy(self, name: str, text: str) -> QAction:
        """A fixed-label stand-in for an action whose own text changes (Undo “Paint” …) on buttons."""
        source = self.actions_by_name[name]
        proxy = QAction(text, self)
        proxy.setObjectName(f"{name}_button")
        proxy.triggered.connect(source.trigger)

        def follow() -> None:
            if not (shiboken6.isValid(source) and shiboken6.isValid(proxy)):
                return  # the window is being torn down
            proxy.setEnabled(source.isEnabled())
            shortcut = source.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            proxy.setToolTip(f"{source.text().replace('&', '')} ({shortcut})")

        source.changed.connect(follow)
        follow()
        return proxy

    def _setup_panels(self) -> None:
        buttons = dict(self.actions_by_name)
        buttons["undo"] = self._short_proxy("undo", "Undo")
        buttons["redo"] = self._short_proxy("redo", "Redo")
        self.tool_panel = ToolPanel(self.canvas, buttons)
        # Scrolls on short screens instead of forcing the window (and every other panel) taller.
        scroll = QScrollArea(objectName="tools_scroll", widgetResizable=True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.tool_panel)
        scroll.setMinimumWidth(self.tool_panel.sizeHint().width() + 16)
        dock = self.add_side_panel(scroll, "Tools", Qt.DockWidgetArea.LeftDockWidgetArea)
        dock.toggleViewAction().setShortcut(QKeySequence("F2"))
        toolbar = QToolBar("Toolbar", self)
        toolbar.setObjectName("toolbar_main")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for name in ("open", "paste", "export_mask", None, "undo", "redo", None, "brush", "eraser", "rect",
                     "lasso", "polygon", None, "overlay", "api_view", None, "shortcuts"):
            if name is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(buttons[name])
        self.addToolBar(toolbar)
        self.toolbar = toolbar

    def _setup_status_bar(self) -> None:
        self._zoom_label = QLabel(objectName="zoom_label")
        self._pos_label = QLabel(objectName="pos_label")
        self._coverage_label = QLabel(objectName="coverage_label")
        for label in (self._pos_label, self._coverage_label, self._zoom_label):
            self.statusBar().addPermanentWidget(label)
        self.canvas.zoom_changed.connect(lambda s: self._zoom_label.setText(f"{s * 100:.0f} %"))
        self.canvas.cursor_moved.connect(self._show_position)
        # Coverage sums the whole mask: coalesce bursts of stroke updates into one count.
        self._coverage_timer = QTimer(self, singleShot=True, interval=60)
        self._coverage_timer.timeout.connect(self._update_coverage)
        self.document.mask_changed.connect(self._coverage_timer.start)

    # -- behaviour --------------------------------------------------------------------------
    def _edge_px(self) -> int:
        return int(self.tool_panel.edge_spin.value())

    def _sync_tool(self, tool: ToolKind) -> None:
        name = {ToolKind.RECT: "rect"}.get(tool, tool.value)
        self.actions_by_name[name].setChecked(True)

    def _show_position(self, point: QPoint) -> None:
        width, height = self.document.size()
        inside = 0 <= point.x() < width and 0 <= point.y() < height
        self._pos_label.setText(f"{point.x()}, {point.y()} px" if inside else "")

    def _update_coverage(self) -> None:
        from inpaint_desktop.core.mask import coverage

        self._coverage_label.setText(f"mask {coverage(self.document.mask):.1f} %")

    @property
    def coverage_text(self) -> str:
        return self._coverage_label.text()

    def _scale_brush(self, factor: float) -> None:
        brush = self.canvas.brush
        size = max(1.0, round(brush.size * factor))
        self.canvas.set_brush(BrushSettings(size=size, hardness=brush.hardness))

    def _harden(self, delta: float) -> None:
        brush = self.canvas.brush
        self.canvas.set_brush(BrushSettings(size=brush.size, hardness=round(brush.hardness + delta, 2)))

    def _opacity(self, delta: float) -> None:
        opacity = round(self.canvas.overlay_opacity + delta, 2)
        self.canvas.set_overlay_style(self.canvas.overlay_color, opacity)

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.title}[*] — Inpaint Desktop")

    def open_dialog(self) -> None:
        start = str(self.document.path.parent) if self.document.path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open photo", start, self.opener.IMAGE_FILTER)
        if path:
            self.open_path(Path(path))

    def import_mask_dialog(self) -> None:
        if self.document.is_empty():
            self.message_bar.show_message("Open a photo before importing a mask.", "warning")
            return
        from inpaint_desktop.gui.editor.import_mask_dialog import ImportMaskDialog

        start = str(self.document.path.parent) if self.document.path else ""
        dialog = ImportMaskDialog(self, start_dir=start)
        dialog.accepted.connect(lambda: self.mask_ops.import_mask(dialog.path(), invert=dialog.invert()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self._import_dialog = dialog

    def export_mask_dialog(self) -> None:
        if self.document.is_empty():
            self.message_bar.show_message("Open a photo before exporting a mask.", "warning")
            return
        stem = self.document.path.stem if self.document.path else "image"
        start = self.document.path.with_name(f"{stem}-mask.png") if self.document.path else Path("mask.png")
        path, _ = QFileDialog.getSaveFileName(self, "Export mask", str(start), "PNG (*.png)")
        if path:
            self.export_mask(Path(path))

    def show_shortcuts(self) -> None:
        from inpaint_desktop.gui.dialogs.shortcuts import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self._shortcuts_dialog = dialog

    # -- settings ---------------------------------------------------------------------------
    def _apply_settings(self) -> None:
        s = self.settings
        self.canvas.set_brush(BrushSettings(size=s.brush_size, hardness=s.brush_hardness))
        self.canvas.set_overlay_style(QColor(s.overlay_color), s.overlay_opacity)

    def save_settings(self) -> None:
        canvas = self.canvas
        self.settings = self.settings.with_changes(
            brush_size=canvas.brush.size, brush_hardness=canvas.brush.hardness,
            overlay_color=canvas.overlay_color.name(), overlay_opacity=canvas.overlay_opacity,
        )
        try:
            save_settings(self.settings, self.settings_path)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            self.message_bar.show_message(f"Could not save your preferences: {reason}", "warning")

    # -- window -----------------------------------------------------------------------------
    def confirm_discard(self, what: str = "Opening another image") -> bool:
        """Ask before an action replaces a mask with unexported changes; True to go ahead."""
        if not self.document.is_modified:
            return True
        answer = QMessageBox.question(
            self, "Unsaved mask", f"The mask has changes that were neither sent nor exported. {what} "
            "discards them. Continue?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.confirm_discard("Closing"):
            event.ignore()
            return
        if self._settings_timer.isActive():
            self._settings_timer.stop()
        self.save_settings()
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.opener.accepts(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.opener.open_mime(event.mimeData()):
            event.acceptProposedAction()
