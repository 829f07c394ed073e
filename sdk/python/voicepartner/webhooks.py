"""Verifying the deliveries of the platform's outbound webhooks."""
from __future__ import annotations

import hashlib
import hmac
import time
from typing import Optional, Union

SIGNATURE_HEADER = "X-VPAI-Signature"
DEFAULT_TOLERANCE = 300


def sign(body: Union[bytes, str], secret: str, timestamp: int) -> str:
    """The `X-VPAI-Signature` value the platform sends for `body` at `timestamp`."""
    return f"t={timestamp},v1={_digest(_bytes(body), secret, timestamp)}"


def verify_signature(header: str, body: Union[bytes, str], secret: str, tolerance: float = DEFAULT_TOLERANCE,
                     now: Optional[float] = None) -> bool:
    """True when `header` (`t=<unix seconds>,v1=<hex>`) signs exactly `body` (the raw request body,
    before any JSON parsing) with `secret`, and its timestamp is within `tolerance` seconds of now,
    so an old delivery replayed later is refused."""
    timestamp: Optional[int] = None
    signatures = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = _digest(_bytes(body), secret, timestamp)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


def _digest(body: bytes, secret: str, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _bytes(body: Union[bytes, str]) -> bytes:
    return body.encode() if isinstance(body, str) else body
