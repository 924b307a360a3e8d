"""The Send panel: backend choice, prompt with recent prompts, parameters, cost and the Send button."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inpaint_desktop.gui.send.params import Caps, ParamsPanel, offline_caps
from inpaint_desktop.pipeline.preflight import Preflight

OFFLINE = "local"
OPENAI = "openai"
OFFLINE_NOTE = (
    "Built-in offline engine: fills the painted regions from their surroundings and does not follow "
    "the prompt. Add an API key to use an OpenAI-compatible service."
)
_RECENT_KEY = "send/recent_prompts"
_MAX_RECENT = 20


class SendPanel(QWidget):
    """Collects what the user wants to send; emits ``send_requested`` (the workflow builds the job)."""

    send_requested = Signal()
    backend_changed = Signal(str)
    settings_requested = Signal()

    def __init__(self, models: dict[str, Caps], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("Engine"))
        self.backend = QComboBox(objectName="backend")
        self.backend.addItem("Built-in offline engine", OFFLINE)
        self.backend.addItem("OpenAI-compatible", OPENAI)
        row.addWidget(self.backend, 1)
        self.settings_button = QPushButton("API settings…", objectName="api_settings")
        row.addWidget(self.settings_button)
        layout.addLayout(row)

        self.offline_banner = QFrame(objectName="offline_banner")
        self.offline_banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.offline_banner.setStyleSheet("#offline_banner { background: #fff4d6; border-radius: 4px; }")
        banner = QHBoxLayout(self.offline_banner)
        self.offline_text = QLabel(OFFLINE_NOTE, wordWrap=True)
        self.offline_text.setStyleSheet("color: #4a3b00;")
        banner.addWidget(self.offline_text, 1)
        self.add_key_button = QPushButton("Add API key…", objectName="add_key")
        banner.addWidget(self.add_key_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.offline_banner)

        self.recent = QComboBox(objectName="recent_prompts")
        self.recent.setPlaceholderText("Recent prompts")
        self.prompt = QPlainTextEdit(objectName="prompt")
        self.prompt.setPlaceholderText("Describe the whole final image, not only the change…")
        self.prompt.setMinimumHeight(70)
        # A few lines are enough to see; the parameters and Send must stay in view below it.
        self.prompt.setMaximumHeight(120)
        layout.addWidget(QLabel("Prompt"))
        layout.addWidget(self.prompt)
        layout.addWidget(self.recent)

        self._api_models = models
        self._offline_models: dict[str, Caps] | None = None
        self.params = ParamsPanel(models, self)
        layout.addWidget(self.params)
        self.crop = QCheckBox("Crop to mask (full resolution)", objectName="crop_to_mask")
        self.crop.setToolTip(
            "Send only the painted area and its surroundings, at the model's full resolution, and paste "
            "the result back into the photo. Best for small edits in large photos."
        )
        layout.addWidget(self.crop)
        self.preflight = QLabel(objectName="preflight", wordWrap=True)
        self.preflight.setToolTip("Exactly what Send uploads, and what it is estimated to cost")
        self.preflight.setStyleSheet("color: palette(mid);")
        layout.addWidget(self.preflight)

        bottom = QHBoxLayout()
        self.cost = QLabel(objectName="cost")
        self.cost.setToolTip("Estimated cost of this request; input image tokens are an estimate")
        self.session_total = QLabel(objectName="session_total")
        self.send_button = QPushButton("Send", objectName="send")
        self.send_button.setToolTip("Send (Ctrl+Enter)")
        self.send_button.setDefault(True)
        bottom.addWidget(self.cost, 1)
        bottom.addWidget(self.send_button)
        layout.addLayout(bottom)
        layout.addWidget(self.session_total)
        layout.addStretch(1)

        # Ctrl+Enter is a window-wide action added by the workflow (one owner, no ambiguity).
        self.send_button.clicked.connect(self.send_requested)
        self.backend.currentIndexChanged.connect(self._on_backend)
        self.settings_button.clicked.connect(self.settings_requested)
        self.add_key_button.clicked.connect(self.settings_requested)
        self.recent.activated.connect(lambda i: self.prompt.setPlainText(self.recent.itemText(i)))
        self._load_recent()
        self._on_backend()

    def backend_choice(self) -> str:
        return str(self.backend.currentData())

    def set_backend_choice(self, choice: str) -> None:
        self.backend.setCurrentIndex(max(0, self.backend.findData(choice)))

    def set_api_models(self, models: dict[str, Caps]) -> None:
        """Replace the models offered for the OpenAI-compatible backend (keeps the current choice)."""
        self._api_models = models
        if self.backend_choice() != OFFLINE:
            self.params.set_models(models, default=self.params.model.currentData())

    def prompt_text(self) -> str:
        return self.prompt.toPlainText().strip()

    def _on_backend(self) -> None:
        offline = self.backend_choice() == OFFLINE
        self.offline_banner.setVisible(offline)
        # Offline, the model list holds the engine's fill methods; crop-to-mask is for paid uploads.
        if offline:
            if self._offline_models is None:
                self._offline_models = offline_caps()
            self.params.set_models(self._offline_models)
        else:
            self.params.set_models(self._api_models)
        self.crop.setEnabled(not offline)
        self.backend_changed.emit(self.backend_choice())

    def remember_prompt(self, text: str) -> None:
        if not text:
            return
        items = [text] + [self.recent.itemText(i) for i in range(self.recent.count())
                          if self.recent.itemText(i) != text]
        items = items[:_MAX_RECENT]
        self.recent.clear()
        self.recent.addItems(items)
        self.recent.setCurrentIndex(-1)
        QSettings().setValue(_RECENT_KEY, items)

    def _load_recent(self) -> None:
        value = QSettings().value(_RECENT_KEY, [])
        items = [value] if isinstance(value, str) else list(value or [])
        self.recent.addItems([str(v) for v in items][:_MAX_RECENT])
        self.recent.setCurrentIndex(-1)

    def show_preflight(self, preflight: Preflight, session: str) -> None:
        """Render the preflight value: the cost line, what is uploaded, the token figures."""
        self.cost.setText(preflight.headline)
        self.session_total.setText(session)
        self.preflight.setText(preflight.detail)
        self.preflight.setVisible(bool(preflight.detail))
        if preflight.tooltip:
            self.cost.setToolTip(preflight.tooltip)
