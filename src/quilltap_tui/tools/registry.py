"""The tools a chat offers, and the one place a tool call is executed.

A :class:`ToolRegistry` holds the tools enabled for one turn. :meth:`ToolRegistry.execute` never
raises for a bad call: malformed argument JSON, an unknown tool name, invalid input or a failing
provider all become an error :class:`ToolResult` that goes back to the LLM, so the conversation can
continue. Only cancellation propagates.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from quilltap_tui.chat.spec import ToolCallRequest
from quilltap_tui.errors import QuilltapError
from quilltap_tui.tools.spec import ToolSpec

log = logging.getLogger(__name__)


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


class Tool(Protocol):
    """A callable tool: its declaration and its handler."""

    @property
    def spec(self) -> ToolSpec:
        """What the model sees."""
        ...

    async def run(self, arguments: Mapping[str, Any], context: ToolContext) -> ToolResult:
        """Run the tool. May raise :class:`QuilltapError`; the registry turns it into an error result."""
        ...


class ToolRegistry:
    """The tools enabled for one turn, by name."""

    def __init__(self, tools: Iterable[Tool] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            self._tools[tool.spec.name] = tool

    def __len__(self) -> int:
        return len(self._tools)

    def names(self) -> list[str]:
        """The enabled tool names, in the order they were added."""
        return list(self._tools)

    def specs(self) -> list[ToolSpec]:
        """The declarations to send with a request."""
        return [tool.spec for tool in self._tools.values()]

    async def execute(self, call: ToolCallRequest, context: ToolContext) -> ToolResult:
        """Run ``call``; every failure except cancellation becomes an error result for the LLM."""
        if call.parse_error is not None:
            return ToolResult.failure(
                f"The arguments of this {call.name or 'tool'} call could not be read: {call.parse_error} "
                "Call the tool again with a JSON object."
            )
        tool = self._tools.get(call.name)
        if tool is None:
            available = ", ".join(self._tools) or "none"
            return ToolResult.failure(f"There is no tool named {call.name!r}; available tools: {available}.")
        try:
            return await tool.run(call.arguments, context)
        except asyncio.CancelledError:
            raise
        except QuilltapError as exc:
            return ToolResult.failure(str(exc))
        except Exception as exc:
            # The exception text may quote request data; keep it in the log, give the LLM only the type.
            log.exception("tool %s failed", call.name)
            return ToolResult.failure(f"The {call.name} tool failed unexpectedly ({type(exc).__name__}).")
