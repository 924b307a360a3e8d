"""Parameter widgets whose choices follow the selected model's capabilities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from inpaint_desktop.core.availability import ModelOffer
from inpaint_desktop.core.models import CapabilityTable, ModelCaps, load_capabilities
from inpaint_desktop.pipeline.job import EditParams

_AUTO = "auto"
# The complexity choice that sends nothing: the server's default (high) applies.
COMPLEXITY_DEFAULT = "default (high)"
# Output formats that cannot be streamed, so previews are off for them.
_NO_STREAM_FORMATS = ("gif",)


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
    complexities: tuple[str, ...] = ()
    input_fidelities: tuple[str, ...] = ("low", "high")
    # Shown beside the model: "shuts down 2026-12-20 (in 19 days); use X instead" (empty when active).
    note: str = ""
    shutdown_date: str = ""

    @property
    def display(self) -> str:
        """The model's name in the list, with its shutdown date when one is near."""
        name = self.label or self.id
        return f"{name} (shuts down {self.shutdown_date})" if self.note and self.shutdown_date else name


def model_caps(table: CapabilityTable | None = None, *, generate: bool = False,
               offers: Sequence[ModelOffer] | None = None) -> dict[str, Caps]:
    """The models to offer as the panel sees them.

    ``offers`` (from ``core.availability.offer_models``) says which models are offered and with what
    note; without it every model of the table is offered. Edits and generations accept different
    optional parameters (``moderation`` only on generations) and formats (gif and svg only on
    generations), so the panel is built for one of the two.
    """
    table = table or load_capabilities()
    if offers is None:
        return {mid: caps_from(table.get(mid), generate=generate) for mid in table.ids()}
    return {o.id: caps_from(table.get(o.id), generate=generate, offer=o) for o in offers if o.offered}


def offline_caps() -> dict[str, Caps]:
    """The offline engine's fill methods as models: any size, every format, a handful of variants."""
    from inpaint_desktop.engine.backend import LocalBackend

    return {
        m.id: Caps(id=m.id, label=m.description.split(":")[0] or m.id, sizes=("auto",),
                   qualities=("auto",), backgrounds=("auto", "opaque", "transparent"),
                   params=frozenset({"output_compression", "background"}), max_n=10)
        for m in LocalBackend().list_models()
    }


def caps_from(mc: ModelCaps, *, generate: bool = False, offer: ModelOffer | None = None) -> Caps:
    near = offer if offer is not None and offer.state == "shutting_down" and offer.shutdown_date else None
    return Caps(
        id=mc.id, label=mc.label or mc.id, sizes=tuple(mc.sizes), custom_sizes=mc.custom_sizes,
        qualities=tuple(mc.qualities), formats=mc.formats_for(generate=generate),
        backgrounds=tuple(mc.backgrounds), params=mc.params_for(generate=generate), max_n=max(1, mc.max_n),
        complexities=mc.complexities, input_fidelities=mc.input_fidelities,
        note=near.note if near else "",
        shutdown_date=near.shutdown_date.isoformat() if near and near.shutdown_date else "",
    )


