"""Single-key shortcuts that act while the keyboard focus is anywhere inside one panel."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QWidget


class PanelKeys(QObject):
    """Single keys act on a panel while the focus is anywhere in it.

    The window has single-letter shortcuts of its own (tools, overlay); a window shortcut and a
    panel shortcut on the same key would be ambiguous and neither would fire. So the panel claims
    its keys through ShortcutOverride on its focusable children, the way a text field claims
    typed letters, and the window's shortcuts work everywhere else.
    """

    def __init__(self, panel: QWidget, keys: dict[int, Callable[[], None]]) -> None:
        super().__init__(panel)
        self.keys = keys
        for child in panel.findChildren(QWidget):
            if child.focusPolicy() != Qt.FocusPolicy.NoFocus:
                child.installEventFilter(self)

    def action_for(self, event: QEvent) -> Callable[[], None] | None:
        if not isinstance(event, QKeyEvent):
            return None
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if modifiers != Qt.KeyboardModifier.NoModifier:
            return None  # Ctrl+1 and the like belong to the window
        return self.keys.get(event.key())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            if isinstance(watched, QAbstractButton) and isinstance(event, QKeyEvent) \
                    and event.key() == Qt.Key.Key_Space:
                return False  # Space still presses a focused button
            action = self.action_for(event)
            if action is not None:
                event.accept()
                if kind == QEvent.Type.KeyPress:
                    action()
                return True
        return super().eventFilter(watched, event)
