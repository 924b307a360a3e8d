from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from inpaint_desktop.core.imaging import LoadedImage
from inpaint_desktop.gui.send.jobs import JobState
from inpaint_desktop.gui.send.panel import OFFLINE
from tests.gui.editor_helpers import composed_app


def Loaded(array: np.ndarray) -> LoadedImage:
    return LoadedImage(array=array, source_bytes=None, format="PNG")


def _photo() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)


@pytest.fixture
def setup(qtbot, tmp_path: Path):
    for parts in composed_app(qtbot, tmp_path):
        yield parts.window, parts.document, parts.send


def test_offline_default_and_banner(setup) -> None:
    window, _doc, flow = setup
    assert flow.panel.backend_choice() == OFFLINE
    assert not flow.panel.offline_banner.isHidden()
    assert "does not follow the prompt" in flow.panel.offline_text.text()
    names = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "New from Prompt…" in names
    combo = flow.panel.params.model
    offline_ids = [combo.itemData(i) for i in range(combo.count())]
    assert combo.currentData() == "offline-harmonic" and "offline-telea" in offline_ids
    from inpaint_desktop.gui.send.panel import OPENAI

    flow.panel.set_backend_choice(OPENAI)
    # The model table names the default model (not a string in the GUI).
    assert combo.currentData() == flow.table.default_model == "gpt-image-2.6-sunburst"
    assert "offline-telea" not in [combo.itemData(i) for i in range(combo.count())]
    assert flow.panel.offline_banner.isHidden()


def test_send_without_image_warns_and_keeps_running(setup, qtbot) -> None:
    window, _doc, flow = setup
    qtbot.mouseClick(flow.panel.send_button, Qt.MouseButton.LeftButton)
    assert window.message_bar.isVisible() and "Open an image" in window.message_bar.text


def test_send_with_offline_engine_end_to_end(setup, qtbot, tmp_path: Path) -> None:
    _window, doc, flow = setup
    original = _photo()
    doc.set_image(Loaded(original))
    mask = np.zeros((60, 80), np.uint8)
    mask[20:40, 30:50] = 255
    doc.set_mask(mask)
    QTest.keyClicks(flow.panel.prompt, "a red ball on the grass")
    finished: list = []
    flow.queue.job_finished.connect(lambda *a: finished.append(a))
    flow.queue.job_failed.connect(lambda *a: finished.append(a))
    qtbot.mouseClick(flow.panel.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(finished), timeout=20000)
    job_id, outcome = finished[0]
    assert hasattr(outcome, "variants"), getattr(outcome, "details", outcome)
    assert flow.queue.jobs[job_id].state is JobState.DONE
    directory = Path(outcome.report.saved_dirs[0])
    assert directory.parent.parent == tmp_path / "results"
    sidecar = json.loads((directory / "variant-0.json").read_text())
    assert sidecar["request"]["prompt"] == "a red ball on the grass"
    assert (directory / "mask.png").exists()
    protected = np.asarray(Image.open(directory / "variant-0-protected.png").convert("RGB"))
    outside = mask == 0
    assert np.array_equal(protected[outside], original[outside])
    assert flow.results.thumbs.count() == 1
    assert "protected" in flow.results.which.text()
    assert flow.panel.recent.itemText(0) == "a red ball on the grass"
    # Keep iterating on it: the protected result becomes the photo, with an empty mask.
    qtbot.mouseClick(flow.results.use_button, Qt.MouseButton.LeftButton)
    assert np.array_equal(doc.image.array, protected) and not doc.mask.any()


