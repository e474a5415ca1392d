"""The MCP output schema's ``used`` block: the contract's shape, derived from the option vocabulary."""

from __future__ import annotations

from quilltap_tui.mcp_server.catalog import EDIT_OUTPUT_SCHEMA, GENERATE_OUTPUT_SCHEMA

NULLABLE_STR = {"type": ["string", "null"]}
USED = {
    "type": "object",
    "properties": {
        "size": NULLABLE_STR, "aspect_ratio": NULLABLE_STR, "quality": NULLABLE_STR, "style": NULLABLE_STR,
        "count": {"type": "integer"}, "negative_prompt": NULLABLE_STR, "seed": {"type": ["integer", "null"]},
    },
}


def test_used_is_declared_as_the_contract_spells_it() -> None:
    for schema in (GENERATE_OUTPUT_SCHEMA, EDIT_OUTPUT_SCHEMA):
        assert schema["properties"]["used"] == USED
        assert list(schema["properties"]["used"]["properties"]) == list(USED["properties"])  # same order
