"""A tool turn on the chat screen (issue 17): the screen hears of the image only once the follow-up chat
request is out (its decode, preview and layout no longer delay that request), and still shows every step in
order: the tool call with its placeholder, the image's preview under it, then the reply."""

from __future__ import annotations

from typing import Any

import pytest

from quilltap_tui.ui.widgets.message import MessageView
from quilltap_tui.ui.widgets.tool_call import ToolCallView
from tests.ui.conftest import SIZE, until
from tests.ui.scripted import tool_then_text
from tests.ui.test_chat_ui import _send, _setup, fakes, settle  # noqa: F401  (fakes: a fixture)


async def test_the_image_is_shown_after_the_follow_up_request_left_and_in_its_place(
    make_app: Any, ctx: Any, fakes: Any, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    chat, images = fakes
    _setup(ctx, chat, images)
    chat.decider = tool_then_text(final_text="Here is your fox.")
    requests_made: dict[str, int] = {}  # chat requests already out when the screen handled each step
    started, finished = ToolCallView.on_mount, ToolCallView.set_result

    def mounted(view: ToolCallView) -> None:
        requests_made.setdefault("tool call shown", len(chat.requests))
        started(view)

    def result(view: ToolCallView, ok: bool, outcome: dict[str, Any]) -> None:
        requests_made["image shown"] = len(chat.requests)
        requests_made["placeholder up"] = int(bool(view.query_one(".image-placeholder").display))
        finished(view, ok, outcome)

    monkeypatch.setattr(ToolCallView, "on_mount", mounted)
    monkeypatch.setattr(ToolCallView, "set_result", result)
    app = make_app(image_protocol="halfcell")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("enter")  # a new chat with the default profiles
        await settle(pilot)
        await _send(pilot, "a fox in the snow")
        (call,) = app.screen.query(ToolCallView)
        await until(pilot, lambda: call.query(".preview-image"), "the image's preview")
        assert call.status == "ok" and len(call.images) == 1
        conversation = [w for w in app.screen.conversation.children if isinstance(w, (MessageView, ToolCallView))]
        assert [(type(w).__name__, getattr(w, "role", "")) for w in conversation] == [
            ("MessageView", "user"), ("ToolCallView", ""), ("MessageView", "assistant")]
        reply = conversation[2]
        assert isinstance(reply, MessageView) and reply.text == "Here is your fox."
    assert len(images.requests_to("/images/generations")) == 1
    # The call was on screen (its placeholder up) while the image was made; the image reached the screen
    # only once the second chat request (with the tool's result) had gone out.
    assert requests_made == {"tool call shown": 1, "placeholder up": 1, "image shown": 2}
