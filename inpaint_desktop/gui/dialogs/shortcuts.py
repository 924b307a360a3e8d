"""Help > Shortcuts: every menu action with its keys, plus the mouse and key gestures of the canvas.

The table is built from the live menus, so it never goes stale when an action or panel is added.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

CANVAS_GESTURES: tuple[tuple[str, str], ...] = (
    ("Paint (brush) / fill shape", "Left button"),
    ("Erase with the brush / erase shape", "Right button"),
    ("Straight line from the last point", "Shift+click"),
    ("Brush size", "Ctrl+wheel, or Alt+right-drag left/right"),
    ("Brush hardness", "Alt+right-drag up/down"),
    ("Zoom at the cursor", "Wheel"),
    ("Pan", "Space+drag, or middle-drag"),
    ("Hide the mask while held", "\\"),
    ("Polygon: add point / close", "Click / double-click, Enter, or click the first point"),
    ("Polygon: remove last point / cancel", "Backspace / Esc"),
)


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """(menu, action, keys) for every action reachable from the menu bar, in menu order."""
    rows: list[tuple[str, str, str]] = []

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            if action.isSeparator():
                continue
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{path} › {_clean(action.text())}")
                continue
            keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())
            rows.append((path, _clean(action.text()), keys))

    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            walk(menu, _clean(top.text()))
    return rows


def _clean(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


class ShortcutsDialog(QDialog):
    """A read-only, sortable table of menu shortcuts followed by the canvas gestures."""

    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setWindowTitle("Keyboard and mouse shortcuts")
        rows = [r for r in shortcut_rows(window) if not r[1].startswith(("No recent", "Clear Recent"))]
        rows += [("Canvas", what, keys) for what, keys in CANVAS_GESTURES]
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Where", "Action", "Shortcut"])
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        QVBoxLayout(self).addWidget(self.table)
        self.resize(640, 620)

    def rows(self) -> list[tuple[str, str, str]]:
        def text(r: int, c: int) -> str:
            item = self.table.item(r, c)
            return item.text() if item is not None else ""

        return [(text(r, 0), text(r, 1), text(r, 2)) for r in range(self.table.rowCount())]


def unlisted_actions(window: QMainWindow, actions: dict[str, QAction]) -> list[str]:
    """Names of ``actions`` that no menu shows (every action must be in a menu)."""
    shown = set()

    def walk(menu: QMenu) -> None:
        for action in menu.actions():
            shown.add(id(action))
            if isinstance(sub := action.menu(), QMenu):
                walk(sub)

    for top in window.menuBar().actions():
        if isinstance(sub := top.menu(), QMenu):
            walk(sub)
    return [name for name, action in actions.items() if id(action) not in shown]
