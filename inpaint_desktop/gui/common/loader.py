"""Loads photos and masks on the thread pool so the window stays responsive."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(str, str)


class _Task(QRunnable):
    def __init__(self, func: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._func = func
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._func()
        except Exception as exc:  # reported to the user inline; the open document is untouched
            self._relay.failed.emit(str(exc) or type(exc).__name__, repr(exc))
        else:
            self._relay.done.emit(result)


class BackgroundLoader(QObject):
    """Runs a callable on the global pool and calls back on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._relays: set[_Relay] = set()

    def submit(
        self, func: Callable[[], Any], on_done: Callable[[Any], None], on_error: Callable[[str, str], None]
    ) -> None:
        relay = _Relay(self)
        self._relays.add(relay)

        def finish_ok(result: Any) -> None:
            self._relays.discard(relay)
            on_done(result)

        def finish_err(message: str, details: str) -> None:
            self._relays.discard(relay)
            on_error(message, details)

        relay.done.connect(finish_ok)
        relay.failed.connect(finish_err)
        QThreadPool.globalInstance().start(_Task(func, relay))
