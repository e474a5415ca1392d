"""A turn on the chat screen (issue 17): the sent message is drawn only once the first chat request is out, and
in a tool turn the screen hears of the image only once the follow-up chat request is out (its decode, preview
and layout no longer delay that request); every step is still shown in order: the message, the tool call with
its placeholder, the image's preview under it, then the reply."""

from __future__ import annotations

from typing import Any

import pytest

from quilltap_tui.chat import loop
from quilltap_tui.ui.screens import chat as chat_screen
from quilltap_tui.ui.widgets.message import MessageView
from quilltap_tui.ui.widgets.tool_call import ToolCallView
from tests.ui.conftest import SIZE, until
from tests.ui.scripted import Say, tool_then_text
from tests.ui.test_chat_ui import _send, _setup, fakes, settle  # noqa: F401  (fakes: a fixture)


async def test_the_image_is_shown_after_the_follow_up_request_left_and_in_its_place(
    make_app: Any, ctx: Any, fakes: Any, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    chat, images = fakes
    _setup(ctx, chat, images)
    chat.decider = tool_then_text(final_text="Here is your fox.")
    # What the call's view held, and how many chat requests were out, when the image reached it. When the
    # call itself gets mounted is not pinned to a request: its event leaves once the image request is out
    # (tests/chat/test_loop_step_order.py), and the loopback image server may answer, and the follow-up chat
    # request leave, before a loaded machine's screen has run the view's mount (seen in a two-worker run).
    at_image: list[str] = []
    finished = ToolCallView.set_result

    def result(view: ToolCallView, ok: bool, outcome: dict[str, Any]) -> None:
        placeholder = "placeholder up" if view.query_one(".image-placeholder").display else "no placeholder"
        at_image.append(f"{placeholder}, {len(chat.requests)} chat requests out")
        finished(view, ok, outcome)

    monkeypatch.setattr(ToolCallView, "set_result", result)
    # Held steps go out when the next request is reported sent; the fallback for a request nobody reports
    # (0.1 s) is the loop's own test. Here a loaded machine building the follow-up request for longer than
    # that would show the image early, so the fallback waits as long as a test may.
    monkeypatch.setattr(loop, "SHOW_WITHIN", 30.0)
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
    # The call stood with its placeholder up until the image came; the image reached the screen only once
    # the second chat request (with the tool's result) had gone out.
    assert at_image == ["placeholder up, 2 chat requests out"]


async def test_the_sent_message_is_drawn_once_the_first_chat_request_is_out(
    make_app: Any, ctx: Any, fakes: Any, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    chat, images = fakes
    _setup(ctx, chat, images)
    chat.enqueue(Say("Hello there."))
    at_mount: list[str] = []  # how many chat requests were out when the user's message reached the screen
    mounted = MessageView.on_mount

    def on_mount(view: MessageView) -> None:
        if view.role == "user":
            at_mount.append(f"{len(chat.requests)} chat requests out")
        mounted(view)

    monkeypatch.setattr(MessageView, "on_mount", on_mount)
    # As above: only the request's leaving releases the message (not the fallbacks for a turn that slow).
    monkeypatch.setattr(loop, "SHOW_WITHIN", 30.0)
    monkeypatch.setattr(chat_screen, "SHOW_SENT_WITHIN", 30.0)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await _send(pilot, "hello")
        shown = [(w.role, w.text) for w in app.screen.conversation.children if isinstance(w, MessageView)]
        assert shown == [("user", "hello"), ("assistant", "Hello there.")]
        assert app.screen.query_one("#prompt").text == ""
    assert at_mount == ["1 chat requests out"]


async def test_a_message_whose_turn_is_slow_to_store_it_is_still_shown_with_the_status(
    make_app: Any, ctx: Any, fakes: Any, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """The database held by another process: the turn waits to store the message, the screen does not."""
    import threading

    from quilltap_tui.chat import history

    chat, images = fakes
    _setup(ctx, chat, images)
    chat.enqueue(Say("Hello there."))
    stored = threading.Event()
    add_message = history.add_message

    def held(*args: Any, **kwargs: Any) -> Any:
        if args[2] == "user":
            stored.wait(30)  # a bound on a hang, released by the test
        return add_message(*args, **kwargs)

    monkeypatch.setattr(history, "add_message", held)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*"hello")
        await pilot.press("enter")
        await until(pilot, lambda: [w.text for w in app.screen.query(MessageView) if w.role == "user"] == ["hello"],
                    "the sent message while its turn waits to store it")
        assert app.screen.status.running and not chat.requests
        stored.set()
        await settle(pilot)
        shown = [(w.role, w.text) for w in app.screen.conversation.children if isinstance(w, MessageView)]
        assert shown == [("user", "hello"), ("assistant", "Hello there.")]
