"""Take the README screenshots (run under Xvfb: xvfb-run -a python tools/screenshots.py [NAME ...]).

- editor: a photo with a painted mask.
- send: the same after an offline Send, with the variants in the Results panel (side by side).
- compare: the same result in swipe mode.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QPointF, QTimer
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def _paint(window, points: list[tuple[float, float]]) -> None:
    canvas = window.canvas
    canvas._begin_stroke(QPointF(*points[0]), erase=False, line_from=None)
    for x, y in points[1:]:
        canvas._stroke_to(QPointF(x, y))
    canvas._end_stroke()


def main(names: list[str]) -> int:
    os.environ.setdefault("XDG_DATA_HOME", tempfile.mkdtemp(prefix="inpaint-shots-"))
    from inpaint_desktop.core.imaging import load_image
    from inpaint_desktop.gui.wiring import compose_app

    app = QApplication([])
    app.setApplicationName("Inpaint Desktop")
    parts = compose_app()
    document, window, flow = parts.document, parts.window, parts.send
    window.resize(1400, 900)
    window.show()
    source = ROOT / "tests" / "data" / "coffee.png"
    document.set_image(load_image(source), path=source)
    wanted = names or ["editor", "send", "compare"]
    OUT.mkdir(parents=True, exist_ok=True)

    def grab(name: str) -> None:
        app.processEvents()
        path = OUT / f"{name}.png"
        window.grab().save(str(path))
        print(path, flush=True)

    def finish() -> None:
        document.mark_saved()
        flow.close()
        app.quit()

    def after_send(*_args: object) -> None:
        def shots() -> None:
            grab("send")
            if "compare" in wanted:
                from inpaint_desktop.gui.results.compare import CompareMode

                flow.results.set_mode(CompareMode.SWIPE)
                flow.results.viewer.set_divider(0.45)
                grab("compare")
            finish()

        QTimer.singleShot(500, shots)

    def paint_and_grab() -> None:
        window.canvas.fit()
        # The spoon on the saucer, right of the cup.
        from inpaint_desktop.gui.editor.tools import BrushSettings

        window.canvas.set_brush(BrushSettings(size=30, hardness=0.8))
        _paint(window, [(413, 62), (410, 90), (406, 118)])  # handle above the cup's rim
        _paint(window, [(390, 196), (384, 222), (378, 244)])  # neck below the cup
        window.canvas.set_brush(BrushSettings(size=86, hardness=0.8))
        _paint(window, [(366, 270), (368, 286), (364, 296)])  # bowl
        if "editor" in wanted:
            grab("editor")
        if "send" in wanted or "compare" in wanted:
            flow.panel.prompt.setPlainText("A white porcelain saucer with nothing on it")
            flow.panel.params.n.setValue(3)
            flow.queue.job_finished.connect(after_send)
            flow.queue.job_failed.connect(after_send)
            flow.send()
        else:
            finish()

    QTimer.singleShot(400, paint_and_grab)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
