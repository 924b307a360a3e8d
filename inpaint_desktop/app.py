"""GUI composition root: builds the application, document and window in that order."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def run_app(image: str | None, mask: str | None) -> int:
    """Start the editor, optionally opening ``image`` (and ``mask``); returns the exit code."""
    started = time.perf_counter()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from inpaint_desktop.gui.document import Document
    from inpaint_desktop.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Inpaint Desktop")
    app.setOrganizationName("InpaintDesktop")
    app.setOrganizationDomain("inpaint-desktop.invalid")
    document = Document()
    window = MainWindow(document)
    from inpaint_desktop.gui.send_workflow import install_send_workflow

    install_send_workflow(window, document)
    window.show()
    if image:
        window.open_path(Path(image))
    if mask:
        window.message_bar.show_message("Mask import from the command line is not available yet.", "warning")
    if os.environ.get("INPAINT_DESKTOP_EXIT_WHEN_IDLE") == "1":

        def report() -> None:
            print(f"idle after {time.perf_counter() - started:.3f} s", flush=True)
            app.quit()

        QTimer.singleShot(0, report)
    return int(app.exec())
