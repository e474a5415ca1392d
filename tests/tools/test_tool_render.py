"""A tool declared once, rendered for each provider: pinned shapes and the Gemini schema subset."""

from __future__ import annotations

from typing import Any

import pytest

from quilltap_tui.errors import Invalid
from quilltap_tui.tools.render import (
    gemini_schema,
    to_anthropic,
    to_gemini,
    to_gemini_tools,
    to_mcp,
    to_openai_chat,
    to_openai_responses,
)
from quilltap_tui.tools.spec import ToolSpec

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "prompt": {"type": "string", "description": "What to draw.", "minLength": 1},
        "aspect_ratio": {"type": "string", "enum": ["1:1", "16:9"]},
        "count": {"type": "integer", "minimum": 1, "maximum": 4, "default": 1},
        "quality": {"const": "high"},
        "seed": {"type": ["integer", "null"]},
    },
    "required": ["prompt"],
}
SPEC = ToolSpec("generate_image", "Generate an image.", SCHEMA)


def test_openai_chat_is_nested_under_function() -> None:
    assert to_openai_chat(SPEC) == {
        "type": "function",
        "function": {"name": "generate_image", "description": "Generate an image.", "parameters": SCHEMA},
    }


def test_openai_responses_is_flat() -> None:
    assert to_openai_responses(SPEC) == {
        "type": "function",
        "name": "generate_image",
        "description": "Generate an image.",
        "parameters": SCHEMA,
    }


def test_anthropic_and_mcp_names_for_the_schema() -> None:
    assert to_anthropic(SPEC) == {"name": "generate_image", "description": "Generate an image.", "input_schema": SCHEMA}
    assert to_mcp(SPEC) == {"name": "generate_image", "description": "Generate an image.", "inputSchema": SCHEMA}


def test_gemini_declaration_is_sanitised() -> None:
    assert to_gemini(SPEC) == {
        "name": "generate_image",
        "description": "Generate an image.",
        "parameters": {
            "type": "object",
            "properties": {
                "prompt": {"type": "string", "description": "What to draw.", "minLength": 1},
                "aspect_ratio": {"type": "string", "enum": ["1:1", "16:9"]},
                "count": {"type": "integer", "minimum": 1, "maximum": 4, "default": 1},
                "quality": {"enum": ["high"]},
                "seed": {"type": "integer", "nullable": True},
            },
            "required": ["prompt"],
        },
    }
    assert to_gemini_tools([SPEC]) == [{"functionDeclarations": [to_gemini(SPEC)]}]


def test_renderers_do_not_share_the_spec_schema() -> None:
    rendered = to_openai_chat(SPEC)
    rendered["function"]["parameters"]["properties"].clear()
    assert SPEC.input_schema["properties"]["prompt"]


def test_gemini_numeric_enum_becomes_a_range_and_a_sentence() -> None:
    assert gemini_schema({"type": "integer", "enum": [1, 2, 4], "description": "Images."}) == {
        "type": "integer",
        "minimum": 1,
        "maximum": 4,
        "description": "Images. One of: 1, 2, 4.",
    }


def test_gemini_inlines_refs_turns_one_of_into_any_of_and_drops_unknown_keywords() -> None:
    schema = {
        "type": "object",
        "$defs": {"Size": {"type": "string", "enum": ["small", "large"], "propertyNames": {"x": 1}}},
        "properties": {
            "size": {"$ref": "#/$defs/Size", "description": "How big."},
            "either": {"oneOf": [{"type": "string"}, {"type": "number", "exclusiveMinimum": 0}]},
            "tags": {"type": "array", "items": {"type": "string", "const": "x"}, "uniqueItems": True},
        },
        "required": ["size", "missing"],
    }
    assert gemini_schema(schema) == {
        "type": "object",
        "properties": {
            "size": {"type": "string", "enum": ["small", "large"], "description": "How big."},
            "either": {"anyOf": [{"type": "string"}, {"type": "number"}]},
            "tags": {"type": "array", "items": {"type": "string", "enum": ["x"]}},
        },
        "required": ["size"],
    }


def test_recursive_refs_stop_with_an_open_object() -> None:
    schema = {"type": "object", "properties": {"node": {"$ref": "#"}}}
    out = gemini_schema(schema)
    depth = 0
    node = out
    while "properties" in node:
        node = node["properties"]["node"]
        depth += 1
    assert node["type"] == "object"
    assert depth < 30


@pytest.mark.parametrize("name", ["", "9lives", "has space", "x" * 65, "dots.not.everywhere"])
def test_names_every_provider_cannot_take_are_refused(name: str) -> None:
    with pytest.raises(Invalid) as info:
        ToolSpec(name, "d")
    assert info.value.field == "tool"


def test_schema_must_be_an_object() -> None:
    with pytest.raises(Invalid):
        ToolSpec("t", "d", {"type": "string"})
