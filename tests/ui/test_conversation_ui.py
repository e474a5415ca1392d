"""The conversation view follows a growing reply within the frame that grows it, and only while followed.

Before, the chat scrolled to the end after the refresh: each growth of a reply showed one frame with the
new lines still below the view, then a second full frame scrolled. Each test records the scroll position
the screen was drawn with, frame by frame.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from quilltap_tui.ui.widgets.conversation import Conversation
from quilltap_tui.ui.widgets.message import MessageView
from tests.ui.conftest import flushed, quiet, until


class Chat(App[None]):
    CSS = "Conversation { height: 12; }"

    def compose(self) -> ComposeResult:
        yield Conversation()


def record_frames(monkeypatch: pytest.MonkeyPatch, app: App[None]) -> list[tuple[float, int]]:
    """(scroll_y, max_scroll_y) of the conversation as each layout pass left it for the screen."""
    frames: list[tuple[float, int]] = []
    original = Screen._refresh_layout

    def recorded(self: Screen[Any], *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        view = app.query_one(Conversation)
        frames.append((view.scroll_y, view.max_scroll_y))

    monkeypatch.setattr(Screen, "_refresh_layout", recorded)
    return frames


async def open_long_chat(app: Any, ctx: Any, pilot: Any) -> Conversation:
    """Open a 30-message chat (with a chat profile) and wait until it is shown at its end."""
    from quilltap_tui.chat.history import add_message
    from quilltap_tui.services import chats, keys, profiles
    from quilltap_tui.services.chat_turn_store import SqlTurnStore
    from tests.ui.conftest import settle

    keys.add_key(ctx, provider="openai", label="chat", secret="sk-chat-test-0123456789abcdef")
    profiles.create(ctx, profiles.CHAT, name="main", provider="openai", model="m", key="chat",
                    base_url="http://127.0.0.1:9/v1", default=True)
    chat_id = chats.create_chat(ctx, title="Long").id
    for n in range(1, 31):
        add_message(SqlTurnStore(ctx.db), chat_id, "user" if n % 2 else "assistant", f"message {n}")
    await settle(pilot)
    app.screen.query_one("ChatList").open_chat(chat_id)
    for _ in range(100):
        await settle(pilot)
        view: Conversation = app.screen.query_one(Conversation)
        if view.max_scroll_y > 0 and view.scroll_y == view.max_scroll_y:
            break
    return view


async def filled(app: Chat, pilot: Any, lines: int) -> Conversation:
    """The conversation with ``lines`` one-line messages, scrolled to its end."""
    view = app.query_one(Conversation)
    await view.mount_all([Static(f"message {n}") for n in range(lines)])
    view.scroll_end(animate=False)
    await pilot.pause()
    await pilot.pause()
    return view


async def grow(pilot: Any, reply: MessageView, lines: range) -> None:
    """The reply grows by each line in turn, each handed to its Markdown and drawn before the next arrives."""
    for n in lines:
        reply.add_text(f"line {n} of the reply\n\n")
        await until(pilot, partial(flushed, reply), f"line {n} handed over")
        await pilot.pause()


async def test_a_growing_reply_is_drawn_scrolled_to_its_end_in_every_frame(monkeypatch: pytest.MonkeyPatch,
                                                                           instant_pacing: None) -> None:
    app = Chat()
    async with app.run_test(size=(60, 16)) as pilot:
        view = await filled(app, pilot, 20)
        assert view.scroll_y == view.max_scroll_y > 0
        frames = record_frames(monkeypatch, app)
        reply = MessageView("assistant", live=True)
        await view.mount(reply)
        await grow(pilot, reply, range(12))
        reply.finish()
        await until(pilot, lambda: quiet(app), "the reply's last render")
        await pilot.pause()
        grown = [frame for frame in frames if frame[1] > 8]
        assert grown, "the reply never grew the conversation"
        assert all(scroll_y == max_y for scroll_y, max_y in frames), frames
        assert view.region.y <= reply.region.bottom - 1 < view.region.bottom  # its last line is on screen


async def test_a_short_conversation_starts_at_the_top_and_follows_from_its_first_overflow(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = Chat()
    async with app.run_test(size=(60, 16)) as pilot:
        view = app.query_one(Conversation)
        first = Static("the first message")
        await view.mount_all([first, Static("the second")])
        await pilot.pause()
        assert view.scroll_y == 0 and first.region.y == view.region.y  # not pushed off or down the view
        frames = record_frames(monkeypatch, app)
        await view.mount_all([Static(f"more {n}") for n in range(20)])  # a whole page at once, as a chat opens
        await pilot.pause()
        assert frames and all(scroll_y == max_y for scroll_y, max_y in frames), frames
        assert view.scroll_y == view.max_scroll_y > 0
        last = Static("and the newest")
        await view.mount(last)
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y and last.region.bottom == view.region.bottom


async def test_a_reader_who_scrolled_up_is_not_moved_by_new_lines() -> None:
    app = Chat()
    async with app.run_test(size=(60, 16)) as pilot:
        view = await filled(app, pilot, 30)
        view.following = False  # what the chat screen sets when the reader scrolls up
        view.scroll_to(y=5, animate=False)
        await pilot.pause()
        await view.mount_all([Static(f"new {n}") for n in range(5)])
        await pilot.pause()
        assert view.scroll_y == 5 and view.max_scroll_y > 5


async def test_the_chat_screen_stops_following_when_the_reader_scrolls_up(make_app: Any, ctx: Any) -> None:
    from tests.ui.conftest import SIZE, settle

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        view = await open_long_chat(app, ctx, pilot)
        assert view.following
        view.focus()  # the reader moves to the conversation and pages up
        await pilot.pause()
        assert app.focused is view  # else the prompt would take the page-up key
        await pilot.press("pageup")
        await settle(pilot)
        held = view.scroll_y
        view.styles.height = 10  # a shorter view: the content still overflows, and the reader stays put
        await settle(pilot)
        assert view.scroll_y == held
        assert not view.following and held < view.max_scroll_y
        await view.mount(MessageView("assistant", "a reply that arrived meanwhile"))
        await settle(pilot)
        assert view.scroll_y == held  # not pulled to the end
        app.screen.follow_end()  # what sending a message does: back to the end
        await settle(pilot)
        assert view.following and view.scroll_y == view.max_scroll_y


async def test_a_page_up_during_a_stream_stops_following_at_once(make_app: Any, ctx: Any,
                                                                 instant_pacing: None) -> None:
    """The page-up scroll is animated: its first steps are still near the end. The growing reply must not pull
    the view back down meanwhile (it did: the reader could not scroll up while a reply streamed)."""
    from tests.ui.conftest import SIZE

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        view = await open_long_chat(app, ctx, pilot)
        reply = MessageView("assistant", live=True)
        await view.mount(reply)
        await grow(pilot, reply, range(5))
        assert view.following and view.scroll_y == view.max_scroll_y
        view.focus()
        await pilot.pause()
        assert app.focused is view  # else the prompt would take the page-up key
        await pilot.press("pageup")
        await grow(pilot, reply, range(5, 10))  # the reply grows while the scroll animates
        await pilot.wait_for_animation()
        held = view.scroll_y
        assert not view.following and held < view.max_scroll_y - 10
        await grow(pilot, reply, range(10, 15))
        assert view.scroll_y == held
        await pilot.press("end")  # back to the end: following again
        await pilot.wait_for_animation()
        await grow(pilot, reply, range(15, 20))
        assert view.following and view.scroll_y == view.max_scroll_y
