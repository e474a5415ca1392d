"""Chat Completions streaming for every OpenAI-shaped API: OpenAI, xAI, OpenRouter, Ollama, Gemini's
OpenAI-compatible endpoint and any compatible server (provider-wire.md 3.1, 3.5-3.7).

Tool calls arrive in three forms, all handled by :class:`ToolCallAssembler`: argument fragments keyed
by ``index`` (OpenAI, OpenRouter), a whole call in one chunk (xAI, Ollama, sometimes without
``index``), and several parallel calls. Follow-up requests carry the assistant message with its
``tool_calls`` (arguments as JSON strings) and one ``tool`` message per call.
"""

from __future__ import annotations

import json
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
from quilltap_tui.tools.render import to_openai_chat
from quilltap_tui.tools.spec import ToolSpec

# Every profile param travels in ``extra_body`` (see ``split_params``).
SDK_PARAMS: frozenset[str] = frozenset()
_FINISH = {
    "stop": FINISH_STOP,
    "tool_calls": FINISH_TOOL_CALLS,
    "function_call": FINISH_TOOL_CALLS,
    "length": FINISH_LENGTH,
    "content_filter": FINISH_CONTENT_FILTER,
}
_KNOWN_CALL_KEYS = {"index", "id", "type", "function"}


def render_messages(messages: Sequence[ChatMessage], system: str | None = None) -> list[dict[str, Any]]:
    """The ``messages`` list of a Chat Completions request."""
    out: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    shown: list[ImageBlock] = []  # images of the current run of tool messages
    for message in messages:
        if message.role != "tool" and shown:
            out.append(_images_message(shown))
            shown = []
        if message.role == "assistant":
            out.append(_assistant(message))
        elif message.role == "tool":
            if not message.tool_call_id:
                raise Invalid("messages", "A tool result message needs the id of the call it answers.")
            text = message.content
            if message.is_error and not text.lower().startswith("error"):
                text = f"Error: {text}"  # Chat Completions has no error flag; say it in the text
            out.append({"role": "tool", "tool_call_id": message.tool_call_id, "content": text})
            shown.extend(message.images)
        elif message.images:  # a user message with attached images
            parts: list[dict[str, Any]] = [{"type": "text", "text": message.content}]
            parts.extend({"type": "image_url", "image_url": {"url": i.data_url}} for i in message.images)
            out.append({"role": message.role, "content": parts})
        else:
            out.append({"role": message.role, "content": message.content})
    if shown:
        out.append(_images_message(shown))
    _check_every_call_answered(out)
    return out


def _images_message(images: Sequence[ImageBlock]) -> dict[str, Any]:
    """Tool messages are text only: the images the calls made follow them as one user message."""
    parts: list[dict[str, Any]] = [{"type": "text", "text": SHOWN_IMAGES_NOTE}]
    parts.extend({"type": "image_url", "image_url": {"url": image.data_url}} for image in images)
    return {"role": "user", "content": parts}


SHOWN_IMAGES_NOTE = "The images the tool calls above made, so you can see them (the user sees them already)."


def build_request(
    *,
    model: str,
    messages: Sequence[ChatMessage],
    tools: Sequence[ToolSpec],
    params: Mapping[str, Any] | None,
    system: str | None,
    include_usage: bool,
) -> dict[str, Any]:
    """Keyword arguments for ``client.chat.completions.create`` (streaming)."""
    kwargs, extra = split_params(params, SDK_PARAMS)
    request: dict[str, Any] = {"model": model, "messages": render_messages(messages, system), "stream": True}
    if tools:
        request["tools"] = [to_openai_chat(tool) for tool in tools]
    if include_usage:
        request["stream_options"] = {"include_usage": True}
    request.update(kwargs)
    if extra:
        request["extra_body"] = extra
    return request


