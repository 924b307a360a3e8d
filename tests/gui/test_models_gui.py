"""The Send panel and New from Prompt with today's models, against the loopback server.

Shutdown dates are checked with a fixed ``today`` (the workflow's clock is replaced); the loopback
server stands in for OpenAI's API where a test says so.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QMovie

from inpaint_desktop.core.imaging import LoadedImage
from inpaint_desktop.gui.send.panel import OPENAI
from inpaint_desktop.store.settings import Settings, save_settings
from inpaint_desktop.store.user_models import user_models_path
from tests.api.fake_server import RESULT_GIF, RESULT_SVG, FakeImagesServer, serve
from tests.dates import fixed_date
from tests.gui.editor_helpers import composed_app

_Nov20 = fixed_date(2026, 11, 20)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeImagesServer]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-models-gui-0000")
    monkeypatch.setattr("inpaint_desktop.gui.send.workflow._dt", types.SimpleNamespace(date=_Nov20))
    yield from serve()


def _app(qtbot, tmp_path: Path, server: FakeImagesServer):  # type: ignore[no-untyped-def]
    save_settings(Settings(base_url=server.url), tmp_path / "settings.json")
    return composed_app(qtbot, tmp_path)


def _items(combo) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {combo.itemData(i): (combo.itemText(i), combo.itemData(i, Qt.ItemDataRole.ToolTipRole) or "")
            for i in range(combo.count())}


def _listed(server: FakeImagesServer) -> bool:
    return any(r.path == "/v1/models" for r in server.requests)


def test_on_openai_shut_down_models_are_hidden_and_near_ones_annotated(
        qtbot, server: FakeImagesServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("inpaint_desktop.gui.send.workflow.is_openai_url", lambda url: True)
    server.models = [{"id": "gpt-image-2.6-sunburst", "shutdown_date": None},
                     {"id": "gpt-image-2", "shutdown_date": "2026-12-15"},
                     {"id": "gpt-image-2.5-flare", "shutdown_date": "2026-11-01"}]
    for parts in _app(qtbot, tmp_path, server):
        combo = parts.send.panel.params.model
        qtbot.waitUntil(lambda combo=combo: "shuts down" in _items(combo).get("gpt-image-2", ("", ""))[0],
                        timeout=10000)
        items = _items(combo)
        # gpt-image-1 shut down on 2026-10-23 (the table's date): not offered at all.
        assert "gpt-image-1" not in items
        # The server's past date wins over the table (which has none for 2.5-flare).
        assert "gpt-image-2.5-flare" not in items and "gpt-image-2.5-sunburst" in items
        assert items["gpt-image-1.5"] == (
            "GPT Image 1.5 (shuts down 2026-12-01)",
            "shuts down 2026-12-01 (in 11 days); use gpt-image-2.6-sunburst instead")
        assert items["gpt-image-2"][0] == "GPT Image 2 (shuts down 2026-12-15)"
        assert items["gpt-image-2.6-sunburst"][0] == "GPT Image 2.6 Sunburst"
        assert combo.currentData() == "gpt-image-2.6-sunburst"  # the table's default
        combo.setCurrentIndex(combo.findData("gpt-image-1.5"))
        note = parts.send.panel.params.note
        assert note.isVisibleTo(parts.window)
        assert note.text() == ("GPT Image 1.5 shuts down 2026-12-01 (in 11 days); "
                               "use gpt-image-2.6-sunburst instead")


def test_complexity_and_the_estimate_range_for_gpt_image_2_6(qtbot, server: FakeImagesServer,
                                                             tmp_path: Path) -> None:
    server.models = [{"id": "gpt-image-2.6-sunburst"}, {"id": "gpt-image-2"}]
    for parts in _app(qtbot, tmp_path, server):
        flow, doc = parts.send, parts.document
        params = flow.panel.params
        qtbot.waitUntil(lambda params=params: _listed(server) and params.model.count() == 2, timeout=10000)
        doc.set_image(LoadedImage(array=np.full((1024, 1024, 3), 120, np.uint8), source_bytes=None,
                                  format="PNG"))
        mask = np.zeros((1024, 1024), np.uint8)
        mask[100:300, 100:300] = 255
        doc.set_mask(mask)
        flow.panel.prompt.setPlainText("a red kite in the sky")
        assert params.model.currentData() == "gpt-image-2.6-sunburst"
        assert params.is_row_visible("complexity")
        assert [params.complexity.itemText(i) for i in range(params.complexity.count())] == [
            "default (high)", "low", "medium", "high"]
        assert [params.quality.itemText(i) for i in range(params.quality.count())] == [
            "auto", "low", "medium", "high", "xhigh", "max"]
        params.quality.setCurrentText("medium")
        flow.update_cost()
        assert flow.panel.cost.text().startswith("Estimated $0.05")  # 1756 output tokens at $30 + inputs
        assert "no token rule is published for gpt-image-2.6" in flow.panel.cost.toolTip()
        params.quality.setCurrentText("xhigh")
        params.complexity.setCurrentText("low")
        flow.update_cost()
        cost = flow.panel.cost.text()
        assert cost.startswith("Estimated at least $0.2") and cost.endswith("(upper end unknown)"), cost
        assert "complexity low: its effect on the price is not published" in flow.panel.cost.toolTip()
        with qtbot.waitSignal(flow.queue.job_finished, timeout=15000):
            flow.send()
        rec = server.requests[-1]
        assert rec.problems == [] and rec.fields["complexity"] == ["low"]
        assert rec.fields["quality"] == ["xhigh"]
        # gpt-image-2 takes no complexity: the row goes, and nothing reaches the body.
        params.model.setCurrentIndex(params.model.findData("gpt-image-2"))
        assert not params.is_row_visible("complexity") and params.params().complexity is None
        with qtbot.waitSignal(flow.queue.job_finished, timeout=15000):
            flow.send()
        rec = server.requests[-1]
        assert rec.problems == [] and rec.fields["model"] == ["gpt-image-2"]
        assert "complexity" not in rec.fields


@pytest.mark.parametrize("mode", ["404", "malformed", "slow"])
def test_a_server_without_a_usable_model_list_keeps_the_table(
        qtbot, server: FakeImagesServer, tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("inpaint_desktop.gui.send.support.LIST_TIMEOUT_S", 0.5)
    server.models_mode = mode
    for parts in _app(qtbot, tmp_path, server):
        combo = parts.send.panel.params.model
        # The window is up with the table's models while the list is still being asked for.
        before = _items(combo)
        assert "gpt-image-2.6-sunburst" in before and len(before) == len(parts.send.table.ids())
        status = parts.window.statusBar()
        qtbot.waitUntil(lambda status=status: "model list is not available" in status.currentMessage(),
                        timeout=10000)
        assert _items(combo) == before
        assert not parts.window.message_bar.isVisible()  # nothing alarming
        server.stop_event.set()  # let the slow answer go so the server can close


def test_a_broken_user_models_file_is_named_and_the_app_starts(qtbot, tmp_path: Path) -> None:
    path = user_models_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"models": [{"id": "gpt-image-2", "price_image_out": -1},
                                           {"id": "house-image-1", "family": "gpt-image-2"}]}))
    for parts in composed_app(qtbot, tmp_path):
        bar = parts.window.message_bar
        assert bar.isVisible() and str(path) in bar.text and bar.level == "warning"
        assert "models[gpt-image-2].price_image_out: -1 is not a price" in (bar.details or "")
        parts.send.panel.set_backend_choice(OPENAI)
        combo = parts.send.panel.params.model
        assert combo.findData("house-image-1") >= 0  # the rest of the file applies
        assert parts.send.table.get("gpt-image-2").price_image_out == 30.0


@pytest.mark.parametrize("fmt", ["gif", "svg"])
def test_new_from_prompt_shows_gif_and_svg_as_returned(qtbot, server: FakeImagesServer, tmp_path: Path,
                                                       fmt: str) -> None:
    from inpaint_desktop.gui.send.new_from_prompt import NewFromPromptDialog

    server.models = [{"id": "gpt-image-2.6-flare"}, {"id": "gpt-image-2"}]
    for parts in _app(qtbot, tmp_path, server):
        flow, doc = parts.send, parts.document
        combo = flow.panel.params.model
        qtbot.waitUntil(lambda combo=combo: _listed(server) and combo.count() == 2, timeout=10000)
        dialog = NewFromPromptDialog(flow)
        qtbot.addWidget(dialog)
        dialog.show()
        params = dialog.params
        params.model.setCurrentIndex(params.model.findData("gpt-image-2"))
        assert params.format.findText(fmt) < 0  # only 2.6 offers gif and svg
        params.model.setCurrentIndex(params.model.findData("gpt-image-2.6-flare"))
        params.format.setCurrentText(fmt)
        assert params.format.currentText() == fmt
        if fmt == "gif":
            assert not params.is_row_visible("partial_images")  # a GIF is never streamed
        qtbot.keyClicks(dialog.prompt, "a looping spinner")
        with qtbot.waitSignal(flow.queue.job_finished, timeout=15000) as blocker:
            qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
        assert server.requests[-1].json["output_format"] == fmt and server.requests[-1].problems == []
        outcome = blocker.args[1]
        saved = Path(outcome.report.saved_dirs[0])
        assert (saved / f"variant-0.{fmt}").read_bytes() == (RESULT_GIF if fmt == "gif" else RESULT_SVG)
        assert dialog.choices.item(0).text() == f"Variant 1 ({fmt.upper()})"
        assert dialog.preview.isVisible()
        if fmt == "gif":
            movie = dialog.preview.movie()
            assert movie is not None and movie.state() == QMovie.MovieState.Running
            assert movie.frameCount() == 2
            colours = set()
            for _ in range(2):
                colours.add(movie.currentImage().pixelColor(8, 8).name())
                movie.jumpToNextFrame()
            assert colours == {"#dc1414", "#1414dc"}  # red, then blue: it animates
        else:
            image = dialog.preview.pixmap().toImage()
            assert (image.width(), image.height()) == (256, 128)  # drawn at the preview's size, aspect kept
            assert image.pixelColor(5, 5).name() == "#1e90ff"  # the background
            assert image.pixelColor(128, 64).name() == "#ffd700"  # the circle in the middle
        qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda doc=doc: not doc.is_empty(), timeout=5000)
        # A GIF opens on its first frame; an SVG on its rendering (1024 px on the long side).
        assert doc.size() == ((16, 16) if fmt == "gif" else (1024, 512))
