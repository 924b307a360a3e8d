"""Take the README screenshot of the editor (run under Xvfb: xvfb-run -a python tools/screenshots.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QPointF, QTimer
from PySide6.QtWidgets import QApplication

from inpaint_desktop.gui.document import Document
from inpaint_desktop.gui.main_window import MainWindow

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class _Photo:
    array: np.ndarray
    width: int
    height: int


def _load(path: Path) -> object:
    try:
        from inpaint_desktop.core.imaging import load_image

        return load_image(path)
    except ImportError:
        array = np.asarray(Image.open(path).convert("RGB"))
        return _Photo(array, array.shape[1], array.shape[0])


def main() -> int:
    app = QApplication([])
    app.setApplicationName("Inpaint Desktop")
    window = MainWindow(Document())
    window.resize(1100, 760)
    window.show()
    source = ROOT / "tests" / "data" / "astronaut.png"
    window.document.set_image(_load(source), path=source)

    def paint_and_grab() -> None:
        canvas = window.canvas
        canvas.fit()
        canvas._begin_stroke(QPointF(180, 90), erase=False, line_from=None)
        for x, y in ((200, 110), (240, 120), (290, 110), (320, 90)):
            canvas._stroke_to(QPointF(x, y))
        canvas._end_stroke()
        app.processEvents()
        out = ROOT / "docs" / "screenshots" / "editor.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out))
        print(out)
        window.document.mark_saved()
        app.quit()

    QTimer.singleShot(300, paint_and_grab)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
