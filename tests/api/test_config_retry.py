"""Configuration (env, keyring, insecure http), redaction, the retry rules and the backend factory."""

from __future__ import annotations

import email.utils
import importlib.util
import random
import time

import keyring
import pytest

from inpaint_desktop.api import errors as E
from inpaint_desktop.api.backend import Backend
from inpaint_desktop.api.client import OpenAIBackend
from inpaint_desktop.api.config import (
    KEYRING_SERVICE,
    ApiConfig,
    delete_api_key,
    insecure_key_problem,
    load_api_key,
    redact,
    resolve_config,
    save_api_key,
)
from inpaint_desktop.api.retry import backoff, retry_delay, server_wait, should_retry
from inpaint_desktop.backends import BackendUnavailableError, create_backend, default_backend_kind
from tests.api.conftest import KEY
from tests.keyrings import BrokenKeyring, MemoryKeyring


def test_key_round_trip_through_the_keyring(memory_keyring: MemoryKeyring) -> None:
    assert load_api_key() is None
    save_api_key(f"  {KEY}\n")
    assert memory_keyring.store[(KEYRING_SERVICE, "openai-api-key")] == KEY
    assert load_api_key() == KEY
    delete_api_key()
    delete_api_key()  # deleting twice is fine
    assert load_api_key() is None


def test_environment_wins_over_the_keyring(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_api_key("sk-from-keyring-123456")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert load_api_key() == KEY


def test_broken_keyring_means_no_key_and_a_clear_save_error() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    try:
        assert load_api_key() is None
        with pytest.raises(RuntimeError) as info:
            save_api_key(KEY)
        assert KEY not in str(info.value) and "keyring" in str(info.value)
    finally:
        keyring.set_keyring(previous)
    with pytest.raises(RuntimeError, match="did not keep"):
        save_api_key(KEY)  # the tests' null keyring forgets everything


def test_resolve_config_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1234/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-0000000000")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-env")
    config = resolve_config()
    assert (config.base_url, config.api_key, config.organization, config.project) == (
        "http://127.0.0.1:1234/v1", "sk-env-0000000000", "org-env", "proj-env")
    assert config.base_url_configured
    config = resolve_config(base_url="https://gw.example/v1", api_key=KEY, project="p2", read_timeout=30)
    assert (config.base_url, config.api_key, config.project, config.read_timeout) == (
        "https://gw.example/v1", KEY, "p2", 30)
    with pytest.raises(TypeError, match="colour"):
        resolve_config(colour="red")
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.delenv("OPENAI_API_KEY")
    config = resolve_config()
    assert config.base_url == "https://api.openai.com/v1" and not config.base_url_configured


def test_repr_never_shows_the_key() -> None:
    config = ApiConfig(api_key=KEY)
    assert KEY not in repr(config) and KEY not in str(config) and "<set>" in repr(config)


@pytest.mark.parametrize(
    ("url", "allow", "refused"),
    [
        ("http://example.com/v1", False, True),
        ("http://example.com/v1", True, False),
        ("https://example.com/v1", False, False),
        ("http://127.0.0.1:8000/v1", False, False),
        ("http://[::1]:8000/v1", False, False),
        ("http://localhost/v1", False, False),
        ("ftp://example.com", False, True),
    ],
)
def test_insecure_http_rule(url: str, allow: bool, refused: bool) -> None:
    assert (insecure_key_problem(ApiConfig(base_url=url, api_key=KEY, allow_insecure_http=allow))
            is not None) is refused


def test_redaction() -> None:
    text = f"Incorrect API key provided: {KEY}. Header was Authorization: Bearer abc.def-123"
    out = redact(text, KEY)
    assert KEY not in out and "abc.def-123" not in out and out.count("[redacted]") == 2
    assert redact("sk-proj-AbCdEf0123456789 leaked") == "[redacted] leaked"
    assert redact("nothing secret here") == "nothing secret here"
    assert redact("a desk-lamp-shaped-thing") == "a desk-lamp-shaped-thing"  # not a key


