"""A tool call, where it happens, and what it returned: the types the chat core and the tools share.

They live in ``tools/`` (the lower layer): the chat core imports them to run calls and store results,
and nothing here imports the chat core, so the two packages no longer import each other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ToolCallRequest:
    """One tool call the model asked for.

    ``arguments`` is always a dict (``{}`` when absent or unparsable); ``raw_arguments`` is the exact
    JSON text received. ``provider_data`` keeps opaque values that must be echoed back unchanged in
    the next request (for example Gemini's thought signature).
    """

    id: str
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    raw_arguments: str = ""
    parse_error: str | None = None
    provider_data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ToolContext:
    """Where a call happens: the chat, the assistant message holding the call, and the call's row id."""

    chat_id: str | None = None
    message_id: str | None = None
    tool_call_id: str | None = None


@dataclass(frozen=True)
class ToolResult:
    """The outcome of one call.

    ``result`` is what the user (and ``ask --json``) sees; ``for_model`` is the short JSON object that
    goes back to the LLM and is stored with the call (never image data).
    """

    ok: bool
    result: dict[str, Any]
    for_model: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def failure(cls, message: str) -> ToolResult:
        """An error result: the same ``{"error": ...}`` for the user and the LLM."""
        body = {"error": message}
        return cls(ok=False, result=dict(body), for_model=dict(body))

    @property
    def error(self) -> str | None:
        """The error message of a failed call."""
        return None if self.ok else str(self.for_model.get("error", "The tool failed."))

    def model_text(self) -> str:
        """The text sent to the LLM."""
        return json.dumps(self.for_model, ensure_ascii=False)
