"""Autosave: painting is written in the background, a clean close removes it, and after a crash the
next start offers the photo, the mask and the prompt back."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt

from inpaint_desktop.gui.wiring import AppParts
from tests.gui.editor_helpers import app, composed_app, drag, photo  # noqa: F401  (fixture)

DATA = Path(__file__).resolve().parents[1] / "data"

CRASHING_SESSION = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import numpy as np
    from PySide6.QtWidgets import QApplication
    from inpaint_desktop.core.imaging import load_image
    from inpaint_desktop.gui.editor.autosave import Autosaver
    from inpaint_desktop.gui.editor.document import Document
    from inpaint_desktop.store.autosave import AutosaveStore
    app = QApplication([])
    doc = Document()
    saver = Autosaver(doc, AutosaveStore(Path(sys.argv[1])), prompt=lambda: "a clean saucer")
    doc.set_image(load_image(Path(sys.argv[2])), path=Path(sys.argv[2]))
    mask = np.zeros(doc.mask.shape, np.uint8)
    mask[50:120, 300:420] = 255
    doc.set_mask(mask)
    saver.save_now()
    assert saver.wait(10000)
    os._exit(3)  # a crash: no clean close, the autosave stays
    """
)


def test_painting_is_autosaved_and_a_clean_close_removes_it(qtbot, app: AppParts) -> None:  # noqa: F811
    window, autosaver = app.window, app.autosaver
    store = autosaver.store
    window.document.set_image(photo(120, 80), path=None)
    window.canvas.fit()
    with qtbot.waitSignal(autosaver.saved, timeout=10000):
        drag(window.canvas, [(20, 20), (60, 30)])
    saved = np.asarray(Image.open(store.directory / "mask.png"))
    assert np.array_equal(saved, window.document.mask) and saved.max() == 255
    assert (store.directory / "image.png").exists()
    window.document.mark_saved()
    window.close()
    qtbot.waitUntil(lambda: not store.directory.exists(), timeout=5000)


def test_after_a_crash_the_next_start_offers_the_work_back(qtbot, tmp_path: Path) -> None:
    root = tmp_path / "autosave"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", CRASHING_SESSION, str(root), str(DATA / "coffee.png")],
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 3, done.stderr[-2000:]
    for parts in composed_app(qtbot, tmp_path, autosave=root):
        _check_recovery(qtbot, parts)


def _check_recovery(qtbot, parts: AppParts) -> None:
    window = parts.window
    recovery = parts.recovery.check()
    assert recovery is not None and "coffee.png" in window.message_bar.text
    assert window.message_bar.action_button.isVisible()
    qtbot.mouseClick(window.message_bar.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.document.is_empty(), timeout=10000)
    assert window.document.size() == (600, 400) and window.document.path == DATA / "coffee.png"
    expected = np.zeros((400, 600), np.uint8)
    expected[50:120, 300:420] = 255
    assert np.array_equal(window.document.mask, expected)
    assert window.document.is_modified  # restored work still needs exporting or sending
    assert parts.send.panel.prompt_text() == "a clean saucer"
    assert not recovery.directory.exists()


def test_an_unwritable_autosave_folder_is_reported_and_painting_goes_on(qtbot, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the autosave folder should be")
    for parts in composed_app(qtbot, tmp_path, autosave=blocked):
        _check_unwritable(qtbot, parts)


def _check_unwritable(qtbot, parts: AppParts) -> None:
    window, autosaver = parts.window, parts.autosaver
    with qtbot.waitSignal(autosaver.failed, timeout=10000) as failure:
        window.document.set_image(photo(60, 40), path=None)
    assert failure.args[0].startswith("Autosave failed")
    qtbot.waitUntil(lambda: window.message_bar.isVisible() and "Autosave failed" in window.message_bar.text)
    window.canvas.fit()
    drag(window.canvas, [(10, 10), (30, 20)])
    assert window.document.mask.max() == 255  # the editor keeps working
