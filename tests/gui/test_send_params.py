from __future__ import annotations

from PySide6.QtCore import Qt

from inpaint_desktop.gui.send.params import Caps, ParamsPanel

MODELS = {
    "gpt-image-2": Caps(id="gpt-image-2", custom_sizes=True,
                        params=frozenset({"background", "output_compression", "partial_images",
                                           "moderation"})),
    "gpt-image-1-mini": Caps(id="gpt-image-1-mini", sizes=("auto", "1024x1024"), qualities=("low", "high"),
                             params=frozenset({"input_fidelity", "output_compression"}), max_n=4,
                             backgrounds=(), input_fidelities=("low",),
                             note="shuts down 2026-12-01 (in 11 days); use gpt-image-2.6-flare instead",
                             shutdown_date="2026-12-01"),
}


def test_panel_follows_model_capabilities(qtbot) -> None:
    panel = ParamsPanel(MODELS)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.model.currentData() == "gpt-image-2"
    assert panel.is_row_visible("moderation") and not panel.is_row_visible("input_fidelity")
    assert panel.size_box.findText("custom") >= 0
    panel.size_box.setCurrentText("custom")
    assert panel.is_row_visible("custom_size")
    qtbot.keyClicks(panel.custom_size, "2048x1152")
    assert panel.params().size == "2048x1152"
    panel.model.setCurrentIndex(panel.model.findData("gpt-image-1-mini"))
    assert panel.size_box.findText("custom") < 0 and not panel.is_row_visible("custom_size")
    assert [panel.quality.itemText(i) for i in range(panel.quality.count())] == ["low", "high"]
    assert panel.n.maximum() == 4
    assert panel.is_row_visible("input_fidelity") and not panel.is_row_visible("moderation")
    assert not panel.is_row_visible("background")
    assert panel.note.text() == ("gpt-image-1-mini shuts down 2026-12-01 (in 11 days); "
                                 "use gpt-image-2.6-flare instead")
    assert panel.model.currentText() == "gpt-image-1-mini (shuts down 2026-12-01)"
    p = panel.params()
    assert p.model == "gpt-image-1-mini" and p.moderation is None and p.input_fidelity == "low"


def test_compression_only_for_lossy_and_no_transparent_jpeg(qtbot) -> None:
    panel = ParamsPanel(MODELS)
    qtbot.addWidget(panel)
    panel.show()
    panel.format.setCurrentText("png")
    assert not panel.is_row_visible("output_compression") and panel.params().output_compression is None
    panel.background.setCurrentText("transparent")
    panel.format.setCurrentText("jpeg")
    assert panel.is_row_visible("output_compression")
    assert panel.background.currentText() != "transparent"
    item = panel.background.model().item(panel.background.findText("transparent"))
    assert not item.isEnabled()
    panel.compression.setValue(70)
    assert panel.params().output_compression == 70
    qtbot.mouseClick(panel.model, Qt.MouseButton.LeftButton)
