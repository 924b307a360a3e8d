"""API settings: base URL, the key (saved only to the OS keyring), and a clear word on where it lives."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)


class ApiSettingsDialog(QDialog):
    """Edit the OpenAI-compatible base URL and store the key in the keyring."""

    def __init__(self, parent: QWidget | None = None, *, base_url: str | None = None,
                 allow_insecure_http: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("API settings")
        form = QFormLayout(self)
        self.url = QLineEdit(base_url or "", objectName="base_url")
        self.url.setPlaceholderText("https://api.openai.com/v1")
        self.key = QLineEdit(objectName="api_key")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("sk-… (leave empty to keep the stored key)")
        form.addRow("Base URL", self.url)
        form.addRow("API key", self.key)
        self.insecure = QCheckBox("Send the key over plain http to another computer (not recommended)",
                                  objectName="allow_insecure_http")
        self.insecure.setChecked(allow_insecure_http)
        self.insecure.setToolTip("Plain http shows the key to anyone on the network path. "
                                 "Servers on this computer (127.0.0.1, localhost) never need this.")
        form.addRow(self.insecure)
        note = QLabel("The key is stored only in the operating system's keyring (or read from "
                      "OPENAI_API_KEY); it is never written to settings files, logs or results.",
                      wordWrap=True)
        form.addRow(note)
        self.error = QLabel(objectName="error", wordWrap=True)
        self.error.setStyleSheet("color: #b00020;")
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def allow_insecure_http(self) -> bool:
        return self.insecure.isChecked()

    def base_url(self) -> str:
        return self.url.text().strip()

    def _save(self) -> None:
        url = self.base_url()
        if url and not url.startswith(("http://", "https://")):
            self.error.setText("The base URL must start with http:// or https://.")
            return
        key = self.key.text().strip()
        if key:
            try:
                from inpaint_desktop.api.config import save_api_key

                save_api_key(key)
            except Exception as exc:  # keyring backends raise their own types
                self.error.setText(f"Could not store the key in the keyring: {type(exc).__name__}. "
                                   "Set OPENAI_API_KEY in the environment instead.")
                return
        self.key.clear()
        self.accept()