def test_ctrl_enter_sends_from_the_prompt_box(setup, qtbot) -> None:
    window, doc, flow = setup
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    doc.set_image(Loaded(_photo()))
    mask = np.zeros((60, 80), np.uint8)
    mask[5:15, 5:15] = 255
    doc.set_mask(mask)
    flow.panel.prompt.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is flow.panel.prompt, timeout=3000)
    QTest.keyClicks(flow.panel.prompt, "sky")
    hits: list[int] = []
    window.actions_by_name["send"].triggered.connect(lambda: hits.append(1))
    QTest.keyClick(flow.panel.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert hits, (QApplication.focusWidget(), QApplication.activeWindow())
    assert len(flow.queue.jobs) == 1, window.message_bar.text
    assert flow.panel.prompt.toPlainText() == "sky"  # the prompt is kept for the next send


def test_preflight_says_what_is_uploaded_and_what_it_costs(setup, qtbot) -> None:
    from inpaint_desktop.gui.send.panel import OPENAI

    _window, doc, flow = setup
    flow.panel.set_backend_choice(OPENAI)
    doc.set_image(Loaded(np.zeros((2000, 3000, 3), np.uint8)))
    flow.update_cost()
    text = flow.panel.preflight.text()
    assert "fitted to" in text and "without a mask" in text, text
    assert flow.panel.cost.text().startswith("Estimated $"), flow.panel.cost.text()
    first = float(flow.panel.cost.text().removeprefix("Estimated $"))
    mask = np.zeros((2000, 3000), np.uint8)
    mask[100:150, 200:260] = 255
    doc.set_mask(mask)
    flow.panel.crop.setChecked(True)
    text = flow.panel.preflight.text()
    assert "crop of the photo" in text and "with the mask" in text, text
    flow.panel.params.n.setValue(3)
    assert float(flow.panel.cost.text().removeprefix("Estimated $")) > first
    flow.panel.set_backend_choice(OFFLINE)
    assert flow.panel.cost.text() == "Free (offline)" and "nothing is uploaded" in flow.panel.preflight.text()


def test_api_settings_dialog_saves_base_url_and_never_the_key(
    setup, qtbot, monkeypatch, memory_keyring
) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    from inpaint_desktop.gui.send.api_settings import ApiSettingsDialog
    from inpaint_desktop.gui.send.panel import OPENAI
    from inpaint_desktop.store.settings import load_settings

    window, _doc, flow = setup
    settings_path = window.settings_path
    assert settings_path is not None

    def fake_exec(dialog: ApiSettingsDialog) -> int:
        # What a user does in the dialog: type a URL and a key, press Save.
        qtbot.keyClicks(dialog.url, "http://127.0.0.1:8123/v1")
        qtbot.keyClicks(dialog.key, "sk-should-never-be-in-a-file")
        dialog.insecure.setChecked(True)
        save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(ApiSettingsDialog, "exec", fake_exec)
    flow.open_api_settings()
    # Saved to the settings file (by the window, its one writer), and the key only in the keyring.
    assert load_settings(settings_path).base_url == "http://127.0.0.1:8123/v1"
    assert "sk-should-never" not in settings_path.read_text()
    assert flow.base_url == "http://127.0.0.1:8123/v1" and flow.panel.backend_choice() == OPENAI
    assert list(memory_keyring.store.values()) == ["sk-should-never-be-in-a-file"]
    assert load_settings(settings_path).allow_insecure_http and flow.allow_insecure_http


def test_plain_http_to_another_computer_needs_explicit_consent(monkeypatch) -> None:
    from inpaint_desktop.api.config import insecure_key_problem
    from inpaint_desktop.gui.send.support import make_backend

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-consent-0000")
    refused = make_backend("openai", "http://gateway.example:8080/v1")
    allowed = make_backend("openai", "http://gateway.example:8080/v1", allow_insecure_http=True)
    try:
        assert "plain http" in (insecure_key_problem(refused.config) or "")
        assert insecure_key_problem(allowed.config) is None
    finally:
        refused.close()
        allowed.close()


def test_a_configured_server_adds_its_image_models(qtbot, tmp_path: Path) -> None:
    """Against the app's own server: its list decides what is offered (its fill methods)."""
    from inpaint_desktop.gui.send.panel import OPENAI
    from inpaint_desktop.server.app import ServerSettings
    from inpaint_desktop.server.run import ServerThread
    from inpaint_desktop.store.settings import Settings, save_settings

    with ServerThread(ServerSettings()) as server:
        save_settings(Settings(base_url=f"{server.url}/v1"), tmp_path / "settings.json")
        for parts in composed_app(qtbot, tmp_path):
            flow = parts.send
            assert flow.panel.backend_choice() == OPENAI
            combo = flow.panel.params.model
            qtbot.waitUntil(lambda combo=combo: combo.findData("offline-telea") >= 0, timeout=10000)
            offered = [combo.itemData(i) for i in range(combo.count())]
            assert offered and all(m.startswith("offline-") for m in offered)
            assert combo.currentData() == offered[0]  # the table's default is not on that server
