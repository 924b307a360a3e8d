"""Background work with results delivered by signal: the one way the GUI runs work off its thread.

Opening photos, exporting masks, reading results back from disk, scaling big images and autosave
all go through ``BackgroundLoader``: the callable runs on a thread pool, and its result (or its
error) comes back to the GUI thread through a queued signal, so no polling timer is needed.
"""

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
    """Runs callables on a thread pool and calls back on the GUI thread.

    By default the global pool runs them in parallel; ``serial`` gives this loader a pool of its own
    with one thread, so its callables run one after another in the order submitted (autosave: the
    photo lands before its mask), and ``wait`` can drain it.
    """

    def __init__(self, parent: QObject | None = None, *, serial: bool = False) -> None:
        super().__init__(parent)
        self._relays: set[_Relay] = set()
        self._pool = QThreadPool.globalInstance()
        if serial:
            self._pool = QThreadPool(self)
            self._pool.setMaxThreadCount(1)

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Wait for a serial loader's work to finish (True when it did)."""
        return self._pool.waitForDone(timeout_ms)

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
        self._pool.start(_Task(func, relay))
