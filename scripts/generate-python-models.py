#!/usr/bin/env python3
"""Writes the Python SDK's models (sdk/python/voicepartner/_generated.py) from the API's OpenAPI
document: a dataclass for every object an answer can hold (every field the document names, typed)
and the table of which operation answers which model. `scripts/generate-python-models.py http://127.0.0.1:8080/openapi.json` (or a saved file);
`--check` fails instead of writing when the file differs, which the SDK's tests run against the live API."""
from __future__ import annotations

import keyword
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

from openapi_codegen import run, singular

OUTPUT = Path(__file__).resolve().parent.parent / "sdk" / "python" / "voicepartner" / "_generated.py"
HEADER = '''"""Typed answers of the API, generated from its OpenAPI document by scripts/generate-python-models.py:
do not edit.
Each model keeps the whole answer in `raw` and reads like a mapping too (`job["state"]`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional

from ._model import Model, timestamp
'''


def camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\-\s]+", name) if part)



def attribute(name: str) -> str:
    return name + "_" if keyword.iskeyword(name) else name


class Generator:
    def __init__(self, document: Dict[str, Any]) -> None:
        self.document = document
        self.schemas = document["components"]["schemas"]
        self.classes: Dict[str, str] = {}
        self.order: List[str] = []

    def resolve(self, schema: Dict[str, Any]) -> Dict[str, Any]:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    @staticmethod
    def is_model(schema: Dict[str, Any]) -> bool:
        return schema.get("type") == "object" and "properties" in schema and schema.get("additionalProperties") is False

    def type_of(self, schema: Dict[str, Any], owner: str, name: str) -> Tuple[str, Any]:
        """(annotation, converter) of a schema; the converter maps an expression to its parsed form."""
        if "$ref" in schema:
            target = schema["$ref"].rsplit("/", 1)[-1]
            resolved = self.resolve(schema)
            if self.is_model(resolved):
                self.model(target, resolved)
                return target, lambda e, t=target: f"{t}.from_json({e})"
            return self.type_of(resolved, owner, name)
        kind = schema.get("type")
        if self.is_model(schema):
            nested = owner + camel(name)
            self.model(nested, schema)
            return nested, lambda e, t=nested: f"{t}.from_json({e})"
        if kind == "array":
            item, convert = self.type_of(schema.get("items", {}), owner, singular(name))
            if convert is None:
                return f"List[{item}]", None
            return f"List[{item}]", lambda e, c=convert: f"[{c('item')} for item in {e}]"
        if kind == "object":
            values = schema.get("additionalProperties")
            if isinstance(values, dict):
                value, convert = self.type_of(values, owner, name)
                if convert is None:
                    return f"Dict[str, {value}]", None
                return f"Dict[str, {value}]", lambda e, c=convert: f"{{key: {c('value')} for key, value in {e}.items()}}"
            return "Dict[str, Any]", None
        if kind == "string":
            if schema.get("format") == "date-time":
                return "datetime", lambda e: f"timestamp({e})"
            return "str", None
        return {"integer": "int", "number": "float", "boolean": "bool"}.get(kind, "Any"), None

    def model(self, name: str, schema: Dict[str, Any]) -> None:
        if name in self.classes:
            return
        self.classes[name] = ""
        required = set(schema.get("required", []))
        present, absent, reads = [], [], []
        for field_name in sorted(schema["properties"]):
            annotation, convert = self.type_of(schema["properties"][field_name], name, field_name)
            python = attribute(field_name)
            value = f'data["{field_name}"]'
            if field_name in required:
                present.append(f"    {python}: {annotation}")
                reads.append(f"{python}={convert(value) if convert else value}")
            else:
                absent.append(f"    {python}: Optional[{annotation}] = None")
                read = f'None if data.get("{field_name}") is None else {convert(value)}' if convert else f'data.get("{field_name}")'
                reads.append(f"{python}={read}")
        arguments = ",\n            ".join(reads + ["raw=data"])
        self.classes[name] = "\n".join([
            "", "", "", "@dataclass", f"class {name}(Model):", *present, *absent,
            "    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)", "",
            "    @classmethod", f'    def from_json(cls, data: Dict[str, Any]) -> "{name}":',
            f"        return cls(\n            {arguments},\n        )",
        ])
        self.order.append(name)

    def answers(self) -> List[str]:
        rows = []
        for path, operations in sorted(self.document["paths"].items()):
            for method, operation in sorted(operations.items()):
                for status, response in sorted(operation.get("responses", {}).items()):
                    if not status.startswith("2"):
                        continue
                    schema = response.get("content", {}).get("application/json", {}).get("schema")
                    if not schema:
                        continue
                    resolved = self.resolve(schema)
                    if self.is_model(resolved):
                        self.type_of(schema, "", "")
                        rows.append(f'    ("{method.upper()}", "{path}"): ("{schema["$ref"].rsplit("/", 1)[-1]}", False),')
                    elif resolved.get("type") == "array" and "$ref" in resolved.get("items", {}):
                        target = resolved["items"]["$ref"].rsplit("/", 1)[-1]
                        self.type_of(resolved["items"], "", "")
                        rows.append(f'    ("{method.upper()}", "{path}"): ("{target}", True),')
                    elif resolved.get("type") == "array" and self.is_model(resolved.get("items", {})) and "$ref" in schema:
                        # A list of objects the document describes inline: its items get a model of their own.
                        target = schema["$ref"].rsplit("/", 1)[-1] + "Item"
                        self.model(target, resolved["items"])
                        rows.append(f'    ("{method.upper()}", "{path}"): ("{target}", True),')
                    break
        return rows

    def source(self) -> str:
        rows = self.answers()
        table = "\n".join([
            "", "", "#: (method, path template) -> (model, whether the answer is a list of it), for every operation answering JSON.",
            "ANSWERS = {", *rows, "}",
        ])
        names = "\n".join(f'    "{name}",' for name in sorted(self.order))
        return HEADER + "".join(self.classes[name] for name in self.order) + table + f"\n\n__all__ = [\n{names}\n]\n"


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:], lambda document: {OUTPUT: Generator(document).source()}, "scripts/generate-python-models.py"))
