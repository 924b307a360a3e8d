from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.fake_server import FakeImagesServer, serve

KEY = "sk-test-SECRET-0123456789abcdef"


@pytest.fixture
def server() -> Iterator[FakeImagesServer]:
    yield from serve()
