"""What the two client generators (generate-swift-client.py, generate-python-models.py) share:
their command line, reading the OpenAPI document, and naming the type of one item of a list field."""
from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, List


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


def run(arguments: List[str], generate: Callable[[Dict[str, Any]], Dict[Path, str]], command: str) -> int:
    """`command DOCUMENT` writes the files `generate` makes from the document (a file or a running
    API's URL); `command --check DOCUMENT` writes nothing and fails when any of them differs."""
    files = generate(load(next(argument for argument in arguments if argument != "--check")))
    if "--check" in arguments:
        stale = [str(path) for path, text in files.items() if not path.exists() or path.read_text() != text]
        if stale:
            print(f"not what the document gives (run {command}): {stale}", file=sys.stderr)
            return 1
        return 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return 0
