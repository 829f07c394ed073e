"""Python client of the VoicePartnerAI API."""
from .client import AsyncClient, Client
from .errors import (APIError, AuthenticationError, BadRequest, Conflict, JobFailed, NotFound, PayloadTooLarge, PermissionDenied,
                     RateLimited, ServerError, TransportError, ValidationError, VoicePartnerError, WaitTimeout)
from .models import (Assistant, AvailableNumber, Call, EnqueuedJob, File, Job, Page, PhoneNumber, Tool, WebhookDelivery,
                     WebhookEndpoint, Workspace)
from .webhooks import SIGNATURE_HEADER, sign, verify_signature

__all__ = [
    "AsyncClient", "Client", "APIError", "AuthenticationError", "BadRequest", "Conflict", "JobFailed", "NotFound", "PayloadTooLarge", "PermissionDenied",
    "RateLimited", "ServerError", "TransportError", "ValidationError", "VoicePartnerError", "WaitTimeout", "Assistant", "AvailableNumber", "Call",
    "EnqueuedJob", "File", "Job", "Page", "PhoneNumber", "Tool", "WebhookDelivery", "WebhookEndpoint", "Workspace", "SIGNATURE_HEADER", "sign",
    "verify_signature",
]
__version__ = "0.2.0"
