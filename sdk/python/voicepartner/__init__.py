"""Python client of the VoicePartnerAI API."""
from .client import AsyncClient, Client
from .errors import (APIError, AuthenticationError, BadRequest, Conflict, JobFailed, NotFound, PayloadTooLarge, PermissionDenied,
                     RateLimited, ServerError, TransportError, ValidationError, VoicePartnerError, WaitTimeout)
from . import models
from .models import *  # noqa: F401,F403 - every model of the API's answers
from .webhooks import SIGNATURE_HEADER, sign, verify_signature

__all__ = [
    "AsyncClient", "Client", "APIError", "AuthenticationError", "BadRequest", "Conflict", "JobFailed", "NotFound", "PayloadTooLarge", "PermissionDenied",
    "RateLimited", "ServerError", "TransportError", "ValidationError", "VoicePartnerError", "WaitTimeout", "SIGNATURE_HEADER", "sign",
    "verify_signature", *models.__all__,
]
__version__ = "0.3.0"
