"""Anthropic Messages streaming (provider-wire.md 3.3).

Tool calls are ``tool_use`` blocks whose input arrives as ``input_json_delta`` fragments (the first may
be ``""``; none at all means ``{}``), complete at ``content_block_stop``. Results go back as
``tool_result`` blocks, all of them first in ONE user message, with ``is_error`` for failures. The
system prompt is the top-level ``system`` field and ``max_tokens`` is required.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from quilltap_tui.chat.providers import error_for, split_params, title
from quilltap_tui.chat.providers.base import SdkChatProvider
from quilltap_tui.chat.spec import (
    FINISH_CONTENT_FILTER,
    FINISH_LENGTH,
    FINISH_STOP,
    FINISH_TOOL_CALLS,
    ChatEvent,
    ChatMessage,
    Done,
    ImageBlock,
    TextDelta,
    ToolCallEvent,
    ToolCallRequest,
    Usage,
    parse_arguments,
)
from quilltap_tui.errors import Invalid, MalformedResponse
from quilltap_tui.sse import ServerEvent
from quilltap_tui.tools.render import to_anthropic
from quilltap_tui.tools.spec import ToolSpec

DEFAULT_MAX_TOKENS = 4096
# ``max_tokens`` is a required keyword of the SDK method; every other param travels in ``extra_body``.
SDK_PARAMS = frozenset({"max_tokens"})
_FINISH = {
    "end_turn": FINISH_STOP,
    "stop_sequence": FINISH_STOP,
    "tool_use": FINISH_TOOL_CALLS,
    "max_tokens": FINISH_LENGTH,
    "refusal": FINISH_CONTENT_FILTER,
}
# Thinking blocks must be replayed unchanged (with their signatures) before the tool_use blocks.
THINKING_KEY = "anthropic_thinking"


def render_messages(messages: Sequence[ChatMessage], system: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """``(system, messages)`` for a Messages request; system messages are lifted to the top level."""
    systems = [system] if system else []
    out: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    texts: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            systems.append(message.content)
        elif message.role == "tool":
            results.append(_tool_result(message))
        elif message.role == "user":
            texts.append({"type": "text", "text": message.content})
            texts.extend(_image_block(image) for image in message.images)  # attached images
        else:
            blocks = _assistant_blocks(message)
            if not blocks:
                continue  # Anthropic rejects empty assistant turns; dropping one keeps roles alternating
            _flush(out, results, texts)
            out.append({"role": "assistant", "content": blocks})
    _flush(out, results, texts)
    return "\n\n".join(s for s in systems if s), out


def _flush(out: list[dict[str, Any]], results: list[dict[str, Any]], texts: list[dict[str, Any]]) -> None:
    """Emit the pending user turn: every tool_result first, then any text, in one message."""
    if not results and not texts:
        return
    if not results and len(texts) == 1:
        out.append({"role": "user", "content": texts[0]["text"]})
    else:
        out.append({"role": "user", "content": results + texts})
    results.clear()
    texts.clear()


def _tool_result(message: ChatMessage) -> dict[str, Any]:
    if not message.tool_call_id:
        raise Invalid("messages", "A tool result message needs the id of the call it answers.")
    block: dict[str, Any] = {
        "type": "tool_result",
        "tool_use_id": message.tool_call_id,
        "content": message.content,
    }
    if message.images:
        # Shown images travel as image blocks inside the tool_result; the text stays as it was.
        block["content"] = [{"type": "text", "text": message.content}, *map(_image_block, message.images)]
    if message.is_error:
        block["is_error"] = True
    return block


def _image_block(image: ImageBlock) -> dict[str, Any]:
    return {"type": "image", "source": {"type": "base64", "media_type": image.mime_type, "data": image.data}}


def _assistant_blocks(message: ChatMessage) -> list[dict[str, Any]]:
    blocks = [dict(block) for block in message.provider_data.get(THINKING_KEY, [])]
    if message.content:
        blocks.append({"type": "text", "text": message.content})
    for call in message.tool_calls:
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments})
    return blocks


def build_request(
    *,
    model: str,
    messages: Sequence[ChatMessage],
    tools: Sequence[ToolSpec],
    params: Mapping[str, Any] | None,
    system: str | None,
) -> dict[str, Any]:
    """Keyword arguments for ``client.messages.create`` (streaming)."""
    kwargs, extra = split_params(params, SDK_PARAMS)
    system_text, rendered = render_messages(messages, system)
    request: dict[str, Any] = {
        "model": model,
        "max_tokens": DEFAULT_MAX_TOKENS,
        "messages": rendered,
        "stream": True,
    }
    if system_text:
        request["system"] = system_text
    if tools:
        request["tools"] = [to_anthropic(tool) for tool in tools]
    request.update(kwargs)
    if extra:
        request["extra_body"] = extra
    return request


@dataclass
class _Block:
    kind: str
    data: dict[str, Any]
    fragments: list[str] = field(default_factory=list)


@dataclass
class _State:
    blocks: dict[int, _Block] = field(default_factory=dict)
    thinking: list[dict[str, Any]] = field(default_factory=list)
    input_tokens: int | None = None
    output_tokens: int | None = None
    stop_reason: str | None = None
    stopped: bool = False


async def stream_events(events: AsyncIterator[ServerEvent], provider: str, key: str | None = None
                        ) -> AsyncIterator[ChatEvent]:
    """Turn the Messages API's server-sent events into chat events."""
    state = _State()
    async for event in events:
        if event.event == "ping":
            continue
        data = event.json(provider)
        if not isinstance(data, dict):
            raise MalformedResponse(f"{title(provider)} sent a streamed event that is not an object.",
                                    provider=provider)
        kind = data.get("type")
        if kind == "error" or event.event == "error":  # e.g. overloaded_error after the 200
            raise error_for(None, data, provider=provider, key=key)
        if kind == "message_start":
            state.input_tokens = (data.get("message", {}).get("usage") or {}).get("input_tokens")
        elif kind == "content_block_start":
            block = dict(data.get("content_block") or {})
            state.blocks[data.get("index", 0)] = _Block(str(block.get("type")), block)
        elif kind == "content_block_delta":
            text = _delta(state, data)
            if text:
                yield TextDelta(text)
        elif kind == "content_block_stop":
            call = _stop_block(state, data.get("index", 0))
            if call is not None:
                yield ToolCallEvent(call)
        elif kind == "message_delta":
            state.stop_reason = (data.get("delta") or {}).get("stop_reason") or state.stop_reason
            state.output_tokens = (data.get("usage") or {}).get("output_tokens", state.output_tokens)
        elif kind == "message_stop":
            state.stopped = True
    if not state.stopped:
        raise MalformedResponse(f"The reply from {title(provider)} stopped before it finished.", provider=provider)
    yield Usage(state.input_tokens, state.output_tokens)
    reason = state.stop_reason or "end_turn"
    data_out = {THINKING_KEY: state.thinking} if state.thinking else {}
    yield Done(_FINISH.get(reason, reason), raw_reason=reason, provider_data=data_out)


