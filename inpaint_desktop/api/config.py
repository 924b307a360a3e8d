"""Where the client sends requests and with which key.

The API key lives only in the environment (``OPENAI_API_KEY``) or the OS keyring, never in a
settings file; ``ApiConfig`` keeps it out of its repr so it cannot leak into logs or tracebacks.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

from inpaint_desktop.core.redaction import redact as redact  # re-exported: callers import it from here
from inpaint_desktop.core.redaction import register_secret

KEYRING_SERVICE = "inpaint-desktop"
KEYRING_USER = "openai-api-key"
DEFAULT_BASE_URL = "https://api.openai.com/v1"


@dataclass(frozen=True)
class ApiConfig:
    """Connection settings of the OpenAI-compatible client (timeouts in seconds)."""

    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = field(default=None, repr=False)
    organization: str | None = None
    project: str | None = None
    allow_insecure_http: bool = False
    connect_timeout: float = 10
    read_timeout: float = 600
    max_retries: int = 2
    # True when base_url was chosen (argument, setting or OPENAI_BASE_URL), not the default.
    base_url_configured: bool = False

    def __post_init__(self) -> None:
        # From here on the key's value is redacted from every error, log line and sidecar.
        register_secret(self.api_key)

    def __repr__(self) -> str:  # the dataclass repr already hides the key; say that it is set
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.name != "api_key"
        )
        return f"ApiConfig({shown}, api_key={'<set>' if self.api_key else None})"

    @property
    def endpoint(self) -> str:
        """The base URL without a trailing slash."""
        return self.base_url.rstrip("/")


OPENAI_HOST = "api.openai.com"


def is_openai_url(url: str) -> bool:
    """True for OpenAI's own API (where OpenAI's model shutdown dates apply), not a compatible server."""
    return (urlsplit(url).hostname or "").lower() == OPENAI_HOST


def is_loopback_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def insecure_key_problem(config: ApiConfig) -> str | None:
    """Why sending ``config``'s key would be unsafe (plain http to another machine), or None."""
    parts = urlsplit(config.base_url)
    if parts.scheme not in ("http", "https"):
        return f"base URL must start with http:// or https:// (got {parts.scheme or 'nothing'}://)"
    if not parts.hostname:
        return "base URL has no host name"
    if (config.api_key and parts.scheme == "http" and not config.allow_insecure_http
            and not is_loopback_url(config.base_url)):
        return (f"refusing to send the API key over plain http to {parts.hostname}; use https, or "
                "allow insecure http explicitly in the settings")
    return None


def _keyring() -> Any:
    import keyring

    return keyring


def load_api_key() -> str | None:
    """The key from ``OPENAI_API_KEY``, else the OS keyring; None when neither has one.

    A keyring that is missing or broken means "no key", never a crash.
    """
    env = os.environ.get("OPENAI_API_KEY", "").strip()
    if env:
        return env
    try:
        value = _keyring().get_password(KEYRING_SERVICE, KEYRING_USER)
    except Exception:  # any keyring backend failure (locked, no D-Bus, ...) is "no key"
        return None
    return value or None


def save_api_key(key: str) -> None:
    """Store the key in the OS keyring; raises ``RuntimeError`` (without the key) when that fails."""
    key = key.strip()
    if not key:
        raise ValueError("the API key is empty")
    try:
        kr = _keyring()
        kr.set_password(KEYRING_SERVICE, KEYRING_USER, key)
    except Exception as exc:
        raise RuntimeError(f"could not store the key in the OS keyring ({type(exc).__name__})") from None
    # The null backend accepts and forgets; say so rather than pretend the key is saved.
    try:
        stored = kr.get_password(KEYRING_SERVICE, KEYRING_USER)
    except Exception:
        stored = None
    if stored != key:
        raise RuntimeError("the OS keyring did not keep the key (no usable keyring on this system)")


def delete_api_key() -> None:
    """Remove the key from the OS keyring (nothing happens when there is none)."""
    try:
        _keyring().delete_password(KEYRING_SERVICE, KEYRING_USER)
    except Exception as exc:
        if type(exc).__name__ == "PasswordDeleteError":
            return
        raise RuntimeError(f"could not delete the key from the OS keyring ({type(exc).__name__})") from None


def resolve_config(*, base_url: str | None = None, api_key: str | None = None, **overrides: Any) -> ApiConfig:
    """Settings from explicit arguments, then ``OPENAI_*`` environment variables, then the keyring.

    ``overrides`` sets any other ``ApiConfig`` field (organization, project, timeouts, ...).
    """
    env_url = os.environ.get("OPENAI_BASE_URL", "").strip() or None
    url = base_url or env_url
    config = ApiConfig(
        base_url=url or DEFAULT_BASE_URL,
        api_key=api_key or load_api_key(),
        organization=os.environ.get("OPENAI_ORG_ID") or None,
        project=os.environ.get("OPENAI_PROJECT_ID") or None,
        base_url_configured=url is not None,
    )
    unknown = set(overrides) - {f.name for f in fields(ApiConfig)}
    if unknown:
        raise TypeError(f"unknown configuration field(s): {', '.join(sorted(unknown))}")
    given = {k: v for k, v in overrides.items() if v is not None}
    return replace(config, **given)
