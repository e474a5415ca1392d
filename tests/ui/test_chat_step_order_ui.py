"""A turn on the chat screen (issue 17): the sent message is drawn only once the first chat request is out, and
in a tool turn the screen hears of the image only once the follow-up chat request is out (its decode, preview
and layout no longer delay that request); an image that came back at once brings its call's item with it, after
that request too. Every step is still shown in order: the message, the tool call, the image's preview under it,
then the reply; esc while a call is held still shows the call, cancelled."""

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
    # How many chat requests were out when the call's view was mounted, what it held and how many were out
    # when the image reached it. The loopback image server answers at once, so the call is done before it
    # has run SHOW_RUNNING_AFTER: the screen hears of it, with its image, once the follow-up request is out.
    at_mount: list[str] = []
    at_image: list[str] = []
    mounted = ToolCallView.on_mount
    finished = ToolCallView.set_result

    def on_mount(view: ToolCallView) -> None:
        at_mount.append(f"{len(chat.requests)} chat requests out")
        mounted(view)

    def result(view: ToolCallView, ok: bool, outcome: dict[str, Any]) -> None:
        placeholder = "placeholder up" if view.query_one(".image-placeholder").display else "no placeholder"
        at_image.append(f"{placeholder}, {len(chat.requests)} chat requests out")
        finished(view, ok, outcome)

    monkeypatch.setattr(ToolCallView, "on_mount", on_mount)
    monkeypatch.setattr(ToolCallView, "set_result", result)
    # Held steps go out when the next request is reported sent; the fallbacks for a request nobody reports
    # and for a call that runs on (0.1 s each) are the loop's own tests. Here a loaded machine building the
    # follow-up request for longer than that would show the call early, so they wait as long as a test may.
    monkeypatch.setattr(loop, "SHOW_WITHIN", 30.0)
    monkeypatch.setattr(loop, "SHOW_RUNNING_AFTER", 30.0)
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
    # The call and its image reached the screen only once the second chat request (with the tool's result)
    # had gone out (before this, the call's item was drawn while that request was being built: 1 out).
    assert at_mount == ["2 chat requests out"]
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


async def test_esc_while_a_call_is_held_still_shows_the_call_cancelled(
    make_app: Any, ctx: Any, fakes: Any, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """The call reaches the screen once it has run a moment (SHOW_RUNNING_AFTER); esc before that still shows it,
    cancelled, as the chat stores it."""
    from quilltap_tui.services import chats
    from tests.fakes.server import Reply
    from tests.ui.test_chat_ui import _enter, _type

    chat, images = fakes
    _setup(ctx, chat, images)
    chat.decider = tool_then_text(final_text="Here is your fox.")
    images.script(Reply(status=500, delay=20.0))  # the image is slow in coming: esc comes first
    monkeypatch.setattr(loop, "SHOW_RUNNING_AFTER", 30.0)  # the call is still held when esc comes
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await _type(pilot, "a fox")
        await _enter(pilot)
        await until(pilot, lambda: images.requests_to("/images/generations"), "the image request at the fake")
        assert not app.screen.query(ToolCallView)  # held: it has not run SHOW_RUNNING_AFTER yet
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.query(ToolCallView), "the cancelled call on screen")
        await settle(pilot)
        (call,) = app.screen.query(ToolCallView)
        assert (call.status, call.error) == ("cancelled", "Cancelled by the user.")
        assert not call.query_one(".image-placeholder").display and not call.images
        conversation = [w for w in app.screen.conversation.children if isinstance(w, (MessageView, ToolCallView))]
        assert [type(w).__name__ for w in conversation] == ["MessageView", "ToolCallView"]
    (chat_row,) = chats.list_chats(ctx)
    stored = chats.get_messages(ctx, chat_row.id)
    assert stored[1].tool_calls[0].status == "cancelled" and not stored[1].images
