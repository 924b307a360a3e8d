"""Opening photos through the window: files, every bad input, drop, paste, recent list, masks in and out."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from inpaint_desktop.core.mask import encode_api_mask
from inpaint_desktop.core.rules import check_mask_pair
from inpaint_desktop.gui.main_window import MainWindow
from tests.conftest import DATA
from tests.gui.editor_helpers import drag, photo, window

__all__ = ["window"]


def _wait_open(qtbot, win: MainWindow) -> None:
    qtbot.waitUntil(lambda: win.opener.pending == 0, timeout=10000)


def _bytes(img: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _bomb() -> bytes:
    raw = bytearray(_bytes(Image.new("RGB", (1, 1)), "PNG"))
    ihdr = struct.pack(">II", 20000, 20000) + bytes(raw[24:29])
    raw[16:29] = ihdr
    raw[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(raw)


def _truncated() -> bytes:
    data = _bytes(Image.fromarray(np.random.default_rng(0).integers(0, 255, (100, 100, 3), np.uint8)), "PNG")
    return data[: len(data) // 2]


def test_open_sample_photo(qtbot, window: MainWindow) -> None:
    window.open_path(DATA / "chelsea.png")
    _wait_open(qtbot, window)
    with Image.open(DATA / "chelsea.png") as img:
        assert window.document.size() == img.size
    assert window.windowTitle().startswith("chelsea.png")
    assert window.document.image.source_bytes == (DATA / "chelsea.png").read_bytes()
    assert not window.message_bar.isVisible()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (_truncated(), "truncated"),
        (b"\x89PNG\r\n\x1a\n" + b"\x13corrupt" * 30, "damaged"),
        (b"%PDF-1.4 this is not a picture\n", "not an image"),
        (_bomb(), "too large"),
    ],
    ids=["zero-byte", "truncated", "corrupt", "non-image", "bomb"],
)
def test_bad_file_shows_message_and_keeps_document(qtbot, window: MainWindow, tmp_path: Path,
                                                   content: bytes, words: str) -> None:
    window.document.set_image(photo(50, 40))
    drag(window.canvas, [(10, 10), (30, 10)])
    before = window.document.mask.copy()
    window.document.mark_saved()
    bad = tmp_path / "bad.png"
    bad.write_bytes(content)
    window.open_path(bad)
    _wait_open(qtbot, window)
    bar = window.message_bar
    assert bar.isVisible() and bar.level == "error"
    assert "bad.png" in bar.text and words in bar.text
    assert window.document.size() == (50, 40) and np.array_equal(window.document.mask, before)
    assert window.document.path is None


def test_animated_image_opens_first_frame_with_notice(qtbot, window: MainWindow, tmp_path: Path) -> None:
    frames = [Image.new("RGB", (30, 20), c) for c in ((250, 0, 0), (0, 250, 0))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=40)
    window.open_path(path)
    _wait_open(qtbot, window)
    assert window.document.size() == (30, 20)
    assert window.message_bar.level == "info" and "first of 2 frames" in window.message_bar.text


def test_newer_open_wins(qtbot, window: MainWindow) -> None:
    window.open_path(DATA / "astronaut.png")
    window.open_path(DATA / "coffee.png")
    _wait_open(qtbot, window)
    assert window.document.path == DATA / "coffee.png"


def test_drop_a_file(qtbot, window: MainWindow) -> None:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(DATA / "coffee.png"))])
    pos = QPointF(window.canvas.mapTo(window, window.canvas.rect().center()))
    rest = (Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(pos.toPoint(), *rest)  # Qt takes an integer point here, a real one below
    QApplication.sendEvent(window, enter)  # a drop is only delivered after an accepted enter
    assert enter.isAccepted()
    QApplication.sendEvent(window, QDropEvent(pos, *rest))
    _wait_open(qtbot, window)
    assert window.document.path == DATA / "coffee.png"


def test_paste_image_from_clipboard(qtbot, window: MainWindow) -> None:
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.blue)
    QGuiApplication.clipboard().setImage(image)
    window.canvas.setFocus()
    window.actions_by_name["paste"].trigger()
    _wait_open(qtbot, window)
    assert window.document.size() == (40, 30)
    assert tuple(window.document.image.array[5, 5, :3]) == (0, 0, 255)


def test_paste_file_path_and_empty_clipboard(qtbot, window: MainWindow) -> None:
    QGuiApplication.clipboard().setText(str(DATA / "chelsea.png"))
    window.actions_by_name["paste"].trigger()
    _wait_open(qtbot, window)
    assert window.document.path == DATA / "chelsea.png"
    QGuiApplication.clipboard().setText("just some words")
    window.actions_by_name["paste"].trigger()
    assert window.message_bar.level == "warning" and "clipboard" in window.message_bar.text
    assert window.document.path == DATA / "chelsea.png"


def test_recent_files_menu(qtbot, window: MainWindow) -> None:
    window.opener.recent.clear()
    for name in ("astronaut.png", "coffee.png"):
        window.open_path(DATA / name)
        _wait_open(qtbot, window)
    assert [p.name for p in window.opener.recent.paths()] == ["coffee.png", "astronaut.png"]
    menu = window._recent_menu
    menu.aboutToShow.emit()
    entries = [a for a in menu.actions() if a.text().endswith("astronaut.png")]
    assert entries
    entries[0].trigger()
    _wait_open(qtbot, window)
    assert window.document.path.name == "astronaut.png"
    assert window.opener.recent.paths()[0].name == "astronaut.png"


def test_export_mask_round_trip_and_mask_check(qtbot, window: MainWindow, tmp_path: Path) -> None:
    window.open_path(DATA / "coffee.png")
    _wait_open(qtbot, window)
    window.canvas.set_brush(window.canvas.brush.__class__(size=30, hardness=0.5))
    drag(window.canvas, [(100, 100), (200, 120), (300, 100)])
    assert window.isWindowModified()
    painted = window.document.mask.copy()
    out = tmp_path / "mask.png"
    window.export_mask(out)
    qtbot.waitUntil(lambda: window.mask_ops.pending == 0, timeout=5000)
    assert not window.isWindowModified() and "exported" in window.message_bar.text
    with Image.open(out) as img:
        assert img.mode == "RGBA" and img.size == window.document.size()
        alpha = np.asarray(img)[..., 3]
    assert np.array_equal(alpha, 255 - painted)
    assert alpha[120, 200] == 0 and alpha[0, 0] == 255 and ((alpha > 0) & (alpha < 255)).any()
    assert check_mask_pair((DATA / "coffee.png").read_bytes(), out.read_bytes()) == []
    # Import it back after clearing: the exact same mask returns.
    window.actions_by_name["clear"].trigger()
    qtbot.waitUntil(lambda: window.mask_ops.pending == 0, timeout=5000)
    assert not window.document.mask.any()
    window.mask_ops.import_mask(out)
    qtbot.waitUntil(lambda: window.mask_ops.pending == 0, timeout=5000)
    assert np.array_equal(window.document.mask, painted)


def test_import_black_and_white_with_invert(qtbot, window: MainWindow, tmp_path: Path) -> None:
    window.document.set_image(photo(40, 30))
    bw = np.zeros((30, 40), np.uint8)
    bw[:, 20:] = 255  # white right half
    path = tmp_path / "bw.png"
    Image.fromarray(bw, "L").save(path)
    window.mask_ops.import_mask(path)
    qtbot.waitUntil(lambda: window.mask_ops.pending == 0, timeout=5000)
    assert window.document.mask[5, 5] == 255 and window.document.mask[5, 30] == 0  # black = edit
    window.mask_ops.import_mask(path, invert=True)
    qtbot.waitUntil(lambda: window.mask_ops.pending == 0, timeout=5000)
    assert window.document.mask[5, 5] == 0 and window.document.mask[5, 30] == 255


def test_import_other_size_offers_to_scale(qtbot, window: MainWindow, tmp_path: Path) -> None:
    window.document.set_image(photo(80, 60))
    small = np.zeros((30, 40), np.uint8)
    small[:, :20] = 255
    path = tmp_path / "small.png"
    path.write_bytes(encode_api_mask(small))
    window.mask_ops.import_mask(path)
    qtbot.waitUntil(lambda: window.mask_ops.pending == 0, timeout=5000)
    bar = window.message_bar
    assert "40x30" in bar.text and "80x60" in bar.text and bar.action_button.isVisible()
    assert not window.document.mask.any()
    bar.action_button.click()
    qtbot.waitUntil(lambda: window.mask_ops.pending == 0, timeout=5000)
    mask = window.document.mask
    assert mask[30, 10] == 255 and mask[30, 70] == 0


def test_import_junk_mask_keeps_mask(qtbot, window: MainWindow, tmp_path: Path) -> None:
    window.document.set_image(photo(40, 30))
    drag(window.canvas, [(10, 10), (20, 10)])
    before = window.document.mask.copy()
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"nope")
    window.mask_ops.import_mask(junk)
    qtbot.waitUntil(lambda: window.mask_ops.pending == 0, timeout=5000)
    assert window.message_bar.level == "error" and "junk.png" in window.message_bar.text
    assert np.array_equal(window.document.mask, before)


def test_import_mask_dialog_validates_and_passes_invert(qtbot, window: MainWindow, tmp_path: Path) -> None:
    from inpaint_desktop.gui.editor.import_mask_dialog import ImportMaskDialog

    dialog = ImportMaskDialog(window)
    qtbot.addWidget(dialog)
    dialog.buttons.accepted.emit()
    assert "Choose a mask" in dialog.error.text() and not dialog.result()
    dialog.path_edit.setText(str(tmp_path / "missing.png"))
    dialog.buttons.accepted.emit()
    assert "no file" in dialog.error.text()
    existing = tmp_path / "m.png"
    existing.write_bytes(encode_api_mask(np.zeros((3, 3), np.uint8)))
    dialog.path_edit.setText(str(existing))
    dialog.invert_box.setChecked(True)
    dialog.buttons.accepted.emit()
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.invert() and dialog.path() == existing


def test_open_with_mask_argument(qtbot, window: MainWindow, tmp_path: Path) -> None:
    with Image.open(DATA / "chelsea.png") as img:
        width, height = img.size
    mask = np.zeros((height, width), np.uint8)
    mask[10:50, 10:90] = 255
    path = tmp_path / "m.png"
    path.write_bytes(encode_api_mask(mask))
    window.open_path(DATA / "chelsea.png", mask=path)
    _wait_open(qtbot, window)
    qtbot.waitUntil(lambda: window.mask_ops.pending == 0 and window.document.mask.any(), timeout=5000)
    assert np.array_equal(window.document.mask, mask)
    qtbot.waitUntil(lambda: window.coverage_text != "", timeout=2000)
    assert window.coverage_text == f"mask {mask.sum() / 255 / mask.size * 100:.1f} %"
