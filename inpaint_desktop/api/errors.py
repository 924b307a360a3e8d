"""Typed errors at the client boundary.

Every error carries a user-facing message (never containing the API key), the HTTP status when
there was one, the API's ``code``/``param``/``type``, and the ``x-request-id`` to quote to support.
Whatever a server put in them, every text of an error is redacted when the error is built.
"""

from __future__ import annotations

from typing import Any

from inpaint_desktop.core.redaction import redact, redact_obj


def _clean(value: str | None) -> str | None:
    return redact(value) if isinstance(value, str) else value


class ApiError(Exception):
    """Base of every failure a backend reports."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        param: str | None = None,
        type: str | None = None,
        request_id: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = _clean(code)
        self.param = _clean(param)
        self.type = _clean(type)
        self.request_id = _clean(request_id)
        self.details: dict[str, Any] = redact_obj(details) if details else {}
        # Response headers (lower-case names) of the failed call; retry decisions read them.
        self.headers: dict[str, str] = headers or {}

    def describe(self) -> str:
        """Multi-line text for a 'copy details' button: everything support would ask for."""
        lines = [f"{type(self).__name__}: {self.message}"]
        for label, value in (
            ("status", self.status),
            ("code", self.code),
            ("param", self.param),
            ("type", self.type),
            ("request id", self.request_id),
        ):
            if value is not None:
                lines.append(f"{label}: {value}")
        return "\n".join(lines)


class ValidationError(ApiError):
    """The request was refused before any byte was sent. ``param`` names the field."""


class AuthenticationError(ApiError):
    """401: missing or wrong API key."""


class PermissionDeniedError(ApiError):
    """403: for example an organisation that must be verified first (an account action)."""


class RateLimitError(ApiError):
    """429 rate_limit_exceeded: worth retrying later."""

    retryable = True


class QuotaExceededError(ApiError):
    """429 insufficient_quota / billing or spend limits: retrying does not help."""


class ModerationBlockedError(ApiError):
    """400 moderation_blocked: the safety system refused the request."""


class InvalidRequestError(ApiError):
    """Any other 4xx: the server did not accept a parameter (``param`` names it)."""


class NotFoundError(InvalidRequestError):
    """404: unknown model or endpoint."""


class ServerError(ApiError):
    """5xx or a malformed/truncated answer from the server."""

    retryable = True


class ApiTimeoutError(ApiError):
    """The server took too long (connect or read)."""

    retryable = True


class ApiConnectionError(ApiError):
    """The server could not be reached."""

    retryable = True


class UnsupportedOperationError(ApiError):
    """The backend cannot do this at all (for example generation on the offline engine)."""


class CancelledError(ApiError):
    """The user cancelled the call."""
