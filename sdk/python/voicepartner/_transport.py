"""What the sync and the async client share: configuration, request preparation, the retry policy
and the reading of answers. Only the sending differs between them."""
from __future__ import annotations

import json
import os
import random
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional

import httpx

from .errors import APIError, RateLimited, TransportError, error_from_response

#: Statuses worth another attempt: the request timed out, was throttled, or met a passing server fault.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: Methods that may always be repeated; POST and PATCH only with an Idempotency-Key, which the
#: routes that create work honour (jobs, tool invocations, conversation turns, outbound calls).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: Failures before the request left: repeating them can never do anything twice.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
USER_AGENT = "voicepartner-python/0.2.0"


@dataclass
class Settings:
    """A client's configuration: arguments first, then `VOICEPARTNER_BASE_URL` and
    `VOICEPARTNER_API_KEY` from the environment."""
    base_url: str
    api_key: Optional[str] = None
    access_token: Optional[str] = None
    refresh_token: Optional[str] = None
    workspace_id: Optional[str] = None
    timeout: float = 30.0
    max_retries: int = 3
    backoff: float = 0.25
    max_backoff: float = 8.0
    user_agent: str = USER_AGENT
    headers: Dict[str, str] = field(default_factory=dict)

    @classmethod
    def resolve(cls, base_url: Optional[str], api_key: Optional[str], **rest: Any) -> "Settings":
        url = base_url or os.environ.get("VOICEPARTNER_BASE_URL")
        if not url:
            raise ValueError("no API address: pass base_url or set VOICEPARTNER_BASE_URL")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {url!r}")
        key = api_key if api_key is not None else os.environ.get("VOICEPARTNER_API_KEY")
        return cls(base_url=url.rstrip("/"), api_key=key or None, **{k: v for k, v in rest.items() if v is not None})


@dataclass
class Call:
    """One API call as both clients send it."""
    method: str
    path: str
    json_body: Any = None
    params: Optional[Mapping[str, Any]] = None
    headers: Optional[Mapping[str, str]] = None
    content: Optional[bytes] = None
    content_type: Optional[str] = None
    authenticated: bool = True

    def prepare(self, settings: Settings) -> Dict[str, Any]:
        """httpx's request arguments."""
        headers = {"Accept": "application/json", "User-Agent": settings.user_agent, **settings.headers, **(self.headers or {})}
        content = self.content
        if self.json_body is not None:
            content = json.dumps(self.json_body).encode()
            headers["Content-Type"] = "application/json"
        elif self.content_type:
            headers["Content-Type"] = self.content_type
        params = {key: value for key, value in (self.params or {}).items() if value is not None}
        return {"method": self.method, "url": self.path, "headers": headers, "content": content, "params": params}

    def retryable(self, headers: Mapping[str, str], status: Optional[int] = None, error: Optional[Exception] = None) -> bool:
        """Whether another attempt is safe: always when the request never left or was refused by the
        rate limiter (which answers before any work), else for idempotent methods and keyed POSTs."""
        if isinstance(error, NOT_SENT) or status == 429:
            return True
        if status is not None and status not in RETRYABLE_STATUSES:
            return False
        return self.method in IDEMPOTENT_METHODS or any(name.lower() == "idempotency-key" for name in headers)


def idempotency_key(given: Optional[str]) -> Dict[str, str]:
    """The caller's key, or a new one: with it a POST that creates work may be retried, since the
    API answers a repeated key with the work it already made."""
    return {"Idempotency-Key": given or f"sdk-{uuid.uuid4()}"}


def credentials(settings: Settings) -> Dict[str, str]:
    if settings.api_key:
        return {"Authorization": f"Bearer {settings.api_key}"}
    if settings.access_token:
        headers = {"Authorization": f"Bearer {settings.access_token}"}
        if settings.workspace_id:
            headers["X-Workspace-ID"] = settings.workspace_id
        return headers
    return {}


def delay(settings: Settings, attempt: int, error: Optional[APIError]) -> float:
    """The wait before retry `attempt` (1-based): the server's Retry-After when it gave one, else
    exponential backoff with full jitter."""
    if isinstance(error, RateLimited) and error.retry_after is not None:
        return min(error.retry_after, 60.0)
    if error is not None and error.retry_after_header is not None:
        return min(error.retry_after_header, 60.0)
    return random.uniform(0, min(settings.max_backoff, settings.backoff * 2 ** attempt))


def decode(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def failure(response: httpx.Response) -> APIError:
    headers = {name.lower(): value for name, value in response.headers.items()}
    error = error_from_response(response.status_code, decode(response), headers)
    retry_after = headers.get("retry-after")
    error.retry_after_header = float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None
    return error


def transport_error(call: Call, error: httpx.TransportError) -> TransportError:
    return TransportError(f"{call.method} {call.path}: {type(error).__name__}: {error}")