def _delta(state: _State, data: Mapping[str, Any]) -> str:
    """Apply one content_block_delta; return reply text to show, if any."""
    delta = data.get("delta") or {}
    block = state.blocks.get(data.get("index", 0))
    kind = delta.get("type")
    if kind == "text_delta":
        return str(delta.get("text") or "")
    if block is None:
        return ""
    if kind == "input_json_delta":
        block.fragments.append(str(delta.get("partial_json") or ""))
    elif kind == "thinking_delta":
        block.data["thinking"] = block.data.get("thinking", "") + str(delta.get("thinking") or "")
    elif kind == "signature_delta":
        block.data["signature"] = str(delta.get("signature") or "")
    return ""


def _stop_block(state: _State, index: int) -> ToolCallRequest | None:
    block = state.blocks.pop(index, None)
    if block is None:
        return None
    if block.kind in ("thinking", "redacted_thinking"):
        state.thinking.append(block.data)
        return None
    if block.kind != "tool_use":
        return None
    raw = "".join(block.fragments)
    arguments, error = parse_arguments(raw)
    return ToolCallRequest(
        id=str(block.data.get("id") or f"toolu_{index}"),
        name=str(block.data.get("name") or ""),
        arguments=arguments,
        raw_arguments=raw,
        parse_error=error,
    )


class AnthropicProvider(SdkChatProvider):
    """A :class:`~quilltap_tui.chat.spec.ChatProvider` for the Anthropic Messages API."""

    sdk_name = "anthropic"
    provider_id = "anthropic"

    def __init__(self, provider_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(provider_id, **kwargs)
        # The SDK appends /v1/... itself; accept a base URL written with /v1 too.
        self.base_url = self.base_url.rstrip("/").removesuffix("/v1")

    def _client_class(self, sdk: Any) -> Any:
        return sdk.AsyncAnthropic

    def _build(self, *, model: str, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec],
               params: Mapping[str, Any] | None, system: str | None) -> dict[str, Any]:
        return build_request(model=model, messages=messages, tools=tools, params=params, system=system)

    def _open_stream(self, request: dict[str, Any]) -> Any:
        return self._client().messages.with_streaming_response.create(**request)

    def _events(self, events: AsyncIterator[ServerEvent]) -> AsyncIterator[ChatEvent]:
        return stream_events(events, self.provider_id, self._key)

    async def validate_key(self) -> None:
        """List one model; raise ``AuthError`` when the key is refused."""
        await self.call(lambda client: client.models.list(limit=1))

    async def list_models(self) -> list[str]:
        """Model ids from ``GET /v1/models``."""

        async def ids(client: Any) -> list[str]:
            return [model.id async for model in client.models.list(limit=100)]

        return sorted(set(await self.call(ids)))
