"""The Anthropic chat provider, through the real anthropic SDK, against the fake upstream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from quilltap_tui.chat.providers.anthropic import THINKING_KEY, render_messages
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
from quilltap_tui.errors import AuthError, MalformedResponse, RateLimited, Unavailable
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
    overloaded,
    tool_then_text,
)
from tests.fakes.server import RecordingSleep

KEY = "sk-ant-test-0123456789abcdefSECRET"
TOOL = ToolSpec(
    "generate_image",
    "Make an image from a prompt.",
    {"type": "object", "properties": {"prompt": {"type": "string"}}, "required": ["prompt"]},
)


@pytest.fixture
def server() -> Iterator[FakeChatServer]:
    with FakeChatServer("anthropic", api_key=KEY) as fake:
        yield fake


def provider(server: FakeChatServer, key: str = KEY, retries: int = 0, base_url: str | None = None,
             sleep: RecordingSleep | None = None) -> Any:
    return get_chat_provider("anthropic", api_key=key, base_url=base_url or server.base_url, max_retries=retries,
                             sleep=sleep or RecordingSleep())


async def collect(prov: Any, messages: list[ChatMessage], **kwargs: Any) -> list[ChatEvent]:
    try:
        return [event async for event in prov.stream(model="claude-test", messages=messages, **kwargs)]
    finally:
        await prov.aclose()


async def test_text_stream_system_top_level_and_default_max_tokens(server: FakeChatServer) -> None:
    server.enqueue(Text("Hi there."))
    messages = [ChatMessage.system("Use short answers."), ChatMessage.user("hello")]
    events = await collect(provider(server), messages, system="You are Quilltap.")
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hi ", "there."]
    assert Usage(12, 7) in events
    assert events[-1] == Done("stop", raw_reason="end_turn")
    body = server.chat_requests[0].body
    assert body["system"] == "You are Quilltap.\n\nUse short answers."
    assert body["messages"] == [{"role": "user", "content": "hello"}]
    assert body["max_tokens"] == 4096
    assert body["stream"] is True


async def test_params_override_max_tokens_and_unknown_ones_pass_through(server: FakeChatServer) -> None:
    server.enqueue(Text("ok"))
    await collect(
        provider(server), [ChatMessage.user("hi")], params={"max_tokens": 300, "temperature": 0.1, "custom_flag": True}
    )
    body = server.chat_requests[0].body
    assert (body["max_tokens"], body["temperature"], body["custom_flag"]) == (300, 0.1, True)


async def test_tool_use_with_empty_first_fragment_and_parallel_calls(server: FakeChatServer) -> None:
    first = {"prompt": "a lighthouse at dusk", "aspect_ratio": "3:2"}
    second = {"prompt": "a harbour", "count": 1}
    server.enqueue(
        ToolCalls(
            [ToolCall("generate_image", first), ToolCall("generate_image", second)], "I'll draw both.", fragment_size=5
        )
    )
    builder = TurnBuilder()
    for event in await collect(provider(server), [ChatMessage.user("draw")], tools=[TOOL]):
        builder.add(event)
    assert "".join(builder.text) == "I'll draw both."
    assert [(c.id, c.name, c.arguments) for c in builder.tool_calls] == [
        ("toolu_fake_0", "generate_image", first),
        ("toolu_fake_1", "generate_image", second),
    ]
    assert builder.done == Done("tool_calls", raw_reason="tool_use")
    assert server.chat_requests[0].body["tools"] == [
        {"name": "generate_image", "description": TOOL.description, "input_schema": TOOL.input_schema}
    ]


async def test_tool_use_without_any_fragment_has_empty_arguments(server: FakeChatServer) -> None:
    server.enqueue(ToolCalls([ToolCall("generate_image", {})], style="empty"))
    events = await collect(provider(server), [ChatMessage.user("draw")], tools=[TOOL])
    call = next(e.call for e in events if isinstance(e, ToolCallEvent))
    assert (call.arguments, call.raw_arguments, call.parse_error) == ({}, "", None)


async def test_follow_up_puts_all_tool_results_first_in_one_user_message(server: FakeChatServer) -> None:
    calls = [
        ToolCallRequest("toolu_a", "generate_image", {"prompt": "a"}),
        ToolCallRequest("toolu_b", "generate_image", {"prompt": "b"}),
    ]
    history = [
        ChatMessage.user("draw two"),
        ChatMessage("assistant", "Drawing.", tool_calls=calls),
        ChatMessage.tool_result(calls[0], '{"images": [{"id": "img1", "path": "/tmp/a.png"}]}'),
        ChatMessage.tool_result(calls[1], "The provider refused the prompt.", is_error=True),
        ChatMessage.user("and make them blue next time"),
    ]
    server.enqueue(Text("Noted."))
    await collect(provider(server), history, tools=[TOOL])
    sent = server.chat_requests[0].body["messages"]
    assert sent == [
        {"role": "user", "content": "draw two"},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Drawing."},
                {"type": "tool_use", "id": "toolu_a", "name": "generate_image", "input": {"prompt": "a"}},
                {"type": "tool_use", "id": "toolu_b", "name": "generate_image", "input": {"prompt": "b"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_a",
                    "content": '{"images": [{"id": "img1", "path": "/tmp/a.png"}]}',
                },
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_b",
                    "content": "The provider refused the prompt.",
                    "is_error": True,
                },
                {"type": "text", "text": "and make them blue next time"},
            ],
        },
    ]
    assert "base64" not in json.dumps(sent)


async def test_scripted_llm_calls_the_tool_then_answers_after_the_result(server: FakeChatServer) -> None:
    server.decider = tool_then_text(final_text="Here is your lighthouse.")
    builder = TurnBuilder()
    for event in await collect(provider(server), [ChatMessage.user("a lighthouse")], tools=[TOOL]):
        builder.add(event)
    (call,) = builder.tool_calls
    assert call.arguments == {"prompt": "a lighthouse"}
    history = [ChatMessage.user("a lighthouse"), builder.message(), ChatMessage.tool_result(call, "saved img1")]
    events = await collect(provider(server), history, tools=[TOOL])
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Here is your lighthouse."


def test_thinking_blocks_are_replayed_before_tool_use() -> None:
    thinking = [{"type": "thinking", "thinking": "plan", "signature": "sig=="}]
    call = ToolCallRequest("toolu_t", "generate_image", {"prompt": "p"})
    message = ChatMessage("assistant", tool_calls=[call], provider_data={THINKING_KEY: thinking})
    _, rendered = render_messages([ChatMessage.user("go"), message, ChatMessage.tool_result(call, "ok")])
    assert rendered[1]["content"][0] == thinking[0]
    assert rendered[1]["content"][1]["type"] == "tool_use"


async def test_both_auth_header_forms_are_accepted_by_the_fake_and_key_is_sent(server: FakeChatServer) -> None:
    server.enqueue(Text("ok"))
    await collect(provider(server), [ChatMessage.user("hi")])
    headers = server.chat_requests[0].headers
    assert headers.get("x-api-key") == KEY or headers.get("authorization") == f"Bearer {KEY}"
    assert "anthropic-version" in headers


async def test_base_url_with_v1_is_accepted(server: FakeChatServer) -> None:
    server.enqueue(Text("ok"))
    events = await collect(provider(server, base_url=server.base_url + "/v1"), [ChatMessage.user("hi")])
    assert isinstance(events[-1], Done)


async def test_529_overloaded_maps_to_unavailable(server: FakeChatServer) -> None:
    server.enqueue(overloaded())
    with pytest.raises(Unavailable) as info:
        await collect(provider(server), [ChatMessage.user("hi")])
    assert info.value.status == 529
    assert info.value.retryable


async def test_529_is_retried_through_the_one_loop_then_succeeds(server: FakeChatServer) -> None:
    server.enqueue(HttpError(529, headers={"retry-after-ms": "10"}), Text("recovered"))
    sleep = RecordingSleep()
    events = await collect(provider(server, retries=2, sleep=sleep), [ChatMessage.user("hi")])
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "recovered"
    assert len(server.chat_requests) == 2
    assert sleep.waits == [0.01]


async def test_mid_stream_overloaded_error_event_raises_after_partial_text(server: FakeChatServer) -> None:
    server.enqueue(ErrorInStream("Starting "))
    seen: list[ChatEvent] = []
    prov = provider(server)
    with pytest.raises(Unavailable, match="Overloaded") as info:
        async for event in prov.stream(model="m", messages=[ChatMessage.user("hi")]):
            seen.append(event)
    await prov.aclose()
    assert [e.text for e in seen if isinstance(e, TextDelta)] == ["Starting "]
    assert info.value.status == 529


async def test_429_carries_retry_after(server: FakeChatServer) -> None:
    server.enqueue(HttpError(429, headers={"retry-after": "12"}))
    with pytest.raises(RateLimited) as info:
        await collect(provider(server), [ChatMessage.user("hi")])
    assert info.value.retry_after == 12


async def test_wrong_key_is_auth_error_without_the_key_in_the_message(server: FakeChatServer) -> None:
    wrong = "sk-ant-wrong-key-9876543210zyxwvu"
    server.enqueue(
        HttpError(
            401, {"type": "error", "error": {"type": "authentication_error", "message": f"invalid x-api-key {wrong}"}}
        )
    )
    with pytest.raises(AuthError) as info:
        await collect(provider(server, key=wrong), [ChatMessage.user("hi")])
    assert wrong not in str(info.value)
    assert "Anthropic rejected the API key: " in str(info.value)


async def test_malformed_and_unfinished_streams(server: FakeChatServer) -> None:
    server.enqueue(Malformed(), Truncated("Half ", clean=True))
    with pytest.raises(MalformedResponse, match="not valid JSON"):
        await collect(provider(server), [ChatMessage.user("hi")])
    with pytest.raises(MalformedResponse, match="stopped before it finished"):
        await collect(provider(server), [ChatMessage.user("hi")])


async def test_list_models_and_validate_key(server: FakeChatServer) -> None:
    prov = provider(server)
    assert await prov.list_models() == ["fake-chat-1", "fake-chat-2"]
    await prov.validate_key()
    await prov.aclose()
    bad = provider(server, key="sk-ant-not-the-right-one-000")
    with pytest.raises(AuthError):
        await bad.validate_key()
    await bad.aclose()
