"""The Qt bindings' None/True/False under-counting must not abort a long editing session."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import os
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QApplication, QWidget
    from inpaint_desktop.gui.document import Document
    app = QApplication([])
    doc = Document()  # installs the protection
    widget = QWidget()
    for _ in range(200_000):  # each void call returns None without a reference on 3.10/3.11
        widget.update(QRect(0, 0, 4, 4))
    print("survived")
    """
)


def test_many_void_qt_calls_do_not_abort_the_interpreter() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "survived" in done.stdout


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_protection_raises_reference_counts() -> None:
    from inpaint_desktop.gui.qt_compat import protect_singletons

    protect_singletons()
    assert sys.getrefcount(None) > 1 << 39 and sys.getrefcount(True) > 1 << 39
