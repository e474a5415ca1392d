"""The turn loop with an Anthropic chat upstream (``tool_use`` via ``input_json_delta``) and gpt-image.

The follow-up must hold every ``tool_result`` first, in ONE user message, with matching ids and
``is_error`` on the failed call, and carry no image data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from quilltap_tui.services.context import AppContext
from quilltap_tui.tools.edit_image import build_spec as edit_spec
from quilltap_tui.tools.generate_image import ImageToolProfile, build_spec
from quilltap_tui.tools.render import to_anthropic
from tests.chat_support import add_chat_profile, add_image_profile, ask, fakes, is_file, make_ctx, new_chat, rows
from tests.fakes.chat_servers import ErrorInStream, FakeChatServer, Text, ToolCall, ToolCalls
from tests.fakes.image_servers import FakeOpenAIImages

GOOD = {"prompt": "a red fox in snow", "aspect_ratio": "16:9"}
REFUSED = {"prompt": "[refuse] forbidden"}


@pytest.fixture
def servers() -> Iterator[tuple[FakeChatServer, FakeOpenAIImages]]:
    yield from fakes("anthropic")


@pytest.fixture
def ctx(tmp_path: Path, servers: tuple[FakeChatServer, FakeOpenAIImages]) -> Iterator[AppContext]:
    context = make_ctx(tmp_path / "home")
    add_chat_profile(context, servers[0], system_prompt="Be brief.")
    add_image_profile(context, servers[1])
    yield context
    context.close()


async def test_tool_results_go_back_first_in_one_user_message_with_is_error(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages], tmp_path: Path
) -> None:
    chat, _ = servers
    chat.enqueue(
        ToolCalls(
            [ToolCall("generate_image", GOOD, id="toolu_fox"), ToolCall("generate_image", REFUSED, id="toolu_no")],
            text="Let me draw.",
            fragment_size=5,
        ),
        Text("One worked."),
    )
    chat_id = new_chat(ctx)
    turn = await ask(ctx, chat_id, "draw a fox")

    first, follow = (r.body for r in chat.chat_requests)
    assert first["system"] == "Be brief."
    profile = ImageToolProfile("art", "openai", "gpt-image-1")
    assert first["tools"] == [to_anthropic(build_spec(profile)), to_anthropic(edit_spec(profile))]
    assert follow["messages"][:2] == [
        {"role": "user", "content": "draw a fox"},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me draw."},
                {"type": "tool_use", "id": "toolu_fox", "name": "generate_image", "input": GOOD},
                {"type": "tool_use", "id": "toolu_no", "name": "generate_image", "input": REFUSED},
            ],
        },
    ]
    assert len(follow["messages"]) == 3
    results = follow["messages"][2]
    assert results["role"] == "user"
    fox, refused = results["content"]
    assert (fox["type"], fox["tool_use_id"], fox.get("is_error")) == ("tool_result", "toolu_fox", None)
    assert (refused["type"], refused["tool_use_id"], refused["is_error"]) == ("tool_result", "toolu_no", True)
    fox_result = json.loads(fox["content"])
    assert fox_result["used"]["size"] == "1536x1024"  # 16:9 sent as the nearest gpt-image size
    assert is_file(fox_result["images"][0]["path"])
    assert "refused" in json.loads(refused["content"])["error"]
    assert "iVBOR" not in json.dumps(follow)

    assert {r["id"]: r["ok"] for r in turn.of_type("tool_result")} == {"toolu_fox": True, "toolu_no": False}
    assert turn.result.status == "complete" and turn.text == "Let me draw.One worked."
    calls = rows(tmp_path / "home", "select call_id, status from tool_call where chat_id = ? order by call_id", chat_id)
    assert calls == [("toolu_fox", "ok"), ("toolu_no", "error")]


async def test_empty_input_call_and_a_mid_stream_error_keep_a_clear_saved_state(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages], tmp_path: Path
) -> None:
    chat, images = servers
    chat.enqueue(
        ToolCalls([ToolCall("generate_image", {}, id="toolu_empty")], style="empty"),
        ErrorInStream(text_before="I will now "),
    )
    chat_id = new_chat(ctx)
    turn = await ask(ctx, chat_id, "draw something")

    (result,) = turn.of_type("tool_result")
    assert result["ok"] is False and "prompt is required" in result["result"]["error"]
    assert images.requests == []
    (error,) = turn.of_type("error")
    assert "overloaded" in error["message"].lower()
    assert turn.result.status == "error" and turn.lines[-1]["type"] == "done"
    stored = rows(tmp_path / "home", "select role, content, status, error from message where chat_id = ? order by seq",
                  chat_id)
    assert stored[0][:3] == ("user", "draw something", "complete")
    assert stored[-1][:3] == ("assistant", "I will now ", "error")
    assert stored[-1][3] == error["message"]
