"""Typed views of the API's answers. Each keeps the whole answer in `raw`, so fields added to the
API later are still at hand."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Generic, List, Optional, TypeVar

T = TypeVar("T")

FINAL_JOB_STATES = ("completed", "discarded", "cancelled")


@dataclass
class Page(Generic[T]):
    """One page of a list, newest first; `next_cursor` fetches the next (None on the last)."""
    items: List[T]
    next_cursor: Optional[str]


@dataclass
class Job:
    id: int
    kind: str
    queue: str
    state: str
    args: Any
    attempt: int
    max_attempts: int
    result: Any = None
    errors: List[Dict[str, Any]] = field(default_factory=list)
    progress: Optional[int] = None
    progress_message: Optional[str] = None
    tags: List[str] = field(default_factory=list)
    trace_id: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def finished(self) -> bool:
        return self.state in FINAL_JOB_STATES

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Job":
        return cls(id=int(data["id"]), kind=data["kind"], queue=data["queue"], state=data["state"], args=data.get("args"),
                   attempt=data.get("attempt", 0), max_attempts=data.get("max_attempts", 0), result=data.get("result"),
                   errors=data.get("errors") or [], progress=data.get("progress"), progress_message=data.get("progress_message"),
                   tags=data.get("tags") or [], trace_id=data.get("trace_id"), raw=data)


@dataclass
class EnqueuedJob:
    id: int
    duplicate: bool

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "EnqueuedJob":
        return cls(id=int(data.get("id", data.get("job_id", 0))), duplicate=bool(data.get("duplicate", False)))


@dataclass
class Workspace:
    id: str
    name: str
    role: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Workspace":
        return cls(id=data["id"], name=data.get("name", ""), role=data.get("role"), raw=data)


@dataclass
class Assistant:
    id: str
    name: str
    status: str
    version: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Assistant":
        return cls(id=data["id"], name=data.get("name", ""), status=data.get("status", ""), version=data.get("version", 0), raw=data)


@dataclass
class PhoneNumber:
    """A number of the workspace; `provider_status` says how far its Twilio configuration (or purchase) got."""
    id: str
    number: str
    label: str
    assistant_id: Optional[str]
    provider_status: str
    provider_error: Optional[str] = None
    provider_sid: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "PhoneNumber":
        return cls(id=data["id"], number=data["number"], label=data.get("label", ""), assistant_id=data.get("assistant_id"),
                   provider_status=data.get("provider_status", ""), provider_error=data.get("provider_error"),
                   provider_sid=data.get("provider_sid"), raw=data)


@dataclass
class AvailableNumber:
    """A number on offer at Twilio."""
    number: str
    locality: Optional[str] = None
    region: Optional[str] = None
    country: Optional[str] = None

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AvailableNumber":
        return cls(number=data["number"], locality=data.get("locality"), region=data.get("region"), country=data.get("country"))


@dataclass
class Call:
    id: str
    status: str
    direction: str
    to: str
    job_id: Optional[int] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Call":
        return cls(id=data["id"], status=data.get("status", ""), direction=data.get("direction", ""),
                   to=data.get("to", data.get("to_number", "")), job_id=data.get("job_id"), raw=data)


@dataclass
class File:
    id: str
    name: str
    status: str
    text: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "File":
        return cls(id=data["id"], name=data.get("name", ""), status=data.get("status", ""), text=data.get("text"), raw=data)


@dataclass
class Tool:
    id: str
    name: str
    method: str
    url: str
    enabled: bool
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Tool":
        return cls(id=data["id"], name=data["name"], method=data.get("method", ""), url=data.get("url", ""),
                   enabled=bool(data.get("enabled", True)), raw=data)


@dataclass
class WebhookEndpoint:
    id: str
    url: str
    events: List[str]
    enabled: bool
    secret: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "WebhookEndpoint":
        return cls(id=data["id"], url=data["url"], events=data.get("events") or [], enabled=bool(data.get("enabled", True)),
                   secret=data.get("secret"), raw=data)


@dataclass
class WebhookDelivery:
    id: int
    event_id: str
    event_type: str
    state: str
    attempts: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "WebhookDelivery":
        return cls(id=int(data["id"]), event_id=data.get("event_id", ""), event_type=data.get("event_type", ""),
                   state=data.get("state", ""), attempts=data.get("attempts", 0), raw=data)
