"""Results workspace: thumbnails, variant selection by keys, modes, raw/protected, pin, folder, use."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import QAction, QColor, QDesktopServices, QImage, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from inpaint_desktop.gui.results.compare import CompareMode
from inpaint_desktop.gui.results.panel import ResultsStrip
from inpaint_desktop.gui.results.variant import Variant


def _img(color: str) -> QImage:
    image = QImage(40, 30, QImage.Format.Format_RGBA8888)
    image.fill(QColor(color))
    return image


def _variant(index: int, raw: str, protected: str | None = None, **extra) -> Variant:
    image = _img(raw)
    return Variant(index, b"", image, image, _img(protected) if protected else None, **extra)


def _strip(qtbot, size=(1300, 340)) -> ResultsStrip:
    strip = ResultsStrip()
    qtbot.addWidget(strip)
    strip.resize(*size)
    strip.show()
    qtbot.waitExposed(strip)
    # The panel's keys work while it has the focus inside the active window, as in the app.
    with qtbot.waitActive(strip):
        strip.activateWindow()
    strip.viewer.setFocus()
    return strip


def _center_colour(strip: ResultsStrip, *, side: bool = False) -> QColor:
    QApplication.processEvents()
    pane = strip.viewer.side_pane if side else strip.viewer.main_pane
    return pane.grab().toImage().pixelColor(pane.rect().center())


def test_toggle_raw_protected_and_use_as_base(qtbot) -> None:
    strip = _strip(qtbot)
    strip.add_variants("job1", (_variant(0, "red", "blue", label="harmonic fill",
                                         drift="12 % of the pixels outside the mask changed"),),
                       _img("green"), "p")
    assert strip.thumbs.count() == 1
    assert strip.shown_image().pixelColor(1, 1) == QColor("blue")
    assert "protected" in strip.which.text() and "harmonic fill" in strip.which.text()
    assert strip.drift.text() == "Raw result: 12 % of the pixels outside the mask changed"
    assert _center_colour(strip) == QColor("blue")
    assert _center_colour(strip, side=True) == QColor("green")  # A: the original, side by side
    qtbot.mouseClick(strip.raw_button, Qt.MouseButton.LeftButton)
    assert strip.shown_image().pixelColor(1, 1) == QColor("red")
    assert "raw" in strip.which.text()
    assert _center_colour(strip) == QColor("red")
    strip.viewer.setFocus()
    QTest.keyClick(strip.viewer, Qt.Key.Key_R)  # R toggles back to protected
    assert strip.protected_button.isChecked() and _center_colour(strip) == QColor("blue")
    with qtbot.waitSignal(strip.use_as_base) as blocker:
        qtbot.mouseClick(strip.use_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].image.pixelColor(1, 1) == QColor("blue") and blocker.args[0].kind == "protected"


def test_missing_protected_is_named_not_swapped_silently(qtbot) -> None:
    strip = _strip(qtbot)
    strip.add_variants("job1", (_variant(0, "red"),), _img("green"), "p")
    assert strip.protected_button.isChecked() and not strip.protected_button.isEnabled()
    assert "raw result (this variant has no protected composite)" in strip.which.text()
    assert _center_colour(strip) == QColor("red")
    assert not strip.drift.isVisible()


def test_newest_job_first_and_keys_select_variants(qtbot) -> None:
    strip = _strip(qtbot)
    strip.add_variants("job1", (_variant(0, "red"), _variant(1, "blue"), _variant(2, "yellow")),
                       _img("green"), "first prompt")
    strip.add_variants("job2", (_variant(0, "magenta"), _variant(1, "cyan")), _img("green"), "second prompt")
    assert strip.thumbs.count() == 5
    assert [strip.thumbs.item(r).toolTip() for r in (0, 2)] == ["second prompt", "first prompt"]
    assert _center_colour(strip) == QColor("magenta")  # the newest job's first variant
    strip.viewer.setFocus()
    with qtbot.waitSignal(strip.variant_selected) as selected:
        QTest.keyClick(strip.viewer, Qt.Key.Key_Right)
    assert selected.args == [4] and _center_colour(strip) == QColor("cyan")
    QTest.keyClick(strip.viewer, Qt.Key.Key_Right)  # on into the older job
    assert _center_colour(strip) == QColor("red")
    QTest.keyClick(strip.viewer, Qt.Key.Key_3)  # variant #3 of the shown job
    assert _center_colour(strip) == QColor("yellow")
    QTest.keyClick(strip.viewer, Qt.Key.Key_Left)
    assert _center_colour(strip) == QColor("blue")
    QTest.keyClick(strip.viewer, Qt.Key.Key_9)  # no such variant: the selection stays
    assert _center_colour(strip) == QColor("blue")
    # Stepping through variants keeps the zoom, so one detail can be compared across all of them.
    strip.viewer.zoom_at(strip.viewer.main_pane.rect().center().toPointF(), 4.0)
    scale, offset = strip.viewer.state.scale, strip.viewer.state.offset
    QTest.keyClick(strip.viewer, Qt.Key.Key_Right)
    assert (strip.viewer.state.scale, strip.viewer.state.offset) == (scale, offset)
    assert _center_colour(strip) == QColor("yellow")


def test_mode_keys_and_buttons(qtbot) -> None:
    strip = _strip(qtbot)
    strip.add_variants("job1", (_variant(0, "red", "blue"),), _img("green"), "p")
    strip.viewer.setFocus()
    QTest.keyClick(strip.viewer, Qt.Key.Key_W)
    assert strip.viewer.mode is CompareMode.SWIPE and strip.mode_buttons[CompareMode.SWIPE].isChecked()
    pane = strip.viewer.main_pane
    image = pane.grab().toImage()
    y = pane.height() // 2
    assert image.pixelColor(pane.width() // 2 - 20, y) == QColor("green")
    assert image.pixelColor(pane.width() // 2 + 20, y) == QColor("blue")
    QTest.keyClick(strip.viewer, Qt.Key.Key_Space)  # enters Flip, showing B
    assert strip.viewer.mode is CompareMode.FLIP and strip.mode_buttons[CompareMode.FLIP].isChecked()
    assert _center_colour(strip) == QColor("blue")
    QTest.keyClick(strip.viewer, Qt.Key.Key_Space)
    assert _center_colour(strip) == QColor("green")
    QTest.keyClick(strip.viewer, Qt.Key.Key_F)
    assert _center_colour(strip) == QColor("blue")
    qtbot.mouseClick(strip.mode_buttons[CompareMode.SIDE_BY_SIDE], Qt.MouseButton.LeftButton)
    assert strip.viewer.mode is CompareMode.SIDE_BY_SIDE and strip.viewer.side_pane.isVisible()
    strip.viewer.zoom_at(pane.rect().center().toPointF(), 3.0)
    qtbot.mouseClick(strip.fit_button, Qt.MouseButton.LeftButton)
    assert strip.viewer.fitted


def test_pin_a_variant_as_reference(qtbot) -> None:
    strip = _strip(qtbot)
    variants = (_variant(0, "red", "blue"), _variant(1, "yellow", "cyan"))
    strip.add_variants("job1", variants, _img("green"), "p")
    qtbot.mouseClick(strip.pin_button, Qt.MouseButton.LeftButton)  # A := #1 protected (blue)
    QTest.keyClick(strip.viewer, Qt.Key.Key_2)
    assert _center_colour(strip) == QColor("cyan")
    assert _center_colour(strip, side=True) == QColor("blue")
    qtbot.mouseClick(strip.pin_button, Qt.MouseButton.LeftButton)  # back to the original
    assert strip.pinned is None and _center_colour(strip, side=True) == QColor("green")


def test_panel_keys_win_over_window_shortcuts_only_inside_the_panel(qtbot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    other = QLineEdit()
    strip = ResultsStrip()
    layout.addWidget(other)
    layout.addWidget(strip)
    fired: list[str] = []
    for key in ("R", "S", "Right"):  # the editor's tool keys live on the window
        action = QAction(key, host)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _c=False, k=key: fired.append(k))
        host.addAction(action)
    host.resize(1200, 500)
    host.show()
    with qtbot.waitActive(host):
        host.activateWindow()
    strip.add_variants("job1", (_variant(0, "red", "blue"), _variant(1, "cyan")), _img("green"), "p")
    strip.thumbs.setFocus()
    QTest.keyClick(strip.thumbs, Qt.Key.Key_R)
    assert strip.raw_button.isChecked() and fired == []
    QTest.keyClick(strip.thumbs, Qt.Key.Key_W)
    QTest.keyClick(strip.thumbs, Qt.Key.Key_S)
    assert strip.viewer.mode is CompareMode.SIDE_BY_SIDE and fired == []
    QTest.keyClick(strip.thumbs, Qt.Key.Key_Right)
    assert strip.current_entry().variant.index == 1 and fired == []
    # Ctrl+key and focus elsewhere: the window's shortcuts as usual.
    other.setFocus()
    QTest.keyClick(other, Qt.Key.Key_Right)
    QTest.keyClick(host, Qt.Key.Key_S)
    assert "S" in fired and strip.viewer.mode is CompareMode.SIDE_BY_SIDE


class _UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def catch(self, url: QUrl) -> None:
        self.urls.append(url)


def test_open_folder_reveals_the_saved_directory(qtbot, tmp_path: Path) -> None:
    strip = _strip(qtbot)
    saved = tmp_path / "result-1"
    saved.mkdir()
    strip.add_variants("job1", (_variant(0, "red", saved_dir=str(saved)), _variant(1, "blue"),
                                _variant(2, "cyan", saved_dir=str(tmp_path / "gone"))), _img("green"), "p")
    catcher = _UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "catch")
    try:
        qtbot.mouseClick(strip.open_button, Qt.MouseButton.LeftButton)
        assert [u.toLocalFile() for u in catcher.urls] == [str(saved)]
        strip.step(1)
        assert not strip.open_button.isEnabled()  # not saved: nothing to open
        strip.step(1)
        qtbot.mouseClick(strip.open_button, Qt.MouseButton.LeftButton)
        assert len(catcher.urls) == 1
        assert "no longer exists" in strip.which.text() and "gone" in strip.which.text()
    finally:
        QDesktopServices.unsetUrlHandler("file")


def test_layout_fits_a_short_bottom_dock_and_a_tall_floating_one(qtbot) -> None:
    strip = _strip(qtbot, size=(1300, 340))
    strip.add_variants("job1", (_variant(0, "red", "blue"),), _img("green"), "p")
    QApplication.processEvents()
    thumbs, viewer = strip.thumbs.geometry(), strip.viewer.geometry()
    assert thumbs.right() < viewer.left()  # thumbnails in a column beside the view
    assert viewer.height() >= 200 and viewer.width() >= 1000
    strip.resize(760, 700)
    QApplication.processEvents()
    assert strip.viewer.height() >= 500 and strip.viewer.main_pane.width() > 150
    QTest.mouseDClick(strip.viewer.main_pane, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert _center_colour(strip) == QColor("blue")


def test_the_panel_follows_its_model(qtbot) -> None:
    """Selection, raw/protected and the pinned A live in the model; the widgets show what it says."""
    strip = _strip(qtbot)
    variants = (_variant(0, "red", "blue"), _variant(1, "yellow", "cyan"))
    strip.add_variants("job1", variants, _img("green"), "p")
    model = strip.model
    assert model.selection == 0 and strip.thumbs.currentItem().text().endswith("#1")
    model.select(1)
    assert strip.thumbs.currentItem().text().endswith("#2") and _center_colour(strip) == QColor("cyan")
    model.set_show_protected(False)
    assert strip.raw_button.isChecked() and _center_colour(strip) == QColor("yellow")
    # Input goes through the model too: a click on a thumbnail changes the model's selection.
    first = strip.thumbs.item(0)
    qtbot.mouseClick(strip.thumbs.viewport(), Qt.MouseButton.LeftButton,
                     pos=strip.thumbs.visualItemRect(first).center())
    assert model.selection == 0 and _center_colour(strip) == QColor("red")
    qtbot.mouseClick(strip.pin_button, Qt.MouseButton.LeftButton)
    assert model.pinned is not None and model.pinned.entry == 0
    model.select(1)
    assert _center_colour(strip, side=True) == QColor("red")  # A is the pinned raw #1
    model.pin(None)
    assert not strip.pin_button.isChecked() and _center_colour(strip, side=True) == QColor("green")
