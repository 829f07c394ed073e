"""The SDK's models: the typed answers generated from the API's OpenAPI document (`_generated`, every
field of every answer), and the little the SDK adds to them: a page of a list, whether a job is
finished, and one view of the two answers that enqueue a job."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Generic, List, Optional, Tuple, TypeVar

from . import _generated
from ._generated import *  # noqa: F401,F403 - every generated model is part of the SDK
from ._generated import ANSWERS, Call, Delivery, ToolDetails

T = TypeVar("T")

FINAL_JOB_STATES = ("completed", "discarded", "cancelled")


@dataclass
class Page(Generic[T]):
    """One page of a list, newest first; `next_cursor` fetches the next (None on the last)."""
    items: List[T]
    next_cursor: Optional[str]


class Job(_generated.Job):
    """A job with its state, arguments, attempts, errors and result."""

    @property
    def finished(self) -> bool:
        return self.state in FINAL_JOB_STATES


@dataclass
class EnqueuedJob:
    """The answer of every call that starts a job (`POST /api/jobs` answers `id`, a tool invocation `job_id`)."""
    id: int
    duplicate: bool

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "EnqueuedJob":
        return cls(id=int(data.get("id", data.get("job_id", 0))), duplicate=bool(data.get("duplicate", False)))


#: The names the SDK gave these models before they were generated.
Tool = ToolDetails
WebhookDelivery = Delivery
AvailableNumber = _generated.AvailablePhoneNumbersData
PhoneCall = Call


__all__ = sorted(set(_generated.__all__) | {"Page", "Job", "EnqueuedJob", "Tool", "WebhookDelivery", "AvailableNumber", "PhoneCall",
                                           "FINAL_JOB_STATES"})


#: The documented operations as (method, path segments, literal segments, model name, list of it), split once.
_ROUTES = [(method, parts, sum(1 for part in parts if not part.startswith("{")), name, many)
           for (method, template), (name, many) in ANSWERS.items()
           for parts in [[part for part in template.split("/") if part]]]


def answer_reader(method: str, path: str) -> Optional[Callable[[Any], Any]]:
    """How to read the answer of a call: the model the document names for the operation the path
    reaches (a list of it for list answers), or None for operations without a JSON model."""
    parts = [part for part in path.split("?", 1)[0].split("/") if part]
    best: Optional[Tuple[int, str, bool]] = None
    for operation_method, pattern, literals, name, many in _ROUTES:
        if operation_method != method or len(pattern) != len(parts):
            continue
        if all(p.startswith("{") or p == q for p, q in zip(pattern, parts)) and (best is None or literals > best[0]):
            best = (literals, name, many)
    if best is None:
        return None
    model = globals().get(best[1]) or getattr(_generated, best[1])
    if best[2]:
        return lambda answer: [model.from_json(item) for item in answer]
    return model.from_json
