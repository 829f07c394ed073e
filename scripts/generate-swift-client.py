#!/usr/bin/env python3
"""Writes the generated half of the Swift client (Sources/VoicePartnerClient/Generated) from the API's
OpenAPI document: a Codable type for every request and answer body the document describes, and a
method for every operation callers use, on `client.operations`.

    scripts/generate-swift-client.py openapi.json            # or an http(s) URL of a running API
    scripts/generate-swift-client.py --check openapi.json    # fails when the files differ (a test runs this)
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from openapi_codegen import run, singular

OUTPUT = Path(__file__).resolve().parent.parent / "Sources" / "VoicePartnerClient" / "Generated"
#: Operations no API caller makes (Twilio's callbacks, recipients' browser links, scrapes, the
#: documents), and the upload whose multipart body the hand-written `uploadFile` sends.
SKIPPED = {
    ("post", "/webhooks/twilio/voice"), ("post", "/webhooks/twilio/status"), ("post", "/webhooks/twilio/turn"),
    ("post", "/webhooks/twilio/recording"), ("get", "/unsubscribe"), ("post", "/unsubscribe"), ("get", "/metrics"),
    ("get", "/health/metrics"), ("get", "/docs"), ("get", "/openapi.json"), ("post", "/api/files"),
}
KEYWORDS = {"default", "in", "is", "as", "for", "if", "else", "return", "protocol", "extension", "func", "let", "var", "self",
            "struct", "class", "enum", "case", "switch", "where", "while", "repeat", "import", "internal", "public", "private",
            "static", "operator", "subscript", "true", "false", "nil", "throw", "throws", "try", "init", "deinit", "Type", "do",
            "guard", "defer", "break", "continue", "fallthrough", "inout", "rethrows", "super", "Self", "some", "any",
            "associatedtype", "typealias", "fileprivate", "open", "catch"}
MAX_LINE = 140
#: Name parts written in capitals after the first, as Swift's API guidelines do for acronyms.
ACRONYMS = {"id": "ID", "url": "URL", "sid": "SID", "ms": "MS"}


def camel(name: str, upper: bool = False) -> str:
    """`workspace_id` → `workspaceID`, `latency_ms` → `latencyMS`; type names (`upper`) are plain CamelCase."""
    parts = [part for part in re.split(r"[_\-\s.]+", name) if part]
    if upper:
        return "".join(part[:1].upper() + part[1:] for part in parts)
    head = parts[0][:1].lower() + parts[0][1:]
    return head + "".join(ACRONYMS.get(part.lower(), part[:1].upper() + part[1:]) for part in parts[1:])


def identifier(name: str) -> str:
    return f"`{name}`" if name in KEYWORDS else name


def wrap(head: str, items: List[str], tail: str, indent: str) -> List[str]:
    """`head(items)tail` on one line, or one item per line when that is too long."""
    line = f"{indent}{head}{', '.join(items)}{tail}"
    if len(line) <= MAX_LINE:
        return [line]
    return [f"{indent}{head}".rstrip(), *[f"{indent}    {item}," for item in items[:-1]], f"{indent}    {items[-1]}", f"{indent}{tail.lstrip()}"]


class Generator:
    def __init__(self, document: Dict[str, Any]) -> None:
        self.document = document
        self.schemas = document["components"]["schemas"]
        self.types: Dict[str, List[str]] = {}
        self.order: List[str] = []

    def resolve(self, schema: Dict[str, Any]) -> Dict[str, Any]:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    @staticmethod
    def is_struct(schema: Dict[str, Any]) -> bool:
        return schema.get("type") == "object" and "properties" in schema

    def swift_type(self, schema: Dict[str, Any], owner: str, name: str, encoding: bool) -> str:
        if "$ref" in schema:
            target = schema["$ref"].rsplit("/", 1)[-1]
            resolved = self.resolve(schema)
            if self.is_struct(resolved):
                self.struct(target, resolved, encoding)
                return target
            return self.swift_type(resolved, target, "item", encoding)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        if self.is_struct(schema):
            nested = owner + camel(name, upper=True)
            self.struct(nested, schema, encoding)
            return nested
        if kind == "array":
            return f"[{self.swift_type(schema.get('items', {}), owner, singular(name), encoding)}]"
        if kind == "object":
            values = schema.get("additionalProperties")
            if isinstance(values, dict):
                return f"[String: {self.swift_type(values, owner, name, encoding)}]"
            return "JSON"
        if kind == "string":
            if schema.get("format") == "date-time" and not encoding:
                return "Date"
            if schema.get("format") == "uuid" and not encoding:
                return "UUID"
            return "String"
        return {"integer": "Int", "number": "Double", "boolean": "Bool"}.get(kind, "JSON")

    def struct(self, name: str, schema: Dict[str, Any], encoding: bool) -> None:
        if name in self.types:
            return
        self.types[name] = []
        required = set(schema.get("required", []))
        properties = sorted(schema["properties"])
        fields = []
        for field_name in properties:
            swift = self.swift_type(schema["properties"][field_name], name, field_name, encoding)
            fields.append((field_name, camel(field_name), swift + ("" if field_name in required else "?")))
        conformance = "Encodable, Sendable" if encoding else "Decodable, Sendable"
        lines = ["", f"    public struct {name}: {conformance} {{"]
        lines += [f"        public var {identifier(swift_name)}: {swift_type}" for _, swift_name, swift_type in fields]
        if encoding:
            parameters = [f"{identifier(swift_name)}: {swift_type}{' = nil' if swift_type.endswith('?') else ''}"
                          for _, swift_name, swift_type in sorted(fields, key=lambda f: f[2].endswith("?"))]
            lines.append("")
            lines += wrap("public init(", parameters, ") {", "        ")
            lines += [f"            self.{swift_name} = {swift_name}" for _, swift_name, _ in fields]
            lines.append("        }")
        renamed = [(json_name, swift_name) for json_name, swift_name, _ in fields if json_name != swift_name]
        if renamed:
            cases = [identifier(swift_name) if json_name == swift_name else f'{identifier(swift_name)} = "{json_name}"'
                     for json_name, swift_name, _ in fields]
            lines.append("")
            lines += wrap("enum CodingKeys: String, CodingKey { case ", cases, " }", "        ")
        lines.append("    }")
        self.types[name] = lines
        self.order.append(name)

    def operation(self, path: str, method: str, operation: Dict[str, Any]) -> Tuple[List[str], str]:
        name = operation["operationId"]
        parameters: List[str] = []
        path_values: List[str] = []
        query: List[str] = []
        headers: List[str] = []
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            swift_name = camel(parameter["name"])
            if parameter["in"] == "path":
                swift = {"integer": "Int"}.get(schema.get("type"), "UUID" if schema.get("format") == "uuid" else "String")
                parameters.append(f"{identifier(swift_name)}: {swift}")
                path_values.append(f"{swift_name}.uuidString.lowercased()" if swift == "UUID" else
                                   (f"String({swift_name})" if swift == "Int" else swift_name))
            elif parameter["in"] == "query":
                swift = {"integer": "Int", "number": "Double", "boolean": "Bool"}.get(schema.get("type"), "String")
                parameters.append(f"{identifier(swift_name)}: {swift}? = nil")
                query.append(f'("{parameter["name"]}", {swift_name}.map {{ String(describing: $0) }})' if swift != "String"
                             else f'("{parameter["name"]}", {swift_name})')
            elif parameter["in"] == "header" and parameter["name"] != "X-Workspace-ID":
                parameters.append(f"{swift_name}: String? = nil")
                headers.append(f'"{parameter["name"]}": {swift_name}')
        body = "nil"
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if content:
            body_type = self.swift_type(content["schema"], name, "body", encoding=True)
            parameters.insert(len(path_values), f"body: {prefix(body_type)}")
            body = "body"
        answer, reader = "Void", "callEmpty"
        for status, response in sorted(operation.get("responses", {}).items()):
            if not status.startswith("2"):
                continue
            media = response.get("content", {})
            if "application/json" in media:
                answer, reader = self.swift_type(media["application/json"]["schema"], name, "answer", encoding=False), "call"
            elif media:
                answer, reader = "Data", "callData"
            break
        endpoint = f'Endpoint("{method.upper()}", "{path}")'
        arguments = [endpoint, f"[{', '.join(path_values)}]"]
        if query:
            joined = f"query: [{', '.join(query)}]"
            if len(joined) > MAX_LINE - 20:
                joined = "query: [\n" + "".join(f"                {item},\n" for item in query) + "            ]"
            arguments.append(joined)
        arguments.append(f"body: {body}")
        if headers:
            arguments.append(f"headers: [{', '.join(headers)}].compactMapValues {{ $0 }}")
        returns = "" if answer == "Void" else f" -> {prefix(answer)}"
        lines = ["", f"    /// {operation.get('summary', name)} (`{method.upper()} {path}`)."]
        lines += wrap(f"public func {name}(", parameters, f") async throws{returns} {{", "    ") if parameters else \
            [f"    public func {name}() async throws{returns} {{"]
        lines += wrap(f"try await client.{reader}(", arguments, ")", "        ")
        lines.append("    }")
        return lines, endpoint

    def source(self) -> Tuple[str, str]:
        methods: List[str] = []
        endpoints: List[str] = []
        for path, operations in sorted(self.document["paths"].items()):
            for method, operation in sorted(operations.items()):
                if (method, path) in SKIPPED:
                    continue
                lines, endpoint = self.operation(path, method, operation)
                methods += lines
                endpoints.append(endpoint)
        header = "// Generated by scripts/generate-swift-client.py from the API's OpenAPI document: do not edit.\n"
        models = header + "import Foundation\n\n" + \
            "/// The bodies of the API's requests and answers, one type per schema of the OpenAPI document.\n" + \
            "extension APIModels {" + "\n".join(line for name in self.order for line in self.types[name]) + "\n}\n"
        listed = "\n".join(f"        {endpoint}," for endpoint in endpoints)
        operations = header + "import Foundation\n\n" + \
            "/// A method for every operation of the OpenAPI document that callers use, each sending and\n" + \
            "/// answering the document's types (`APIModels`).\n" + \
            "extension APIOperations {" + "\n".join(line.replace("APIModels.APIModels.", "APIModels.") for line in methods) + \
            f"\n\n    /// Every endpoint the generated methods call.\n    public static let generated: [Endpoint] = [\n{listed}\n    ]\n}}\n"
        return models, operations


def prefix(swift_type: str) -> str:
    """Model names in method signatures, qualified by the `APIModels` namespace."""
    return re.sub(r"\b([A-Z][A-Za-z0-9]*)\b", lambda m: m.group(1) if m.group(1) in
                  {"String", "Int", "Double", "Bool", "Date", "UUID", "Data", "Void"} else f"APIModels.{m.group(1)}", swift_type)


def files(document: Dict[str, Any]) -> Dict[Path, str]:
    models, operations = Generator(document).source()
    return {OUTPUT / "APIModels.swift": models, OUTPUT / "APIOperations.swift": operations}


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:], files, "scripts/generate-swift-client.py"))
