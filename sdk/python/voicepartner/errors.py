"""Errors of the API, one class per kind of failure, built from its JSON error shape."""
from __future__ import annotations

from typing import Any, Dict, Optional


class VoicePartnerError(Exception):
    """Base of every error this package raises."""


class APIError(VoicePartnerError):
    """The API answered with an error: `{"error": {"code", "message", "details", "request_id"}}`."""

    #: Seconds the answer's Retry-After asked for (a 503 may carry one too), used between retries.
    retry_after_header: Optional[float] = None

    def __init__(self, status: int, code: str, message: str, details: Optional[Dict[str, Any]] = None,
                 request_id: Optional[str] = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.request_id = request_id

    @property
    def field(self) -> Optional[str]:
        """The request field a validation error names, if any."""
        return self.details.get("field")


class BadRequest(APIError):
    """400: the request could not be read (malformed JSON, a bad header)."""


class AuthenticationError(APIError):
    """401: no credentials, or ones the API does not accept."""


class PermissionDenied(APIError):
    """403: the role or key does not allow this."""


class NotFound(APIError):
    """404: no such resource in the caller's workspace."""


class Conflict(APIError):
    """409: the request conflicts with the resource's state."""


class PayloadTooLarge(APIError):
    """413: the body is over the API's limit."""


class ValidationError(APIError):
    """422: a field is invalid; `field` names it."""


class RateLimited(APIError):
    """429: too many requests; `retry_after` says how many seconds to wait."""

    def __init__(self, *args: Any, retry_after: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx: the API could not complete the request."""


class TransportError(VoicePartnerError):
    """The API could not be reached, or did not answer in time."""


class JobFailed(VoicePartnerError):
    """A job waited for ended discarded or cancelled."""

    def __init__(self, job: "Any") -> None:
        last = job.errors[-1]["error"] if job.errors else job.state
        super().__init__(f"job {job.id} ({job.kind}) ended {job.state}: {last}")
        self.job = job


class WaitTimeout(VoicePartnerError):
    """A job did not finish within the time waited."""


_BY_STATUS = {400: BadRequest, 401: AuthenticationError, 403: PermissionDenied, 404: NotFound, 409: Conflict,
              413: PayloadTooLarge, 422: ValidationError, 429: RateLimited}


def error_from_response(status: int, body: Any, headers: Dict[str, str]) -> APIError:
    """The error class for a status and the API's error body (or a generic one for other bodies)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = {"code": "http_error", "message": str(body)[:200] if body else f"HTTP {status}"}
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else APIError)
    arguments = (status, str(error.get("code", "")), str(error.get("message", "")), error.get("details") or {}, error.get("request_id"))
    if cls is RateLimited:
        retry = headers.get("retry-after")
        return RateLimited(*arguments, retry_after=float(retry) if retry and retry.replace(".", "", 1).isdigit() else None)
    return cls(*arguments)
