"""The application's composition: the document, the window, the Send workflow and autosave, wired.

``compose_app`` is what ``app.run_app`` runs, and what tests run to get the real application
(offscreen). It builds the parts in order, puts the Send panels into the window's docks and menus,
and ties their lifetimes to the window's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFrame, QScrollArea

from inpaint_desktop.gui.editor.autosave import Autosaver, RecoveryOffer
from inpaint_desktop.gui.editor.document import Document
from inpaint_desktop.gui.main_window import MainWindow
from inpaint_desktop.gui.send.workflow import SendWorkflow
from inpaint_desktop.store.autosave import AutosaveStore
from inpaint_desktop.store.results import ResultsLibrary


@dataclass(frozen=True)
class AppParts:
    """The composed application."""

    document: Document
    window: MainWindow
    send: SendWorkflow
    autosaver: Autosaver
    recovery: RecoveryOffer


def compose_app(*, settings_path: Path | None = None, library: ResultsLibrary | None = None,
                autosave_store: AutosaveStore | None = None) -> AppParts:
    """Build the whole application (a QApplication must exist). Nothing is shown yet."""
    document = Document()
    window = MainWindow(document, settings_path=settings_path)
    send = SendWorkflow(window, document, window.loader, settings=window.settings, library=library,
                        parent=window)
    _install_send(window, send)
    autosaver = Autosaver(document, autosave_store or AutosaveStore(), prompt=send.panel.prompt_text,
                          parent=window)
    autosaver.failed.connect(lambda msg: window.message_bar.show_message(msg, "warning"))
    recovery = RecoveryOffer(document, autosaver.store, window.loader, window.message_bar,
                             set_prompt=send.panel.prompt.setPlainText, parent=window)
    _WindowLifetime(window, send, autosaver)
    return AppParts(document, window, send, autosaver, recovery)


def _install_send(window: MainWindow, flow: SendWorkflow) -> None:
    """The Send, Jobs, References and Results docks, File > New from Prompt and Send (Ctrl+Enter)."""
    right = Qt.DockWidgetArea.RightDockWidgetArea
    # The Send panel scrolls rather than squeezing its rows on short screens.
    scroll = QScrollArea()
    scroll.setObjectName("send_scroll")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(flow.panel)
    scroll.setMinimumWidth(flow.panel.sizeHint().width() + 24)
    send = window.add_side_panel(scroll, "Send", right)
    jobs = window.add_side_panel(flow.jobs_panel, "Jobs", right)
    refs = window.add_side_panel(flow.references, "Reference images", right)
    window.tabifyDockWidget(jobs, refs)
    jobs.raise_()
    # The right column runs the full height; results sit under the canvas.
    window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
    results = window.add_side_panel(flow.results, "Results", Qt.DockWidgetArea.BottomDockWidgetArea)
    _DockProportions(window, send, jobs, results)
    send_action = QAction("Send", window)
    send_action.setObjectName("send")
    send_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
    send_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    send_action.triggered.connect(flow.send)
    window.addAction(send_action)
    new_action = QAction("New from Prompt…", window)
    new_action.setObjectName("new_from_prompt")
    new_action.triggered.connect(flow.new_from_prompt)
    file_menu = window.file_menu
    actions = file_menu.actions()
    if len(actions) > 1:
        file_menu.insertAction(actions[1], new_action)
    else:
        file_menu.addAction(new_action)
    window.actions_by_name["send"] = send_action
    window.actions_by_name["new_from_prompt"] = new_action


class _DockProportions(QObject):
    """Gives the Send panel most of the right column and the results a third of the height.

    Dock sizes only take once the window has its real size, so this runs when it is first shown.
    """

    def __init__(self, window: MainWindow, send: QDockWidget, jobs: QDockWidget,
                 results: QDockWidget) -> None:
        super().__init__(window)
        self._window, self._send, self._jobs, self._results = window, send, jobs, results
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Show:
            self._window.removeEventFilter(self)
            QTimer.singleShot(0, self._apply)
        return False

    def _apply(self) -> None:
        height = self._window.height()
        self._window.resizeDocks([self._send, self._jobs], [max(300, height - 220), 180],
                                 Qt.Orientation.Vertical)
        self._window.resizeDocks([self._results], [max(240, int(height * 0.42))], Qt.Orientation.Vertical)


class _WindowLifetime(QObject):
    """Once the window has really closed (it may refuse over an unsaved mask): stop the job queue
    and remove the autosave of a session that ended cleanly."""

    def __init__(self, window: MainWindow, send: SendWorkflow, autosaver: Autosaver) -> None:
        super().__init__(window)
        self._window, self._send, self._autosaver = window, send, autosaver
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Close:
            QTimer.singleShot(0, self._close_if_hidden)
        return False

    def _close_if_hidden(self) -> None:
        if not self._window.isVisible():
            self._send.close()
            self._autosaver.close()
