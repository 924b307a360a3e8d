"""Parameter widgets whose choices follow the selected model's capabilities."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from inpaint_desktop.core.models import CapabilityTable, ModelCaps, load_capabilities
from inpaint_desktop.pipeline.job import EditParams

DEFAULT_MODEL = "gpt-image-2"
_AUTO = "auto"


@dataclass(frozen=True)
class Caps:
    """The subset of a model's capabilities the panel shows (built from ``core.models.ModelCaps``)."""

    id: str
    label: str = ""
    sizes: tuple[str, ...] = ("auto", "1024x1024", "1536x1024", "1024x1536")
    custom_sizes: bool = False
    qualities: tuple[str, ...] = ("auto", "low", "medium", "high")
    formats: tuple[str, ...] = ("png", "jpeg", "webp")
    backgrounds: tuple[str, ...] = ("auto", "opaque", "transparent")
    params: frozenset[str] = field(default_factory=frozenset)
    max_n: int = 10
    deprecated: str | None = None


def model_caps(table: CapabilityTable | None = None, *, generate: bool = False) -> dict[str, Caps]:
    """Every model of the capability table as the panel sees it.

    Edits and generations accept different optional parameters (``moderation`` only on
    generations), so the panel is built for one of the two.
    """
    table = table or load_capabilities()
    return {mid: caps_from(table.get(mid), generate=generate) for mid in table.ids()}


def offline_caps() -> dict[str, Caps]:
    """The offline engine's fill methods as models: any size, every format, a handful of variants."""
    from inpaint_desktop.engine.backend import LocalBackend

    return {
        m.id: Caps(id=m.id, label=m.description.split(":")[0] or m.id, sizes=("auto",),
                   qualities=("auto",), backgrounds=("auto", "opaque", "transparent"),
                   params=frozenset({"output_compression", "background"}), max_n=10)
        for m in LocalBackend().list_models()
    }


def caps_from(mc: ModelCaps, *, generate: bool = False) -> Caps:
    return Caps(
        id=mc.id, label=mc.label or mc.id, sizes=tuple(mc.sizes), custom_sizes=mc.custom_sizes,
        qualities=tuple(mc.qualities), formats=tuple(mc.formats), backgrounds=tuple(mc.backgrounds),
        params=frozenset(mc.params if generate else mc.edit_params), max_n=max(1, mc.max_n),
        deprecated=mc.deprecated,
    )


