"""Anthropic Messages streaming (provider-wire.md 3.3).

Tool calls are ``tool_use`` blocks whose input arrives as ``input_json_delta`` fragments (the first may
be ``""``; none at all means ``{}``), complete at ``content_block_stop``. Results go back as
``tool_result`` blocks, all of them first in ONE user message, with ``is_error`` for failures. The
system prompt is the top-level ``system`` field and ``max_tokens`` is required.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from quilltap_tui.chat.providers import KEYLESS_PLACEHOLDER, error_for, map_sdk_error, split_params, title
from quilltap_tui.chat.providers.sse import ServerEvent, response_lines, server_events
from quilltap_tui.chat.spec import (
    FINISH_CONTENT_FILTER,
    FINISH_LENGTH,
    FINISH_STOP,
    FINISH_TOOL_CALLS,
    ChatEvent,
    ChatMessage,
    Done,
    TextDelta,
    ToolCallEvent,
    ToolCallRequest,
    Usage,
    parse_arguments,
)
from quilltap_tui.errors import Invalid, MalformedResponse
from quilltap_tui.lazy_imports import import_off_loop
from quilltap_tui.net import shared_ssl_context
from quilltap_tui.netguard import guarded_transport
from quilltap_tui.providers.registry import chat_unit
from quilltap_tui.providers.unit import ProviderUnit
from quilltap_tui.tools.render import to_anthropic
from quilltap_tui.tools.spec import ToolSpec

if TYPE_CHECKING:
    import httpx2

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
    if message.is_error:
        block["is_error"] = True
    return block


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


class AnthropicProvider:
    """A :class:`~quilltap_tui.chat.spec.ChatProvider` for the Anthropic Messages API."""

    provider_id = "anthropic"

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str,
        http_client: httpx2.AsyncClient | None = None,
        max_retries: int = 2,
        timeout: float = 120.0,
        unit: ProviderUnit | None = None,
    ) -> None:
        self.unit = unit or chat_unit(self.provider_id)
        # The SDK appends /v1/... itself; accept a base URL written with /v1 too.
        self.base_url = base_url.rstrip("/").removesuffix("/v1")
        self._key = api_key
        self._http_client = http_client
        self._max_retries = max_retries
        self._timeout = timeout
        self._sdk: Any = None

    def _client(self) -> Any:
        if self._sdk is None:
            import anthropic  # lazily: this import alone costs about a second

            # The key is always passed explicitly so the SDK never falls back to environment
            # variables or profile files the user did not choose for this profile.
            self._sdk = anthropic.AsyncAnthropic(
                api_key=self._key or KEYLESS_PLACEHOLDER,
                base_url=self.base_url,
                max_retries=self._max_retries,
                timeout=self._timeout,
                # The SDK's own default client would load the CA bundle again for every turn (27-43 ms on
                # the event loop); this one shares the process-wide TLS context.
                http_client=self._http_client
                or anthropic.DefaultAsyncHttpxClient(transport=guarded_transport(shared_ssl_context())),
            )
        return self._sdk

    async def stream(
        self,
        *,
        model: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec] = (),
        params: Mapping[str, Any] | None = None,
        system: str | None = None,
    ) -> AsyncIterator[ChatEvent]:
        """Stream one reply; see :mod:`quilltap_tui.chat.spec` for the event and error rules."""
        await import_off_loop("anthropic")
        import anthropic

        request = build_request(model=model, messages=messages, tools=tools, params=params, system=system)
        try:
            # The raw response, read by ``sse``: the SDK's per-event models cost more CPU than the rest of
            # a streamed turn together.
            async with self._client().messages.with_streaming_response.create(**request) as response:
                lines = response_lines(response, self.provider_id)
                async for event in stream_events(server_events(lines), self.provider_id, self._key):
                    yield event
        except (anthropic.APIError, json.JSONDecodeError) as exc:
            # ``from None``: the SDK exception's text may quote the provider's echo of the key.
            raise map_sdk_error(exc, anthropic, provider=self.provider_id, key=self._key) from None

    async def validate_key(self) -> None:
        """List one model; raise ``AuthError`` when the key is refused."""
        await import_off_loop("anthropic")
        import anthropic

        try:
            await self._client().models.list(limit=1)
        except anthropic.APIError as exc:
            raise map_sdk_error(exc, anthropic, provider=self.provider_id, key=self._key) from None

    async def list_models(self) -> list[str]:
        """Model ids from ``GET /v1/models``."""
        await import_off_loop("anthropic")
        import anthropic

        try:
            ids = [model.id async for model in self._client().models.list(limit=100)]
        except (anthropic.APIError, json.JSONDecodeError) as exc:
            raise map_sdk_error(exc, anthropic, provider=self.provider_id, key=self._key) from None
        return sorted(set(ids))

    async def aclose(self) -> None:
        """Close the SDK client unless its HTTP client was injected (the caller owns that one)."""
        if self._sdk is not None and self._http_client is None:
            await self._sdk.close()
        self._sdk = None
