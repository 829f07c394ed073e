"""What the two client generators (generate-swift-client.py, generate-python-models.py) share:
reading the OpenAPI document and naming the type of one item of a list field."""
from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any, Dict


def load(source: str) -> Dict[str, Any]:
    """The document from a file, or from a running API's `/openapi.json` URL."""
    if source.startswith("http"):
        with urllib.request.urlopen(source, timeout=10) as answer:
            return json.load(answer)
    return json.loads(Path(source).read_text())


def singular(name: str) -> str:
    """The name of one item of a list field (`items` holds items of type …Item)."""
    if name.endswith(("ss", "series")):
        return name
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") else name
