"""Render a :class:`ToolSpec` into each provider's declaration format.

The shapes follow provider-wire.md section 3: OpenAI Chat nests the function, the Responses API is
flat, Anthropic calls the schema ``input_schema``, MCP ``inputSchema``, and Gemini takes
``functionDeclarations`` whose ``parameters`` accept only an OpenAPI-3 subset of JSON Schema (anything
else is a 400 "Unknown name"), so its schema is sanitised here.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from quilltap_tui.tools.spec import ToolSpec

# provider-wire.md 3.4: the keywords Gemini's ``parameters`` Schema understands.
GEMINI_SCHEMA_KEYS = frozenset(
    {
        "type",
        "format",
        "description",
        "nullable",
        "enum",
        "items",
        "properties",
        "required",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "minProperties",
        "maxProperties",
        "minimum",
        "maximum",
        "pattern",
        "anyOf",
        "propertyOrdering",
        "title",
        "default",
        "example",
    }
)
_NUMERIC_TYPES = ("integer", "number")
_MAX_REF_DEPTH = 16


def to_openai_chat(spec: ToolSpec) -> dict[str, Any]:
    """OpenAI Chat Completions (also xAI, OpenRouter, Ollama, Gemini's OpenAI-compatible endpoint)."""
    return {
        "type": "function",
        "function": {
            "name": spec.name,
            "description": spec.description,
            "parameters": copy.deepcopy(spec.input_schema),
        },
    }


def to_openai_responses(spec: ToolSpec) -> dict[str, Any]:
    """OpenAI Responses API: the same fields as Chat, but flat."""
    return {
        "type": "function",
        "name": spec.name,
        "description": spec.description,
        "parameters": copy.deepcopy(spec.input_schema),
    }


def to_anthropic(spec: ToolSpec) -> dict[str, Any]:
    """Anthropic Messages API tool declaration."""
    return {
        "name": spec.name,
        "description": spec.description,
        "input_schema": copy.deepcopy(spec.input_schema),
    }


def to_mcp(spec: ToolSpec) -> dict[str, Any]:
    """Model Context Protocol ``tools/list`` entry."""
    return {
        "name": spec.name,
        "description": spec.description,
        "inputSchema": copy.deepcopy(spec.input_schema),
    }


def to_gemini(spec: ToolSpec) -> dict[str, Any]:
    """One Gemini ``functionDeclarations`` entry, its schema reduced to the subset Gemini accepts."""
    return {
        "name": spec.name,
        "description": spec.description,
        "parameters": gemini_schema(spec.input_schema),
    }


def to_gemini_tools(specs: Iterable[ToolSpec]) -> list[dict[str, Any]]:
    """The top-level Gemini ``tools`` value: every declaration in one ``functionDeclarations`` list."""
    return [{"functionDeclarations": [to_gemini(spec) for spec in specs]}]


def gemini_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of ``schema`` that Gemini's ``parameters`` accepts.

    Local ``$ref``s are inlined, ``const`` becomes a one-value ``enum``, ``oneOf`` becomes ``anyOf``
    (the closest Gemini can say), a ``["x", "null"]`` type becomes ``nullable``, numeric enums (Gemini
    allows ``enum`` only on strings) become a range plus a sentence in the description, and every
    keyword outside the subset (``additionalProperties``, ``$schema``, ``propertyNames``, ...) is dropped.
    """
    return _sanitise(schema, schema, 0)


def _sanitise(node: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> dict[str, Any]:
    node = _resolve_ref(node, root, depth)
    out: dict[str, Any] = {}
    _copy_type(node, out)
    if "const" in node and "enum" not in node:
        out["enum"] = [node["const"]]
    for key in (
        "description",
        "format",
        "nullable",
        "enum",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "minProperties",
        "maxProperties",
        "minimum",
        "maximum",
        "pattern",
        "propertyOrdering",
        "title",
        "default",
        "example",
    ):
        if key in node and key not in out:
            out[key] = copy.deepcopy(node[key])
    if isinstance(node.get("properties"), Mapping):
        out["properties"] = {k: _sanitise(v, root, depth + 1) for k, v in node["properties"].items()}
        required = [name for name in node.get("required", []) if name in out["properties"]]
        if required:
            out["required"] = required
    if isinstance(node.get("items"), Mapping):
        out["items"] = _sanitise(node["items"], root, depth + 1)
    variants = node.get("anyOf", node.get("oneOf"))
    if isinstance(variants, list):
        out["anyOf"] = [_sanitise(v, root, depth + 1) for v in variants if isinstance(v, Mapping)]
    _fix_enum(out)
    return {k: v for k, v in out.items() if k in GEMINI_SCHEMA_KEYS}


def _resolve_ref(node: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> Mapping[str, Any]:
    """Inline a local ``#/$defs/...`` or ``#/definitions/...`` reference (Gemini has no ``$ref``)."""
    ref = node.get("$ref")
    if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")):
        return node
    if depth > _MAX_REF_DEPTH:
        # A recursive schema cannot be inlined; an open object is the honest approximation.
        return {"type": "object", "description": node.get("description", "")}
    target: Any = root
    for part in ref[2:].split("/") if ref != "#" else []:
        target = target.get(part) if isinstance(target, Mapping) else None
    if not isinstance(target, Mapping):
        return {k: v for k, v in node.items() if k != "$ref"}
    merged = dict(target)
    merged.update({k: v for k, v in node.items() if k != "$ref"})
    return merged


def _copy_type(node: Mapping[str, Any], out: dict[str, Any]) -> None:
    kind = node.get("type")
    if isinstance(kind, str):
        out["type"] = kind
        return
    if not isinstance(kind, list):
        return
    kinds = [k for k in kind if k != "null"]
    if len(kinds) != len(kind):
        out["nullable"] = True
    if len(kinds) == 1:
        out["type"] = kinds[0]
    elif kinds:
        out["anyOf"] = [{"type": k} for k in kinds]


def _fix_enum(out: dict[str, Any]) -> None:
    """Gemini rejects ``enum`` on anything but strings: keep the meaning as a range and a sentence."""
    values = out.get("enum")
    if values is None or (out.get("type", "string") == "string" and all(isinstance(v, str) for v in values)):
        return
    del out["enum"]
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if out.get("type") in _NUMERIC_TYPES and numbers and len(numbers) == len(values):
        out.setdefault("minimum", min(numbers))
        out.setdefault("maximum", max(numbers))
    allowed = ", ".join(str(v) for v in values)
    out["description"] = f"{out.get('description', '')} One of: {allowed}.".strip()
