"""A long editing session must not wear out the interpreter's None/True/False reference counts.

PySide6 6.12.0 returned ``None`` from void calls (and from ``QThread.start``) without a reference,
and Python < 3.12 aborts once the count reaches zero; pyproject excludes that release. This test
keeps it that way for whatever version is installed.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import os
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QRect, QThread
    from PySide6.QtWidgets import QApplication, QWidget
    app = QApplication([])
    widget = QWidget()
    for _ in range(200_000):
        widget.update(QRect(0, 0, 4, 4))
        widget.isVisible()
    for _ in range(3_000):
        thread = QThread()
        thread.start()
        thread.quit()
        thread.wait()
    print("survived")
    """
)


def test_many_qt_calls_do_not_abort_the_interpreter() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "survived" in done.stdout
