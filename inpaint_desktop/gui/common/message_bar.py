"""An inline, non-modal banner for notices and errors, with copyable details and an optional action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QPushButton, QWidget

Level = Literal["info", "warning", "error"]
_COLORS = {"info": "#2d4a6b", "warning": "#6b5a1e", "error": "#6b2323"}


class MessageBar(QWidget):
    """Shows one message at a time; hidden until ``show_message`` is called."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setAutoFillBackground(True)
        # A plain QWidget subclass draws a style-sheet background only with this attribute.
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.action_button = QPushButton()
        self.copy_button = QPushButton("Copy details")
        self.close_button = QPushButton("✕")
        self.close_button.setFlat(True)
        self.close_button.setToolTip("Dismiss")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.copy_button)
        layout.addWidget(self.close_button)
        self.copy_button.clicked.connect(self._copy)
        self.close_button.clicked.connect(self.hide)
        self.action_button.clicked.connect(self._run_action)
        self.text = ""
        self.level: Level = "info"
        self.details: str | None = None
        self._action: Callable[[], None] | None = None
        self.hide()

    def show_message(
        self,
        text: str,
        level: Level = "info",
        details: str | None = None,
        action: tuple[str, Callable[[], None]] | None = None,
    ) -> None:
        """Show ``text``; ``action`` adds a button (label, callback) that also dismisses the bar."""
        self.text, self.level, self.details = text, level, details
        self.label.setText(text)
        self.copy_button.setVisible(bool(details))
        self._action = action[1] if action else None
        self.action_button.setText(action[0] if action else "")
        self.action_button.setVisible(action is not None)
        self.setStyleSheet(f"#messageBar {{ background: {_COLORS[level]}; }} QLabel {{ color: white; }}")
        self.show()

    def _run_action(self) -> None:
        callback, self._action = self._action, None
        self.hide()
        if callback is not None:
            callback()

    def _copy(self) -> None:
        QApplication.clipboard().setText(f"{self.text}\n\n{self.details or ''}".strip())