class ParamsPanel(QWidget):
    """Model, size, quality, n, format, compression, background, moderation, fidelity, previews."""

    changed = Signal()

    def __init__(
        self, models: dict[str, Caps], parent: QWidget | None = None, *, generate: bool = False,
        default: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._models = models
        self._generate = generate
        self._default = default
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.model = QComboBox(objectName="model")
        self._add_models(models)
        self.size_box = QComboBox(objectName="size")
        self.custom_size = QLineEdit(objectName="custom_size", placeholderText="W x H, multiples of 16")
        self.quality = QComboBox(objectName="quality")
        self.complexity = QComboBox(objectName="complexity")
        self.complexity.setToolTip("gpt-image-2.6's complexity, independent of quality (high when not "
                                   "sent). Its effect on the price is not published.")
        self.n = QSpinBox(objectName="n", minimum=1, maximum=10)
        self.format = QComboBox(objectName="format")
        self.compression = QSpinBox(objectName="compression", minimum=0, maximum=100, value=90)
        self.compression.setSuffix(" %")
        self.background = QComboBox(objectName="background")
        self.moderation = QComboBox(objectName="moderation")
        self.moderation.addItems(["auto", "low"])
        self.fidelity = QComboBox(objectName="fidelity")
        self.previews = QSpinBox(objectName="previews", minimum=0, maximum=3)
        self.previews.setToolTip("Streamed partial previews (each costs about 100 output tokens)")
        self.note = QLabel(objectName="model_note", wordWrap=True)
        self._rows: dict[str, QWidget] = {}
        for key, text, widget in (
            ("model", "Model", self.model), ("size", "Size", self.size_box),
            ("custom_size", "Custom size", self.custom_size), ("quality", "Quality", self.quality),
            ("complexity", "Complexity", self.complexity),
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
        self.size_box.currentTextChanged.connect(self._update_enabled)
        self.format.currentTextChanged.connect(self._update_enabled)
        for w in (self.size_box, self.quality, self.complexity, self.format, self.background, self.moderation,
                  self.fidelity):
            w.currentIndexChanged.connect(self.changed)
        for s in (self.n, self.compression, self.previews):
            s.valueChanged.connect(self.changed)
        self.custom_size.textChanged.connect(self.changed)
        self.model.setCurrentIndex(max(self.model.findData(default), 0))
        self._apply_caps()

    def _add_models(self, models: dict[str, Caps]) -> None:
        for mid, caps in models.items():
            self.model.addItem(caps.display, mid)
            if caps.note:
                self.model.setItemData(self.model.count() - 1, caps.note, Qt.ItemDataRole.ToolTipRole)

    def set_models(self, models: dict[str, Caps], default: str | None = None) -> None:
        """Offer another set of models (the offline engine's methods, or the API's models).

        ``default`` is chosen when it is offered (else the table's default, else the first model).
        """
        if models == self._models:
            return
        self._models = models
        self.model.blockSignals(True)
        self.model.clear()
        self._add_models(models)
        index = self.model.findData(default)
        self.model.setCurrentIndex(index if index >= 0 else max(0, self.model.findData(self._default)))
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
        self._fill(self.size_box, sizes)
        self._fill(self.quality, caps.qualities)
        self._fill(self.complexity, (COMPLEXITY_DEFAULT, *caps.complexities) if caps.complexities else ())
        self._fill(self.fidelity, caps.input_fidelities)
        self._fill(self.format, caps.formats)
        self._fill(self.background, caps.backgrounds)
        self.n.setMaximum(max(1, caps.max_n))
        accepts = caps.params
        self._form.setRowVisible(self._rows["moderation"], "moderation" in accepts)
        rows = self._rows
        self._form.setRowVisible(rows["input_fidelity"], "input_fidelity" in accepts and not self._generate
                                 and bool(caps.input_fidelities))
        self._form.setRowVisible(rows["complexity"], "complexity" in accepts and bool(caps.complexities))
        self._form.setRowVisible(self._rows["background"], "background" in accepts and bool(caps.backgrounds))
        self.note.setText(f"{caps.label or caps.id} {caps.note}" if caps.note else "")
        self.note.setVisible(bool(caps.note))
        self._update_enabled()
        self.changed.emit()

    def _update_enabled(self) -> None:
        self._form.setRowVisible(self._rows["custom_size"], self.size_box.currentText() == "custom")
        accepts = self.caps().params
        streams = "partial_images" in accepts or "stream" in accepts
        self._form.setRowVisible(self._rows["partial_images"],
                                 streams and self.format.currentText() not in _NO_STREAM_FORMATS)
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
        text = self.size_box.currentText()
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
            input_fidelity=opt("input_fidelity", self.fidelity.currentText() or None),
            complexity=opt("complexity", None if self.complexity.currentText() in ("", COMPLEXITY_DEFAULT)
                           else self.complexity.currentText()),
            partial_images=self.previews.value() if self.is_row_visible("partial_images") else 0,
        )
