"""Run the server: in the foreground (``serve``) or on a background thread (``ServerThread``, used by
the tests and the benchmarks to talk to a real server over loopback)."""

from __future__ import annotations

import logging
import threading
import time

import uvicorn
from starlette.applications import Starlette

from inpaint_desktop.server.app import ServerSettings, create_app


def _config(app: Starlette, host: str, port: int, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(app, host=host, port=port, log_level=log_level,
                          ws="none", lifespan="off", http="h11", access_log=False,
                          server_header=False, date_header=True)


def serve(settings: ServerSettings, *, host: str = "127.0.0.1", port: int = 8000,
          log_level: str = "info") -> None:
    """Serve until interrupted (Ctrl+C), one log line per edit beside uvicorn's own."""
    config = _config(create_app(settings), host, port, log_level)  # configures uvicorn's loggers
    ours = logging.getLogger("inpaint_desktop.server")
    ours.setLevel(log_level.upper())
    for handler in logging.getLogger("uvicorn").handlers:
        ours.addHandler(handler)
    ours.propagate = False
    uvicorn.Server(config).run()


class ServerThread:
    """A real uvicorn server on 127.0.0.1 in a daemon thread; ``port`` 0 picks a free port."""

    def __init__(self, settings: ServerSettings | None = None, *, port: int = 0,
                 log_level: str = "warning") -> None:
        self.settings = settings or ServerSettings()
        self.app = create_app(self.settings)
        config = _config(self.app, "127.0.0.1", port, log_level)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="inpaint-serve", daemon=True)
        self.port = 0

    def start(self, timeout: float = 10.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self.app.state.service.executor.shutdown(wait=True)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