def _err(cls: type[E.ApiError], status: int | None, code: str | None = None) -> E.ApiError:
    return cls("x", status=status, code=code)


@pytest.mark.parametrize(
    ("error", "headers", "expected"),
    [
        (_err(E.ApiConnectionError, None), {}, True),
        (_err(E.ApiTimeoutError, None), {}, True),
        (_err(E.InvalidRequestError, 408), {}, True),
        (_err(E.InvalidRequestError, 409), {}, True),
        (_err(E.RateLimitError, 429, "rate_limit_exceeded"), {}, True),
        (_err(E.ServerError, 500), {}, True),
        (_err(E.ServerError, 503), {"x-should-retry": "false"}, False),
        (_err(E.InvalidRequestError, 400), {"x-should-retry": "true"}, True),
        (_err(E.QuotaExceededError, 429, "insufficient_quota"), {"x-should-retry": "true"}, False),
        (_err(E.QuotaExceededError, 429, "billing_hard_limit_reached"), {}, False),
        (_err(E.RateLimitError, 429, "spend_limit_reached"), {}, False),
        (_err(E.ModerationBlockedError, 400, "moderation_blocked"), {}, False),
        (_err(E.AuthenticationError, 401, "invalid_api_key"), {}, False),
        (_err(E.PermissionDeniedError, 403), {}, False),
        (_err(E.InvalidRequestError, 400, "invalid_value"), {}, False),
        (_err(E.NotFoundError, 404), {}, False),
    ],
)
def test_should_retry(error: E.ApiError, headers: dict[str, str], expected: bool) -> None:
    assert should_retry(error, headers) is expected


def test_server_wait_and_delay() -> None:
    assert server_wait({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert server_wait({"retry-after": "3"}) == 3.0
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= (server_wait({"retry-after": date}) or 0) <= 31
    assert server_wait({"retry-after": "0"}) is None
    assert server_wait({"retry-after": "soon"}) is None
    assert retry_delay(0, {"retry-after": "120"}) == 120.0
    assert retry_delay(0, {"retry-after": "121"}) is None  # too long: give up, the user decides
    rng = random.Random(4)
    for attempt, base in ((0, 0.5), (1, 1.0), (2, 2.0), (4, 8.0), (9, 8.0)):
        values = [backoff(attempt, rng) for _ in range(200)]
        assert all(0.75 * base <= v <= base for v in values)
        assert max(values) - min(values) > 0.1 * base  # really jittered


def test_factory_and_default_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_backend_kind(ApiConfig()) == "local"
    assert default_backend_kind(ApiConfig(api_key=KEY)) == "openai"
    configured = ApiConfig(base_url="http://127.0.0.1:9/v1", base_url_configured=True)
    assert default_backend_kind(configured) == "openai"
    assert default_backend_kind(ApiConfig(base_url="http://127.0.0.1:9/v1")) == "openai"
    assert default_backend_kind(ApiConfig(base_url="https://api.openai.com/v1/")) == "local"
    assert default_backend_kind() == "local"  # the tests' environment has no key
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert default_backend_kind() == "openai"
    backend = create_backend("openai", ApiConfig(base_url="http://127.0.0.1:9/v1"))
    try:
        assert isinstance(backend, OpenAIBackend) and backend.name == "OpenAI-compatible"
        assert isinstance(backend, Backend)  # the protocol every engine implements
    finally:
        backend.close()
    with pytest.raises(ValueError, match="unknown backend"):
        create_backend("cloud")


def test_local_backend_or_a_clear_message() -> None:
    if importlib.util.find_spec("inpaint_desktop.engine.backend") is None:
        with pytest.raises(BackendUnavailableError, match=r"offline engine is not available.*OPENAI_API_KEY"):
            create_backend("local")
    else:
        backend = create_backend("local")
        try:
            assert backend.name and callable(backend.edit)
        finally:
            backend.close()