def sdk_arguments(request: dict[str, Any]) -> dict[str, Any]:
    """``request`` as ``create``'s arguments, its messages and tools passed through as they are, byte for byte.

    The SDK walks each argument against its typed-dict unions before sending it (its "transform": aliases and
    date or file formats, of which chat messages and tools have none), every message once per message type:
    2-22 ms per request here, growing with the chat (47 messages: 15-22 ms), between the previous step and
    the request (Enter, the image saved). They are in wire form already, so they go in ``extra_body``, which
    the SDK merges into the body as given (its documented precedence over the arguments), each over an empty
    placeholder argument so the body keeps its keys' order. The profile's own extra parameters still come last
    and still win.
    """
    arguments = dict(request)
    extra = {key: arguments[key] for key in _PASSED_THROUGH if key in arguments}
    for key in extra:
        arguments[key] = []
    if extra:
        arguments["extra_body"] = {**extra, **(arguments.get("extra_body") or {})}
    return arguments


_PASSED_THROUGH = ("messages", "tools")


def _assistant(message: ChatMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "assistant", "content": message.content or None}
    if not message.tool_calls:
        out["content"] = message.content
        return out
    calls = []
    for call in message.tool_calls:
        # Echo the exact text when it parsed; invalid JSON is replaced by what we understood, since
        # some servers (Ollama) parse these strings and would reject the whole request.
        arguments = (
            call.raw_arguments if call.raw_arguments and call.parse_error is None else json.dumps(call.arguments)
        )
        entry = {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": arguments}}
        entry.update(call.provider_data.get("extra", {}))  # e.g. Gemini's extra_content.thought_signature
        calls.append(entry)
    out["tool_calls"] = calls
    return out


def _check_every_call_answered(rendered: list[dict[str, Any]]) -> None:
    pending: set[str] = set()
    for item in rendered:
        if item["role"] == "tool":
            pending.discard(item["tool_call_id"])
            continue
        if pending:
            break
        pending = {call["id"] for call in item.get("tool_calls", [])}
    if pending:
        raise Invalid("messages", f"Tool call {sorted(pending)[0]} has no result message; every call needs one.")


@dataclass
class _Partial:
    id: str = ""
    name: str = ""
    fragments: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


class ToolCallAssembler:
    """Rebuilds complete tool calls from streamed ``delta.tool_calls`` entries."""

    def __init__(self) -> None:
        self._calls: list[_Partial] = []
        self._by_index: dict[int, _Partial] = {}
        self._emitted = 0

    def add(self, part: Mapping[str, Any]) -> None:
        """Record one ``delta.tool_calls[]`` entry."""
        slot = self._slot(part)
        if part.get("id"):
            slot.id = part["id"]
        function = part.get("function") or {}
        if function.get("name") and not slot.name:
            slot.name = function["name"]
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            slot.fragments.append(arguments)
        elif isinstance(arguments, Mapping):  # a few servers send an object instead of a string
            slot.fragments.append(json.dumps(arguments))
        slot.extra.update({k: v for k, v in part.items() if k not in _KNOWN_CALL_KEYS and v is not None})

    def drain(self) -> list[ToolCallRequest]:
        """The calls completed since the last drain."""
        ready = self._calls[self._emitted :]
        self._emitted = len(self._calls)
        return [self._finish(number, partial) for number, partial in enumerate(ready, self._emitted - len(ready))]

    def _slot(self, part: Mapping[str, Any]) -> _Partial:
        index = part.get("index")
        current = self._by_index.get(index) if isinstance(index, int) else None
        # A new id at a known index is a new whole call (xAI/Ollama may reuse index 0).
        if current is None or (part.get("id") and current.id and part["id"] != current.id):
            current = _Partial()
            self._calls.append(current)
            if isinstance(index, int):
                self._by_index[index] = current
        return current

    @staticmethod
    def _finish(number: int, partial: _Partial) -> ToolCallRequest:
        raw = "".join(partial.fragments)
        arguments, error = parse_arguments(raw)
        data = {"extra": partial.extra} if partial.extra else {}
        return ToolCallRequest(
            id=partial.id or f"call_{number}",
            name=partial.name,
            arguments=arguments,
            raw_arguments=raw,
            parse_error=error,
            provider_data=data,
        )


async def stream_events(events: AsyncIterator[ServerEvent], provider: str, key: str | None = None
                        ) -> AsyncIterator[ChatEvent]:
    """Turn the server-sent ``chat.completion.chunk`` events into chat events."""
    assembler = ToolCallAssembler()
    finish: str | None = None
    calls = 0
    async for event in events:
        if event.data.startswith("[DONE]"):
            break
        data = event.json(provider)
        if not isinstance(data, dict):
            raise MalformedResponse(f"{title(provider)} sent a streamed chunk that is not an object.",
                                    provider=provider)
        if data.get("error"):  # an error after the 200 (OpenAI, OpenRouter mid-stream faults)
            raise error_for(None, data, provider=provider, key=key)
        for choice in data.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                yield TextDelta(delta["content"])
            for part in delta.get("tool_calls") or []:
                assembler.add(part)
            if choice.get("finish_reason"):
                finish = choice["finish_reason"]
                for call in assembler.drain():
                    calls += 1
                    yield ToolCallEvent(call)
        usage = data.get("usage")
        if usage:
            yield Usage(usage.get("prompt_tokens"), usage.get("completion_tokens"))
    if finish is None:
        raise MalformedResponse(f"The reply from {title(provider)} stopped before it finished.", provider=provider)
    reason = _FINISH.get(finish, finish)
    # Some compatible servers say "stop" after tool calls; the calls are what the caller must act on.
    yield Done(FINISH_TOOL_CALLS if calls else reason, raw_reason=finish)


class OpenAICompatProvider(SdkChatProvider):
    """A :class:`~quilltap_tui.chat.spec.ChatProvider` for OpenAI-shaped Chat Completions APIs.

    Quirks come from the unit: default headers (OpenRouter's app headers), whether usage may be asked
    for, and the validation endpoint.
    """

    sdk_name = "openai"

    def _client_class(self, sdk: Any) -> Any:
        return sdk.AsyncOpenAI

    def _client_options(self, sdk: Any) -> dict[str, Any]:
        assert self.unit.chat is not None
        return {**super()._client_options(sdk), "default_headers": dict(self.unit.chat.default_headers) or None}

    @property
    def include_usage(self) -> bool:
        """Whether the server is known to accept ``stream_options.include_usage``."""
        return self.unit.chat is not None and self.unit.chat.include_usage

    def _build(self, *, model: str, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec],
               params: Mapping[str, Any] | None, system: str | None) -> dict[str, Any]:
        return build_request(model=model, messages=messages, tools=tools, params=params, system=system,
                             include_usage=self.include_usage)

    def _open_stream(self, request: dict[str, Any]) -> Any:
        return self._client().chat.completions.with_streaming_response.create(**sdk_arguments(request))

    def _events(self, events: AsyncIterator[ServerEvent]) -> AsyncIterator[ChatEvent]:
        return stream_events(events, self.provider_id, self._key)

    async def validate_key(self) -> None:
        """Make one cheap authenticated call; raise ``AuthError`` when the key is refused."""
        assert self.unit.chat is not None
        path = self.unit.chat.validation_path
        if path == "/models":
            await self.list_models()
            return
        # OpenRouter's /models needs no key, so it proves nothing; its unit names /key instead.
        await self.call(lambda client: client.get(path, cast_to=object))

    async def list_models(self) -> list[str]:
        """Model ids from ``GET /models`` (Gemini's ``models/`` prefix removed)."""

        async def ids(client: Any) -> list[str]:
            return [model.id async for model in client.models.list()]

        return sorted({i.removeprefix("models/") for i in await self.call(ids)})
