from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt

from inpaint_desktop.gui.send.references import ReferencesPanel


def _png(path: Path, color: tuple[int, int, int], size: int = 16) -> Path:
    Image.new("RGB", (size, size), color).save(path)
    return path


def test_add_reorder_remove_and_sizes(qtbot, tmp_path: Path) -> None:
    panel = ReferencesPanel()
    qtbot.addWidget(panel)
    panel.show()
    a, b = _png(tmp_path / "a.png", (255, 0, 0)), _png(tmp_path / "b.png", (0, 255, 0), 64)
    assert panel.add_paths([str(a), str(b)]) == 2
    assert [f.filename for f in panel.files()] == ["a.png", "b.png"]
    assert "2 reference(s)" in panel.summary.text() and "50 MB" in panel.summary.text()
    total = a.stat().st_size + b.stat().st_size
    assert f"{total} B" in panel.summary.text() or "KB" in panel.summary.text()
    panel.list.setCurrentRow(1)
    qtbot.mouseClick(panel.up_button, Qt.MouseButton.LeftButton)
    assert [f.filename for f in panel.files()] == ["b.png", "a.png"]
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert [f.filename for f in panel.files()] == ["a.png"]
    assert panel.files()[0].mime == "image/png"


def test_rejects_non_images_and_limit(qtbot, tmp_path: Path) -> None:
    panel = ReferencesPanel()
    qtbot.addWidget(panel)
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    assert panel.add_paths([str(bad)]) == 0
    assert "not a PNG" in panel.error.text()
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "PNG")
    for i in range(15):
        assert panel.add_bytes(buf.getvalue(), f"r{i}.png")
    assert not panel.add_bytes(buf.getvalue(), "one-too-many.png")
    assert "16" in panel.error.text()


def test_a_bmp_reference_is_offered_as_png_not_converted_silently(qtbot, tmp_path: Path) -> None:
    panel = ReferencesPanel()
    qtbot.addWidget(panel)
    panel.show()
    bmp = tmp_path / "logo.bmp"
    Image.new("RGB", (8, 6), (10, 20, 30)).save(bmp)
    assert panel.add_paths([str(bmp)]) == 0 and panel.files() == ()
    assert "PNG copy" in panel.error.text() and panel.convert_button.isVisible()
    qtbot.mouseClick(panel.convert_button, Qt.MouseButton.LeftButton)
    (part,) = panel.files()
    assert part.mime == "image/png" and part.filename == "logo.png"
    assert Image.open(io.BytesIO(part.data)).getpixel((3, 3)) == (10, 20, 30)
    assert not panel.convert_button.isVisible()
