"""A real server on 127.0.0.1 (uvicorn in a thread, port 0) and small pictures to send it."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image

from inpaint_desktop.server.app import ServerSettings
from inpaint_desktop.server.run import ServerThread
from tests.conftest import DATA

KEY = "sk-local-test-key"


class ErrorLog(logging.Handler):
    """Collects ERROR records of the server's and uvicorn's loggers: a clean run logs none."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def start_server(settings: ServerSettings) -> tuple[ServerThread, ErrorLog]:
    server = ServerThread(settings)
    errors = ErrorLog()
    for name in ("uvicorn", "uvicorn.error", "inpaint_desktop.server"):
        logging.getLogger(name).addHandler(errors)
    server.start()
    return server, errors


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[ServerThread, ErrorLog]]:
    server, errors = start_server(ServerSettings(api_key=KEY, workers=2, queue_limit=16, drain_s=0.5))
    yield server, errors
    server.stop()
    for name in ("uvicorn", "uvicorn.error", "inpaint_desktop.server"):
        logging.getLogger(name).removeHandler(errors)


@pytest.fixture
def server(live: tuple[ServerThread, ErrorLog]) -> Iterator[ServerThread]:
    srv, errors = live
    before = len(errors.records)
    yield srv
    logged = [r.getMessage() for r in errors.records[before:]]
    assert not logged, f"the server logged errors: {logged}"


def png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, "PNG")
    return buf.getvalue()


def photo_array(width: int = 160, height: int = 120) -> np.ndarray:
    return np.asarray(Image.open(DATA / "coffee.png").convert("RGB").resize((width, height)))


def hole_for(width: int, height: int) -> np.ndarray:
    hole = np.zeros((height, width), bool)
    hole[height // 3: height // 2, width // 3: width // 2] = True
    return hole


def mask_png(hole: np.ndarray) -> bytes:
    alpha = np.where(hole, 0, 255).astype(np.uint8)
    return png(np.dstack([np.zeros((*hole.shape, 3), np.uint8), alpha]))


@pytest.fixture(scope="module")
def pictures() -> tuple[np.ndarray, np.ndarray, bytes, bytes]:
    """(photo array, hole, photo PNG bytes, mask PNG bytes) at 160x120."""
    photo = photo_array()
    hole = hole_for(160, 120)
    return photo, hole, png(photo), mask_png(hole)
