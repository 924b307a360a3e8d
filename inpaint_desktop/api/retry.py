"""When to try a failed call again, and after how long.

The rules (from the API's behaviour and the official SDKs): retry connection errors, timeouts,
408, 409, 429 ``rate_limit_exceeded`` and 5xx, at most ``max_retries`` times; never quota,
billing or spend limits, moderation, authentication, permission or any other 4xx. The server
can say ``x-should-retry: true/false``. The wait comes from ``retry-after-ms``, else
``retry-after`` (seconds or an HTTP date) when 0 < wait <= 120 s (longer: give up), else an
exponential backoff ``min(0.5 * 2**n, 8)`` s shortened by up to 25 % at random.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping

from inpaint_desktop.api.errors import (
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    ModerationBlockedError,
    QuotaExceededError,
)

MAX_SERVER_WAIT_S = 120.0
_NEVER_CODES = ("insufficient_quota", "billing_hard_limit_reached", "moderation_blocked")


def _never(error: ApiError) -> bool:
    code = (error.code or "").lower()
    return (
        isinstance(error, QuotaExceededError | ModerationBlockedError)
        or code in _NEVER_CODES
        or "quota" in code or "billing" in code or "spend" in code
    )


def should_retry(error: ApiError, headers: Mapping[str, str] | None = None) -> bool:
    """Whether ``error`` is worth another attempt (the attempt count is checked by the caller)."""
    if _never(error):
        return False
    hint = (headers or {}).get("x-should-retry", "").strip().lower()
    if hint == "true":
        return True
    if hint == "false":
        return False
    if isinstance(error, ApiConnectionError | ApiTimeoutError):
        return True
    status = error.status or 0
    if status in (408, 409) or status >= 500:
        return True
    return status == 429 and (error.code in (None, "rate_limit_exceeded"))


def server_wait(headers: Mapping[str, str] | None, *, now: float | None = None) -> float | None:
    """The wait the server asks for in seconds, or None when it does not ask (or asks nonsense).

    May return a value over ``MAX_SERVER_WAIT_S``; the caller gives up then.
    """
    if not headers:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            value = float(ms) / 1000
        except ValueError:
            value = -1
        if value > 0:
            return value
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        parsed = email.utils.parsedate_tz(raw)
        if parsed is None:
            return None
        value = email.utils.mktime_tz(parsed) - (time.time() if now is None else now)
    return value if value > 0 else None


def backoff(attempt: int, rng: random.Random | None = None) -> float:
    """``min(0.5 * 2**attempt, 8)`` seconds shortened by up to 25 % at random (attempt from 0)."""
    base = min(0.5 * 2**attempt, 8.0)
    jitter = 1 - 0.25 * (rng.random() if rng is not None else random.random())
    return float(base * jitter)


def retry_delay(attempt: int, headers: Mapping[str, str] | None = None) -> float | None:
    """Seconds to wait before retry number ``attempt`` (from 0), or None to give up.

    A server that asks for more than two minutes is not waited for: the user decides.
    """
    wanted = server_wait(headers)
    if wanted is not None:
        return wanted if wanted <= MAX_SERVER_WAIT_S else None
    return backoff(attempt)
