"""What every generated model shares: mapping-style reads of the whole answer, and timestamps."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterator, Optional


class Model:
    """A typed answer that also reads like the JSON it came from (`model["field"]`, `model.get(...)`),
    so code written against plain answers keeps working and fields the SDK predates stay at hand."""
    raw: Dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def keys(self) -> Any:
        return self.raw.keys()


def timestamp(text: Optional[str]) -> Optional[datetime]:
    """An RFC 3339 time of the API (`…Z`, Python 3.10's parser wants `+00:00`)."""
    if text is None:
        return None
    return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
