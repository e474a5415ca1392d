"""The turn loop with an OpenAI-style chat upstream and a gpt-image image profile, both loopback fakes.

The follow-up request is asserted exactly: the assistant message with its ``tool_calls`` (arguments as
JSON strings), then one ``tool`` message per call with the matching id, and no image data anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from quilltap_tui.services.context import AppContext
from quilltap_tui.tools.edit_image import build_spec as edit_spec
from quilltap_tui.tools.generate_image import ImageToolProfile, build_spec
from quilltap_tui.tools.render import to_openai_chat
from tests.chat_support import add_chat_profile, add_image_profile, ask, fakes, make_ctx, new_chat, rows
from tests.fakes.chat_servers import FakeChatServer, Text, ToolCall, ToolCalls
from tests.fakes.image_servers import FakeOpenAIImages

CAT = {"prompt": "a cat on a windowsill", "size": "1792x1024", "quality": "hd"}
DOGS = {"prompt": "two dogs", "count": "2"}
IMAGE_FIELDS = {"id", "path", "width", "height", "mime_type"}


@pytest.fixture
def servers() -> Iterator[tuple[FakeChatServer, FakeOpenAIImages]]:
    yield from fakes("openai")


@pytest.fixture
def ctx(tmp_path: Path, servers: tuple[FakeChatServer, FakeOpenAIImages]) -> Iterator[AppContext]:
    context = make_ctx(tmp_path / "home")
    add_chat_profile(context, servers[0], system_prompt="You draw when asked.")
    add_image_profile(context, servers[1])
    yield context
    context.close()


async def test_parallel_fragmented_calls_run_and_results_go_back_in_openai_shape(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages], tmp_path: Path
) -> None:
    chat, images = servers
    chat.enqueue(
        ToolCalls(
            [ToolCall("generate_image", CAT, id="call_cat"), ToolCall("generate_image", DOGS, id="call_dogs")],
            text="Drawing both.",
            fragment_size=3,
        ),
        Text("Here they are."),
    )
    chat_id = new_chat(ctx)
    turn = await ask(ctx, chat_id, "draw a cat and two dogs")

    first, follow = (r.body for r in chat.chat_requests)
    profile = ImageToolProfile("art", "openai", "gpt-image-1")
    assert first["tools"] == [to_openai_chat(build_spec(profile)), to_openai_chat(edit_spec(profile))]
    assert first["messages"] == [
        {"role": "system", "content": "You draw when asked."},
        {"role": "user", "content": "draw a cat and two dogs"},
    ]
    messages = follow["messages"]
    assert messages[:3] == [
        first["messages"][0],
        first["messages"][1],
        {
            "role": "assistant",
            "content": "Drawing both.",
            "tool_calls": [
                {"id": "call_cat", "type": "function",
                 "function": {"name": "generate_image", "arguments": json.dumps(CAT)}},
                {"id": "call_dogs", "type": "function",
                 "function": {"name": "generate_image", "arguments": json.dumps(DOGS)}},
            ],
        },
    ]
    assert [(m["role"], m["tool_call_id"]) for m in messages[3:]] == [("tool", "call_cat"), ("tool", "call_dogs")]
    cat, dogs = (json.loads(m["content"]) for m in messages[3:])
    assert len(cat["images"]) == 1 and len(dogs["images"]) == 2
    assert all(set(image) == IMAGE_FIELDS for image in cat["images"] + dogs["images"])
    assert cat["used"]["size"] == "1536x1024" and cat["used"]["quality"] == "high"
    assert any("1792x1024" in w for w in cat["warnings"])
    assert "iVBOR" not in json.dumps(follow) and "b64_json" not in json.dumps(follow)  # no image data sent back

    sent = [r.json for r in images.requests_to("/images/generations")]
    assert sorted(b["prompt"] for b in sent) == ["a cat on a windowsill", "two dogs"]
    assert {b["prompt"]: b.get("n") for b in sent}["two dogs"] == 2

    kinds = [line["type"] for line in turn.lines]
    collapsed = [k for n, k in enumerate(kinds) if n == 0 or kinds[n - 1] != k]
    assert collapsed == ["text", "tool_call", "tool_result", "text", "done"]
    assert turn.lines[-1] == {"type": "done", "chat_id": chat_id, "message_id": turn.result.message_id}
    assert {r["id"]: r["ok"] for r in turn.of_type("tool_result")} == {"call_cat": True, "call_dogs": True}
    assert turn.text == "Drawing both.Here they are."
    home = tmp_path / "home"
    stored = rows(home, "select role, content, status from message where chat_id = ? order by seq", chat_id)
    assert stored == [
        ("user", "draw a cat and two dogs", "complete"),
        ("assistant", "Drawing both.", "complete"),
        ("assistant", "Here they are.", "complete"),
    ]
    linked = rows(
        home,
        "select g.file_path, t.call_id from generated_image g join tool_call t on t.id = g.tool_call_id "
        "where g.chat_id = ? and g.message_id = t.message_id",
        chat_id,
    )
    assert sorted(call for _, call in linked) == ["call_cat", "call_dogs", "call_dogs"]
    assert all((home / path).is_file() for path, _ in linked)


async def test_malformed_arguments_and_unknown_tool_get_error_results_and_the_turn_continues(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages], tmp_path: Path
) -> None:
    chat, images = servers
    chat.enqueue(
        ToolCalls([
            ToolCall("generate_image", '{"prompt": "a cat", ', id="call_bad"),
            ToolCall("make_video", {"prompt": "a cat"}, id="call_video"),
        ]),
        Text("Sorry, that did not work."),
    )
    chat_id = new_chat(ctx)
    turn = await ask(ctx, chat_id, "draw")

    results = {r["id"]: r for r in turn.of_type("tool_result")}
    assert results["call_bad"]["ok"] is False and "could not be read" in results["call_bad"]["result"]["error"]
    assert results["call_video"]["ok"] is False
    assert "no tool named 'make_video'" in results["call_video"]["result"]["error"]
    assert turn.result.status == "complete" and turn.text == "Sorry, that did not work."
    follow = chat.chat_requests[1].body["messages"]
    assistant = follow[2]
    assert [c["function"]["arguments"] for c in assistant["tool_calls"]] == ["{}", json.dumps({"prompt": "a cat"})]
    tool_texts = {m["tool_call_id"]: m["content"] for m in follow[3:]}
    assert set(tool_texts) == {"call_bad", "call_video"} and all(t.startswith("Error: {") for t in tool_texts.values())
    assert images.requests_to("/images/generations") == []
    stored = rows(tmp_path / "home", "select call_id, status, raw_arguments from tool_call order by call_id")
    assert stored == [("call_bad", "error", '{"prompt": "a cat", '), ("call_video", "error", None)]


async def test_failing_image_provider_is_a_tool_error_the_model_hears_about(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages]
) -> None:
    chat, _ = servers
    chat.enqueue(ToolCalls([ToolCall("generate_image", {"prompt": "[refuse] something"}, id="c1")]), Text("Blocked."))
    turn = await ask(ctx, new_chat(ctx), "draw")
    (result,) = turn.of_type("tool_result")
    assert result["ok"] is False and "refused" in result["result"]["error"]
    assert turn.result.status == "complete"
    tool_message = chat.chat_requests[1].body["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["content"].startswith("Error: ")


async def test_second_turn_rebuilds_the_whole_conversation_from_the_database(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages]
) -> None:
    chat, _ = servers
    chat.enqueue(ToolCalls([ToolCall("generate_image", {"prompt": "a boat"}, id="c1")]), Text("A boat."), Text("Ok."))
    chat_id = new_chat(ctx)
    await ask(ctx, chat_id, "draw a boat")
    await ask(ctx, chat_id, "thanks")
    last = chat.chat_requests[-1].body["messages"]
    assert [m["role"] for m in last] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert last[-2:] == [{"role": "assistant", "content": "A boat."}, {"role": "user", "content": "thanks"}]
    assert last[3]["content"] == chat.chat_requests[1].body["messages"][3]["content"]  # replayed unchanged
