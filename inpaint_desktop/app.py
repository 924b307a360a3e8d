"""GUI composition root: builds the application, document and window in that order."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def _warm_up() -> None:
    # Decoding and mask libraries load on a worker after start-up, so the first open, stroke or
    # export does not pause the window while they import.
    import inpaint_desktop.core.imaging
    import inpaint_desktop.core.mask  # noqa: F401


def run_app(image: str | None, mask: str | None) -> int:
    """Start the editor, optionally opening ``image`` (and ``mask``); returns the exit code."""
    started = time.perf_counter()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from inpaint_desktop.gui.wiring import compose_app

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Inpaint Desktop")
    app.setOrganizationName("InpaintDesktop")
    app.setOrganizationDomain("inpaint-desktop.invalid")
    parts = compose_app()
    window, recovery = parts.window, parts.recovery
    window.show()
    if image:
        window.open_path(Path(image), mask=Path(mask) if mask else None)
    elif mask:
        usage = "--mask needs a photo too: inpaint-desktop PHOTO --mask MASK"
        window.message_bar.show_message(usage, "warning")
    else:
        recovery.check()  # offer what a crashed session left, unless the user asked for a photo
    window.loader.submit(_warm_up, lambda _: None, lambda _msg, _details: None)
    if os.environ.get("INPAINT_DESKTOP_EXIT_WHEN_IDLE") == "1":

        def report() -> None:
            print(f"idle after {time.perf_counter() - started:.3f} s", flush=True)
            app.quit()

        QTimer.singleShot(0, report)
    return int(app.exec())
