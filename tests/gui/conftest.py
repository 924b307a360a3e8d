"""GUI test fixtures: fail any test that leaves a QThread running; plain photos to paint on."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _no_dangling_qthreads(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        return
    from PySide6.QtCore import QThread, QThreadPool

    QThreadPool.globalInstance().waitForDone(5000)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    running = [t for t in (app.findChildren(QThread) if app else []) if t.isRunning()]
    if running:
        pytest.fail(f"test left {len(running)} QThread(s) running")


@pytest.fixture
def make_image():
    from inpaint_desktop.core.imaging import LoadedImage

    def _make(width: int = 200, height: int = 150) -> LoadedImage:
        return LoadedImage(array=np.full((height, width, 3), 90, np.uint8), source_bytes=None, format="PNG")

    return _make
