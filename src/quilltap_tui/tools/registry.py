"""The tools a chat offers, and the one place a tool call is executed.

A :class:`ToolRegistry` holds the tools enabled for one turn. :meth:`ToolRegistry.execute` never
raises for a bad call: malformed argument JSON, an unknown tool name, invalid input or a failing
provider all become an error :class:`ToolResult` that goes back to the LLM, so the conversation can
continue. Only cancellation propagates.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from quilltap_tui.errors import QuilltapError
from quilltap_tui.tools.call import ToolCallRequest, ToolContext, ToolResult
from quilltap_tui.tools.spec import ToolSpec

log = logging.getLogger(__name__)
__all__ = ["Tool", "ToolContext", "ToolRegistry", "ToolResult"]  # the call types, for the registry's callers


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
