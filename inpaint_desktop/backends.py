"""Picks and builds the engine a request goes to (outside the layers: it may import api and engine)."""

from __future__ import annotations

from inpaint_desktop.api.backend import Backend
from inpaint_desktop.api.config import DEFAULT_BASE_URL, ApiConfig, resolve_config
from inpaint_desktop.core.models import CapabilityTable

BACKEND_KINDS = ("local", "openai")


class BackendUnavailableError(RuntimeError):
    """The requested engine is not part of this build."""


def default_backend_kind(config: ApiConfig | None = None) -> str:
    """``local`` when there is no API key and no explicitly configured base URL, else ``openai``.

    A fresh machine with no account thus does its main job offline; a configured server (which
    may need no key, like a local gateway) is used as soon as it is set.
    """
    cfg = config or resolve_config()
    custom_url = cfg.base_url_configured or cfg.endpoint != DEFAULT_BASE_URL
    return "openai" if cfg.api_key or custom_url else "local"


def create_backend(kind: str, config: ApiConfig | None = None, *,
                   capabilities: CapabilityTable | None = None) -> Backend:
    """A new backend of ``kind`` (``openai`` or ``local``); one per thread that uses it.

    ``capabilities`` is the model table the OpenAI-compatible client validates against (the
    packaged one when None; pass the user's merged table so their entries apply).

    Raises ``ValueError`` for an unknown kind and ``BackendUnavailableError`` when the offline
    engine is not installed.
    """
    if kind == "openai":
        from inpaint_desktop.api.client import OpenAIBackend

        return OpenAIBackend(config or resolve_config(), capabilities=capabilities)
    if kind == "local":
        try:
            from inpaint_desktop.engine.backend import LocalBackend
        except ImportError as exc:
            raise BackendUnavailableError(
                "The built-in offline engine is not available in this build "
                f"({exc}); configure an API key (OPENAI_API_KEY) or a server (--base-url)."
            ) from None
        return LocalBackend()
    raise ValueError(f"unknown backend {kind!r}; choose one of {', '.join(BACKEND_KINDS)}")
