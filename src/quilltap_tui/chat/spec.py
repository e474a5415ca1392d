"""Provider-neutral chat types: messages, stream events and the :class:`ChatProvider` protocol.

A provider's ``stream()`` is an async iterator of :data:`ChatEvent` values:

* :class:`TextDelta` for each piece of reply text, as it arrives;
* :class:`ToolCallEvent` once per tool call, when that call is **complete** (its arguments fully
  received and parsed; invalid JSON gives ``parse_error`` and keeps ``raw_arguments``);
* :class:`Usage` when the provider reports token counts;
* :class:`Done` last, with the normalised finish reason.

Errors are **raised**, never yielded: any failure, before or during the stream, surfaces as a
:class:`quilltap_tui.errors.ProviderError` subclass raised from the iterator. Whatever was yielded
before the error stays valid, so a caller can keep the partial reply. A stream that ends without a
:class:`Done` event never happens: a provider raises :class:`~quilltap_tui.errors.MalformedResponse`
instead.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from quilltap_tui import caps
from quilltap_tui.tools.call import ToolCallRequest as ToolCallRequest  # declared with the tools
from quilltap_tui.tools.spec import ToolSpec

Role = Literal["system", "user", "assistant", "tool"]

# Normalised finish reasons; ``Done.raw_reason`` keeps the provider's own word.
FINISH_STOP = "stop"
FINISH_TOOL_CALLS = "tool_calls"
FINISH_LENGTH = "length"
FINISH_CONTENT_FILTER = "content_filter"


@dataclass(frozen=True)
class ImageBlock:
    """An image shown to the chat model (``show_images``): already downscaled, base64-encoded."""

    mime_type: str
    data: str = field(repr=False)  # base64

    @property
    def data_url(self) -> str:
        return f"data:{self.mime_type};base64,{self.data}"


@dataclass(frozen=True)
class ChatMessage:
    """One message of a conversation, in a provider-neutral form.

    * ``assistant`` messages may carry ``tool_calls``;
    * ``tool`` messages answer one call: ``tool_call_id`` (and ``name``) identify it, ``content`` is the
      short text result, ``is_error`` marks a failed call;
    * ``provider_data`` keeps opaque per-provider values to replay (e.g. Anthropic thinking blocks);
    * ``images``: on a ``tool`` message, the images the call made, given to the model when the chat
      shows images (the ``content`` text never carries them).
    """

    role: Role
    content: str = ""
    tool_calls: list[ToolCallRequest] = field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None
    is_error: bool = False
    provider_data: dict[str, Any] = field(default_factory=dict)
    images: tuple[ImageBlock, ...] = ()

    @classmethod
    def user(cls, text: str) -> ChatMessage:
        """A user message."""
        return cls(role="user", content=text)

    @classmethod
    def system(cls, text: str) -> ChatMessage:
        """A system message (providers with a top-level system field lift it there)."""
        return cls(role="system", content=text)

    @classmethod
    def tool_result(cls, call: ToolCallRequest, content: str, *, is_error: bool = False) -> ChatMessage:
        """The result of ``call``, as short text (never image data)."""
        return cls(role="tool", content=content, tool_call_id=call.id, name=call.name, is_error=is_error)


@dataclass(frozen=True)
class TextDelta:
    """A piece of the reply text."""

    text: str
    type: Literal["text"] = "text"


@dataclass(frozen=True)
class ToolCallEvent:
    """A complete tool call."""

    call: ToolCallRequest
    type: Literal["tool_call"] = "tool_call"


@dataclass(frozen=True)
class Usage:
    """Token counts for the request, when the provider reports them."""

    input_tokens: int | None
    output_tokens: int | None
    type: Literal["usage"] = "usage"


@dataclass(frozen=True)
class Done:
    """The end of the stream.

    ``finish_reason`` is one of ``stop``, ``tool_calls``, ``length``, ``content_filter`` or, for a
    reason we do not know, the provider's own word (also kept in ``raw_reason``). ``provider_data``
    belongs on the assistant :class:`ChatMessage` built from this stream (see :class:`TurnBuilder`).
    """

    finish_reason: str
    raw_reason: str | None = None
    provider_data: dict[str, Any] = field(default_factory=dict)
    type: Literal["done"] = "done"


ChatEvent = TextDelta | ToolCallEvent | Usage | Done


class ChatProvider(Protocol):
    """A chat model API. Implementations import their SDK lazily and never log the key."""

    provider_id: str

    def stream(
        self,
        *,
        model: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec] = (),
        params: Mapping[str, Any] | None = None,
        system: str | None = None,
    ) -> AsyncIterator[ChatEvent]:
        """Stream one model reply. Raises :class:`~quilltap_tui.errors.ProviderError` subclasses."""
        ...

    async def validate_key(self) -> None:
        """Return when the key (or the key-less server) works; raise ``AuthError`` when it is refused."""
        ...

    async def list_models(self) -> list[str]:
        """The model ids the provider offers to this key."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP client the provider created (an injected client is left open)."""
        ...


def parse_arguments(raw: str) -> tuple[dict[str, Any], str | None]:
    """Parse tool-call arguments defensively: ``("", None)`` gives ``{}``; bad JSON gives an error text.

    Arguments over the cap (``max_tool_argument_kb``) are not parsed at all, and a number past Python's
    4300-digit conversion limit is an error text too, never an exception: the LLM gets a failed result.
    """
    if not raw.strip():
        return {}, None
    cap = caps.current().max_tool_argument_bytes
    if len(raw) > cap:
        return {}, (f"The arguments are {caps.size_text(len(raw))}, more than the {caps.size_text(cap)} "
                    "limit (setting max_tool_argument_kb).")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        return {}, f"The arguments are not valid JSON ({exc.msg} at position {exc.pos})."
    except ValueError:
        return {}, "The arguments hold a number with too many digits."
    if not isinstance(value, dict):
        return {}, f"The arguments must be a JSON object, not {type(value).__name__}."
    return value, None


@dataclass
class TurnBuilder:
    """Collects the events of one stream into the assistant message to store and send back."""

    text: list[str] = field(default_factory=list)
    tool_calls: list[ToolCallRequest] = field(default_factory=list)
    usage: Usage | None = None
    done: Done | None = None

    def add(self, event: ChatEvent) -> None:
        """Record one event."""
        if isinstance(event, TextDelta):
            self.text.append(event.text)
        elif isinstance(event, ToolCallEvent):
            self.tool_calls.append(event.call)
        elif isinstance(event, Usage):
            self.usage = event
        else:
            self.done = event

    def message(self) -> ChatMessage:
        """The assistant message (text, tool calls and provider data) received so far."""
        data = dict(self.done.provider_data) if self.done else {}
        return ChatMessage(
            role="assistant", content="".join(self.text), tool_calls=list(self.tool_calls), provider_data=data
        )
