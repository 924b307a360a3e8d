from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest

from inpaint_desktop.gui.job_payload import Variant
from inpaint_desktop.gui.results_strip import ResultsStrip


def _img(color: str) -> QImage:
    image = QImage(40, 30, QImage.Format.Format_RGBA8888)
    image.fill(QColor(color))
    return image


def test_toggle_compare_and_use_as_base(qtbot) -> None:
    strip = ResultsStrip()
    qtbot.addWidget(strip)
    strip.resize(500, 400)
    strip.show()
    raw, protected, original = _img("red"), _img("blue"), _img("green")
    strip.add_variants("job1", (Variant(0, b"", raw, raw, protected),), original, "p")
    assert strip.thumbs.count() == 1
    assert strip.shown_image().pixelColor(1, 1) == QColor("blue")
    assert "protected" in strip.which.text()
    qtbot.mouseClick(strip.raw_button, Qt.MouseButton.LeftButton)
    assert strip.shown_image().pixelColor(1, 1) == QColor("red")
    assert "raw" in strip.which.text()
    # Hold to compare: the viewer shows the original only while the button is down.
    center = strip.viewer.rect().center()
    QTest.mousePress(strip.viewer, Qt.MouseButton.LeftButton, pos=center)
    assert strip.viewer.current_image().pixelColor(1, 1) == QColor("green")
    shown = strip.viewer.grab().toImage()
    assert shown.pixelColor(center) == QColor("green")
    QTest.mouseRelease(strip.viewer, Qt.MouseButton.LeftButton, pos=center)
    assert strip.viewer.current_image().pixelColor(1, 1) == QColor("red")
    with qtbot.waitSignal(strip.use_as_base) as blocker:
        qtbot.mouseClick(strip.use_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].pixelColor(1, 1) == QColor("red")
