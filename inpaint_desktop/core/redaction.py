"""Keeping secrets (the API key, the serve key) out of every text the app builds.

Two nets, in this order:

1. **By value.** Each secret the process knows is registered once (``register_secret``: the
   client's ``ApiConfig`` does it for its key, ``serve`` for its own key) and every occurrence of
   it is replaced, whatever its shape: a gateway key ``gw-…`` is caught as surely as ``sk-…``.
2. **By shape.** Anything that looks like an OpenAI key or a bearer token is replaced too, for the
   keys this process was never told about (a server echoing some other key).

``redact`` is applied where errors are built (``ApiError``), where sidecars are written
(``redact_obj``), and to every log record of the process once a secret is registered
(``logging``'s record factory, so third-party loggers are covered as well).
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"
# Shorter values are not redacted by value: replacing a 3-letter "key" would mangle ordinary words.
MIN_SECRET_CHARS = 8

_KEY_PATTERNS = (
    re.compile(r"\bsk-[A-Za-z0-9_\-*]{6,}"),
    re.compile(r"(?i)bearer\s+[A-Za-z0-9_\-.~+/=*]+"),
)

_lock = threading.Lock()
_secrets: tuple[str, ...] = ()
_factory_installed = False


def register_secret(value: str | None) -> None:
    """Remember ``value`` as a secret of this process: from now on it is redacted everywhere."""
    global _secrets
    value = (value or "").strip()
    if len(value) < MIN_SECRET_CHARS:
        return
    with _lock:
        if value not in _secrets:
            # Longest first, so a secret that contains another is replaced whole.
            _secrets = tuple(sorted((*_secrets, value), key=len, reverse=True))
    _install_log_redaction()


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with the registered secrets, the given ones and anything key-shaped replaced."""
    extra = [s for s in secrets if s and len(s) >= 4]
    for secret in (*sorted(extra, key=len, reverse=True), *_secrets):
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _KEY_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def redact_obj(obj: Any) -> Any:
    """A copy of a JSON-like value (dicts, lists, strings) with every string redacted."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, Mapping):
        return {redact(str(k)): redact_obj(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [redact_obj(v) for v in obj]
    return obj


def _install_log_redaction() -> None:
    """Redact every log record of the process at creation (message, arguments and traceback)."""
    global _factory_installed
    with _lock:
        if _factory_installed:
            return
        _factory_installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call; logging reports it itself later
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[0] is not None:
            # Formatters use exc_text when it is set: format the traceback now, redacted.
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    logging.setLogRecordFactory(factory)