class ParamsPanel(QWidget):
    """Model, size, quality, n, format, compression, background, moderation, fidelity, previews."""

    changed = Signal()

    def __init__(
        self, models: dict[str, Caps], parent: QWidget | None = None, *, generate: bool = False
    ) -> None:
        super().__init__(parent)
        self._models = models
        self._generate = generate
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.model = QComboBox(objectName="model")
        for mid, caps in models.items():
            label = (caps.label or mid) + (" (deprecated)" if caps.deprecated else "")
            self.model.addItem(label, mid)
        self.size = QComboBox(objectName="size")
        self.custom_size = QLineEdit(objectName="custom_size", placeholderText="W x H, multiples of 16")
        self.quality = QComboBox(objectName="quality")
        self.n = QSpinBox(objectName="n", minimum=1, maximum=10)
        self.format = QComboBox(objectName="format")
        self.compression = QSpinBox(objectName="compression", minimum=0, maximum=100, value=90)
        self.compression.setSuffix(" %")
        self.background = QComboBox(objectName="background")
        self.moderation = QComboBox(objectName="moderation")
        self.moderation.addItems(["auto", "low"])
        self.fidelity = QComboBox(objectName="fidelity")
        self.fidelity.addItems(["low", "high"])
        self.previews = QSpinBox(objectName="previews", minimum=0, maximum=3)
        self.previews.setToolTip("Streamed partial previews (each costs about 100 output tokens)")
        self.note = QLabel(objectName="model_note", wordWrap=True)
        self._rows: dict[str, QWidget] = {}
        for key, text, widget in (
            ("model", "Model", self.model), ("size", "Size", self.size),
            ("custom_size", "Custom size", self.custom_size), ("quality", "Quality", self.quality),
            ("n", "Variants", self.n), ("output_format", "Format", self.format),
            ("output_compression", "Compression", self.compression),
            ("background", "Background", self.background), ("moderation", "Moderation", self.moderation),
            ("input_fidelity", "Input fidelity", self.fidelity),
            ("partial_images", "Previews", self.previews),
        ):
            form.addRow(text, widget)
            self._rows[key] = widget
        form.addRow(self.note)
        self._form = form
        self.model.currentIndexChanged.connect(self._apply_caps)
        self.size.currentTextChanged.connect(self._update_enabled)
        self.format.currentTextChanged.connect(self._update_enabled)
        for w in (self.size, self.quality, self.format, self.background, self.moderation, self.fidelity):
            w.currentIndexChanged.connect(self.changed)
        for s in (self.n, self.compression, self.previews):
            s.valueChanged.connect(self.changed)
        self.custom_size.textChanged.connect(self.changed)
        default = self.model.findData(DEFAULT_MODEL)
        self.model.setCurrentIndex(max(default, 0))
        self._apply_caps()

    def set_models(self, models: dict[str, Caps], default: str | None = None) -> None:
        """Offer another set of models (the offline engine's methods, or the API's models)."""
        if list(models) == list(self._models):
            return
        self._models = models
        self.model.blockSignals(True)
        self.model.clear()
        for mid, caps in models.items():
            label = (caps.label or mid) + (" (deprecated)" if caps.deprecated else "")
            self.model.addItem(label, mid)
        self.model.setCurrentIndex(max(0, self.model.findData(default or DEFAULT_MODEL)))
        self.model.blockSignals(False)
        self._apply_caps()

    def caps(self) -> Caps:
        return self._models.get(self.model.currentData(), Caps(id=str(self.model.currentData())))

    def is_row_visible(self, key: str) -> bool:
        return self._form.isRowVisible(self._rows[key])

    def _fill(self, combo: QComboBox, items: tuple[str, ...]) -> None:
        current = combo.currentText()
        combo.blockSignals(True)
        combo.clear()
        combo.addItems(list(items))
        idx = combo.findText(current)
        combo.setCurrentIndex(idx if idx >= 0 else 0)
        combo.blockSignals(False)

    def _apply_caps(self) -> None:
        caps = self.caps()
        sizes = caps.sizes + (("custom",) if caps.custom_sizes else ())
        self._fill(self.size, sizes)
        self._fill(self.quality, caps.qualities)
        self._fill(self.format, caps.formats)
        self._fill(self.background, caps.backgrounds)
        self.n.setMaximum(max(1, caps.max_n))
        accepts = caps.params
        self._form.setRowVisible(self._rows["moderation"], "moderation" in accepts)
        rows = self._rows
        self._form.setRowVisible(rows["input_fidelity"], "input_fidelity" in accepts and not self._generate)
        self._form.setRowVisible(rows["partial_images"], "partial_images" in accepts or "stream" in accepts)
        self._form.setRowVisible(self._rows["background"], "background" in accepts and bool(caps.backgrounds))
        self.note.setText(f"Deprecated: {caps.deprecated}" if caps.deprecated else "")
        self.note.setVisible(bool(caps.deprecated))
        self._update_enabled()
        self.changed.emit()

    def _update_enabled(self) -> None:
        self._form.setRowVisible(self._rows["custom_size"], self.size.currentText() == "custom")
        lossy = self.format.currentText() in ("jpeg", "webp")
        accepts_compression = "output_compression" in self.caps().params
        self._form.setRowVisible(self._rows["output_compression"], lossy and accepts_compression)
        # Transparent backgrounds need an alpha-capable format.
        idx = self.background.findText("transparent")
        if idx >= 0:
            item = self.background.model().item(idx)  # type: ignore[attr-defined]
            item.setEnabled(self.format.currentText() != "jpeg")
            if self.format.currentText() == "jpeg" and self.background.currentText() == "transparent":
                self.background.setCurrentIndex(0)

    def size_value(self) -> str | None:
        text = self.size.currentText()
        if text == "custom":
            raw = self.custom_size.text().lower().replace(" ", "").replace("×", "x")
            return raw or None
        return None if text in ("", _AUTO) else text

    def params(self) -> EditParams:
        accepts = self.caps().params
        fmt = self.format.currentText() or None

        def opt(key: str, value: Any) -> Any:
            return value if key in accepts and self.is_row_visible(key) else None

        return EditParams(
            model=str(self.model.currentData()),
            n=self.n.value(),
            size=self.size_value(),
            quality=None if self.quality.currentText() in ("", _AUTO) else self.quality.currentText(),
            output_format=fmt,
            output_compression=opt("output_compression", self.compression.value()),
            background=opt("background", None if self.background.currentText() == _AUTO
                           else self.background.currentText() or None),
            moderation=opt("moderation", self.moderation.currentText()),
            input_fidelity=opt("input_fidelity", self.fidelity.currentText()),
            partial_images=self.previews.value() if self.is_row_visible("partial_images") else 0,
        )
