"""The OpenAI-compatible chat provider, through the real openai SDK, against the fake upstream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from quilltap_tui.chat.registry import get_chat_provider
from quilltap_tui.chat.spec import (
    ChatEvent,
    ChatMessage,
    Done,
    TextDelta,
    ToolCallEvent,
    ToolCallRequest,
    TurnBuilder,
    Usage,
)
from quilltap_tui.errors import (
    AuthError,
    BadRequest,
    ContentRefused,
    Invalid,
    MalformedResponse,
    ProviderError,
    RateLimited,
    Unavailable,
)
from quilltap_tui.tools.spec import ToolSpec
from tests.fakes.chat_servers import (
    ErrorInStream,
    FakeChatServer,
    HttpError,
    Malformed,
    Text,
    ToolCall,
    ToolCalls,
    Truncated,
    rate_limited,
)
from tests.fakes.server import RecordingSleep

KEY = "sk-test-0123456789abcdefSECRET"
TOOL = ToolSpec(
    "generate_image",
    "Make an image from a prompt.",
    {"type": "object", "properties": {"prompt": {"type": "string"}}, "required": ["prompt"]},
)


@pytest.fixture
def server() -> Iterator[FakeChatServer]:
    with FakeChatServer("openai") as fake:
        yield fake


def provider(server: FakeChatServer, pid: str = "openai", key: str | None = KEY, retries: int = 0,
             sleep: RecordingSleep | None = None, notes: list[Any] | None = None) -> Any:
    seen = notes if notes is not None else []
    return get_chat_provider(pid, api_key=key, base_url=server.base_url, max_retries=retries,
                             sleep=sleep or RecordingSleep(), on_retry=lambda *a: seen.append(a))


async def collect(prov: Any, messages: list[ChatMessage], **kwargs: Any) -> list[ChatEvent]:
    try:
        return [event async for event in prov.stream(model="gpt-test", messages=messages, **kwargs)]
    finally:
        await prov.aclose()


async def test_text_streams_as_deltas_with_usage_and_system_first(server: FakeChatServer) -> None:
    server.enqueue(Text("Hello there, friend."))
    events = await collect(provider(server), [ChatMessage.user("hi")], system="Be brief.")
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hello ", "there, ", "friend."]
    assert Usage(12, 7) in events
    assert events[-1] == Done("stop", raw_reason="stop")
    request = server.chat_requests[0]
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
    ]
    assert request.body["stream"] is True
    assert request.body["stream_options"] == {"include_usage": True}
    assert "tools" not in request.body


async def test_fragmented_parallel_calls_and_exact_follow_up(server: FakeChatServer) -> None:
    cat = {"prompt": "a cat on a windowsill", "aspect_ratio": "16:9"}
    dog = {"prompt": "a dog", "count": 2}
    server.enqueue(
        ToolCalls([ToolCall("generate_image", cat), ToolCall("generate_image", dog)], "Making both.", fragment_size=3)
    )
    server.enqueue(Text("Both are ready."))
    builder = TurnBuilder()
    for event in await collect(provider(server), [ChatMessage.user("draw")], tools=[TOOL]):
        builder.add(event)
    calls = builder.tool_calls
    assert [(c.id, c.name, c.arguments) for c in calls] == [
        ("call_fake_0", "generate_image", cat),
        ("call_fake_1", "generate_image", dog),
    ]
    assert builder.done == Done("tool_calls", raw_reason="tool_calls")
    assert server.chat_requests[0].body["tools"] == [
        {
            "type": "function",
            "function": {"name": "generate_image", "description": TOOL.description, "parameters": TOOL.input_schema},
        }
    ]
    follow_up = [
        ChatMessage.user("draw"),
        builder.message(),
        ChatMessage.tool_result(calls[0], '{"images": [{"id": "img1", "path": "/tmp/a.png"}]}'),
        ChatMessage.tool_result(calls[1], "count must be at most 1", is_error=True),
    ]
    events = await collect(provider(server), follow_up, tools=[TOOL])
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Both are ready."
    sent = server.chat_requests[1].body["messages"]
    assert sent[1:] == [
        {
            "role": "assistant",
            "content": "Making both.",
            "tool_calls": [
                {
                    "id": "call_fake_0",
                    "type": "function",
                    "function": {"name": "generate_image", "arguments": json.dumps(cat)},
                },
                {
                    "id": "call_fake_1",
                    "type": "function",
                    "function": {"name": "generate_image", "arguments": json.dumps(dog)},
                },
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call_fake_0",
            "content": '{"images": [{"id": "img1", "path": "/tmp/a.png"}]}',
        },
        {"role": "tool", "tool_call_id": "call_fake_1", "content": "Error: count must be at most 1"},
    ]
    assert "base64" not in json.dumps(server.chat_requests[1].body)


@pytest.mark.parametrize("style", ["whole", "whole-no-index"])
async def test_whole_calls_in_one_chunk_like_xai(server: FakeChatServer, style: str) -> None:
    server.enqueue(
        ToolCalls(
            [
                ToolCall("generate_image", {"prompt": "x"}, id="call_x1"),
                ToolCall("generate_image", {"prompt": "y"}, id="call_x2"),
            ],
            style=style,
        )
    )
    events = await collect(provider(server, "grok"), [ChatMessage.user("go")], tools=[TOOL])
    calls = [e.call for e in events if isinstance(e, ToolCallEvent)]
    assert [(c.id, c.arguments) for c in calls] == [("call_x1", {"prompt": "x"}), ("call_x2", {"prompt": "y"})]


async def test_invalid_json_arguments_are_kept_raw_and_replayed_as_empty_object(server: FakeChatServer) -> None:
    server.enqueue(ToolCalls([ToolCall("generate_image", '{"prompt": "unterminated')]))
    events = await collect(provider(server), [ChatMessage.user("go")], tools=[TOOL])
    call = next(e.call for e in events if isinstance(e, ToolCallEvent))
    assert call.arguments == {}
    assert call.raw_arguments == '{"prompt": "unterminated'
    assert call.parse_error is not None and "not valid JSON" in call.parse_error
    server.enqueue(Text("ok"))
    messages = [ChatMessage("assistant", tool_calls=[call]), ChatMessage.tool_result(call, "bad arguments")]
    await collect(provider(server), [ChatMessage.user("go"), *messages])
    assert server.chat_requests[1].body["messages"][1]["tool_calls"][0]["function"]["arguments"] == "{}"


async def test_gemini_thought_signature_is_echoed_back(server: FakeChatServer) -> None:
    extra = {"extra_content": {"google": {"thought_signature": "c2lnbmF0dXJl"}}}
    server.enqueue(ToolCalls([ToolCall("generate_image", {"prompt": "p"}, id="fc1", extra=extra)], style="whole"))
    events = await collect(provider(server, "google"), [ChatMessage.user("go")], tools=[TOOL])
    call = next(e.call for e in events if isinstance(e, ToolCallEvent))
    assert call.provider_data == {"extra": extra}
    server.enqueue(Text("done"))
    history = [ChatMessage.user("go"), ChatMessage("assistant", tool_calls=[call]), ChatMessage.tool_result(call, "ok")]
    await collect(provider(server, "google"), history)
    replayed = server.chat_requests[1].body["messages"][1]["tool_calls"][0]
    assert replayed["extra_content"] == extra["extra_content"]
    assert "stream_options" not in server.chat_requests[0].body  # not known to be accepted there


async def test_keyless_ollama_never_sends_the_environment_key(
    server: FakeChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-environment-SECRET")
    server.enqueue(Text("local reply"))
    events = await collect(provider(server, "ollama", key=None), [ChatMessage.user("hi")])
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "local reply"
    assert "sk-from-environment-SECRET" not in json.dumps(server.chat_requests[0].headers)


async def test_openrouter_comments_are_ignored_and_error_inside_200_stream_raises() -> None:
    with FakeChatServer("openai", keepalive_comments=True) as server:
        server.enqueue(ErrorInStream("Partial answer "))
        seen: list[ChatEvent] = []
        prov = provider(server, "openrouter")
        with pytest.raises(Unavailable) as info:
            async for event in prov.stream(model="m", messages=[ChatMessage.user("hi")]):
                seen.append(event)
        await prov.aclose()
    assert [e.text for e in seen if isinstance(e, TextDelta)] == ["Partial ", "answer "]
    assert "Upstream provider failed mid-stream" in str(info.value)
    assert info.value.status == 502
    assert server.chat_requests[0].headers["x-title"] == "quilltap-tui"


async def test_rate_limit_in_stream_maps_to_rate_limited(server: FakeChatServer) -> None:
    server.enqueue(ErrorInStream("", {"code": 429, "message": "Rate limit exceeded upstream"}))
    with pytest.raises(RateLimited):
        await collect(provider(server, "openrouter"), [ChatMessage.user("hi")])


async def test_429_with_retry_after_is_retried_through_the_one_loop_then_succeeds(server: FakeChatServer) -> None:
    server.enqueue(rate_limited(1.5), Text("after the wait"))
    sleep, notes = RecordingSleep(), list[Any]()
    events = await collect(provider(server, retries=2, sleep=sleep, notes=notes), [ChatMessage.user("hi")])
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "after the wait"
    assert len(server.chat_requests) == 2
    assert sleep.waits == [1.5]  # the server's wait, asked of the injected sleep: no real second passes
    assert notes == [(1, 1.5, "429 rate limited")]


async def test_a_stream_is_not_retried_once_text_has_arrived(server: FakeChatServer) -> None:
    server.enqueue(ErrorInStream("Partial ", {"code": 502, "message": "Upstream failed"}), Text("again"))
    sleep = RecordingSleep()
    with pytest.raises(Unavailable):
        await collect(provider(server, "openrouter", retries=2, sleep=sleep), [ChatMessage.user("hi")])
    assert sleep.waits == [] and len(server.chat_requests) == 1


async def test_429_without_retries_left_carries_retry_after(server: FakeChatServer) -> None:
    server.enqueue(rate_limited(7, ms=False))
    with pytest.raises(RateLimited) as info:
        await collect(provider(server), [ChatMessage.user("hi")])
    assert info.value.retry_after == 7
    assert info.value.exit_code == 5


async def test_insufficient_quota_is_not_retryable(server: FakeChatServer) -> None:
    body = {
        "error": {
            "message": "You exceeded your current quota.",
            "type": "insufficient_quota",
            "param": None,
            "code": "insufficient_quota",
        }
    }
    server.enqueue(HttpError(429, body))
    with pytest.raises(RateLimited) as info:
        await collect(provider(server), [ChatMessage.user("hi")])
    assert info.value.quota and not info.value.retryable


@pytest.mark.parametrize(
    ("reply", "error", "status"),
    [
        (HttpError(500), Unavailable, 500),
        (
            HttpError(
                400,
                {
                    "error": {
                        "message": "Invalid value for temperature",
                        "type": "invalid_request_error",
                        "param": "temperature",
                        "code": "invalid_value",
                    }
                },
            ),
            BadRequest,
            400,
        ),
        (
            HttpError(
                400,
                {
                    "error": {
                        "message": "Your request was rejected by the safety system.",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": "content_policy_violation",
                    }
                },
            ),
            ContentRefused,
            400,
        ),
        (
            HttpError(
                400, {"code": "Client specified an invalid argument", "error": "Incorrect API key provided: xa***."}
            ),
            AuthError,
            400,
        ),
    ],
)
async def test_status_errors_map_to_the_error_tree(
    server: FakeChatServer, reply: HttpError, error: type[ProviderError], status: int
) -> None:
    server.enqueue(reply)
    with pytest.raises(error) as info:
        await collect(provider(server), [ChatMessage.user("hi")])
    assert info.value.status == status
    if isinstance(info.value, BadRequest):
        assert info.value.field == "temperature"


async def test_rejected_key_error_never_contains_the_key(server: FakeChatServer) -> None:
    echo = {
        "error": {
            "message": f"Incorrect API key provided: {KEY}.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    server.enqueue(HttpError(401, echo))
    with pytest.raises(AuthError) as info:
        await collect(provider(server), [ChatMessage.user("hi")])
    assert KEY not in str(info.value)
    assert "OpenAI rejected the API key: " in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


async def test_malformed_json_chunk_raises_malformed_response(server: FakeChatServer) -> None:
    server.enqueue(Malformed("Some text "))
    with pytest.raises(MalformedResponse, match="not valid JSON"):
        await collect(provider(server), [ChatMessage.user("hi")])


async def test_cut_connection_and_early_end_are_errors(server: FakeChatServer) -> None:
    server.enqueue(Truncated("Half "), Truncated("Half ", clean=True))
    with pytest.raises(Unavailable, match="connection to OpenAI failed"):
        await collect(provider(server), [ChatMessage.user("hi")])
    with pytest.raises(MalformedResponse, match="stopped before it finished"):
        await collect(provider(server), [ChatMessage.user("hi")])


async def test_unanswered_tool_call_is_refused_before_sending(server: FakeChatServer) -> None:
    from quilltap_tui.chat.spec import ToolCallRequest

    call = ToolCallRequest(id="call_1", name="generate_image", arguments={"prompt": "p"})
    with pytest.raises(Invalid, match="call_1 has no result"):
        await collect(provider(server), [ChatMessage.user("go"), ChatMessage("assistant", tool_calls=[call])])
    assert server.chat_requests == []


async def test_params_go_to_the_sdk_or_extra_body(server: FakeChatServer) -> None:
    server.enqueue(Text("ok"))
    params = {"temperature": 0.2, "max_tokens": 50, "provider": {"order": ["x"]}}
    await collect(provider(server, "openrouter"), [ChatMessage.user("hi")], params=params)
    body = server.chat_requests[0].body
    assert (body["temperature"], body["max_tokens"], body["provider"]) == (0.2, 50, {"order": ["x"]})


async def test_list_models_and_validate_key() -> None:
    with FakeChatServer("openai", api_key=KEY) as server:
        prov = provider(server)
        assert await prov.list_models() == ["fake-chat-1", "fake-chat-2"]
        await prov.validate_key()
        router = provider(server, "openrouter")
        await router.validate_key()
        assert server.requests[-1].path == "/v1/key"  # /models proves nothing on OpenRouter
        bad = provider(server, key="sk-wrong-key-0000000000")
        with pytest.raises(AuthError):
            await bad.validate_key()
        for p in (prov, router, bad):
            await p.aclose()


async def test_the_request_is_byte_for_byte_what_the_sdks_own_create_sends(server: FakeChatServer) -> None:
    """Messages and tools skip the SDK's per-message transform (through ``extra_body``: issue 17, the follow-up
    request after a tool call); the body on the wire is unchanged, key order and profile parameters included."""
    import openai

    from quilltap_tui.chat.providers.openai_compat import build_request

    call = ToolCallRequest("call_1", "generate_image", {"prompt": "a fox"}, '{"prompt": "a fox"}')
    messages = [ChatMessage.user("draw a fox"), ChatMessage("assistant", tool_calls=[call]),
                ChatMessage.tool_result(call, '{"images": [{"id": "img1"}]}'), ChatMessage.user("again, but wider")]
    params = {"temperature": 0.3, "max_tokens": 300}
    server.enqueue(Text("Here."), Text("Here."))
    await collect(provider(server), messages, tools=[TOOL], params=params, system="Be brief.")
    request = build_request(model="gpt-test", messages=messages, tools=[TOOL], params=params, system="Be brief.",
                            include_usage=True)
    client = openai.AsyncOpenAI(api_key=KEY, base_url=server.base_url, max_retries=0)
    try:
        async with client.chat.completions.with_streaming_response.create(**request) as response:
            await response.read()
    finally:
        await client.close()
    ours, sdks = (r.raw for r in server.chat_requests)
    assert ours == sdks
    assert list(json.loads(ours)) == ["model", "stream", "messages", "stream_options", "tools", "temperature",
                                      "max_tokens"]
