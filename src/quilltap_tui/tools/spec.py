"""A tool declared once, independent of any provider's wire format.

A :class:`ToolSpec` carries only what the model sees: a name, a description and a JSON Schema for the
input. The code that runs the tool (its handler) lives elsewhere; :mod:`quilltap_tui.tools.render`
turns a spec into each provider's declaration shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from quilltap_tui.errors import Invalid

# The intersection of every provider's naming rule (OpenAI, Anthropic, Gemini, MCP): a name matching it
# is accepted everywhere, so a tool never works on one provider and fails on another.
TOOL_NAME_PATTERN = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$")


@dataclass(frozen=True)
class ToolSpec:
    """One tool as the model sees it.

    ``input_schema`` is a JSON Schema whose top level is an object schema. It is kept as written (the
    full JSON Schema vocabulary); renderers for providers that accept only a subset sanitise a copy.
    """

    name: str
    description: str
    input_schema: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})

    def __post_init__(self) -> None:
        if not TOOL_NAME_PATTERN.match(self.name):
            raise Invalid(
                "tool",
                f"Tool name {self.name!r} must start with a letter or '_' and use at most 64 letters, "
                "digits, '_' or '-'.",
            )
        if self.input_schema.get("type", "object") != "object":
            raise Invalid("tool", f"The input schema of tool {self.name!r} must describe an object.")
