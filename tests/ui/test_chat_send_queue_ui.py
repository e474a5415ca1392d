"""Sending while a reply streams: the message waits in the conversation, marked queued, and goes as its own
turn when the reply ends; ctrl+r takes it back, esc gives every queued message back to the prompt."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from quilltap_tui.services import chats
from quilltap_tui.ui.widgets.message import MessageView
from quilltap_tui.ui.widgets.prompt import PromptArea
from tests.fakes.chat_servers import FakeChatServer, Recorded, Text, last_user_text
from tests.ui.chat_waits import chat_server, chat_with_profile, open_chat, press_enter, type_text, until
from tests.ui.conftest import SIZE

__all__ = ["chat_server"]


@pytest.fixture
def gate(chat_server: FakeChatServer) -> Iterator[threading.Event]:
    """The first question's answer waits for this gate: the reply is "still coming" until the test opens it."""
    opened = threading.Event()

    def decide(request: Recorded) -> Text:
        if last_user_text(request.body) == "first question":
            opened.wait(30)
            return Text("first answer")
        return Text(f"answer to {last_user_text(request.body)}")

    chat_server.decider = decide
    yield opened
    opened.set()  # never leave a server thread waiting


def _shown(screen: Any) -> list[tuple[str, str, str]]:
    return [(v.role, v.text, v.status) for v in screen.query(MessageView)]


async def _send(pilot: Any, text: str) -> None:
    await type_text(pilot, text)
    press_enter(pilot)


async def test_a_message_sent_while_a_reply_streams_is_queued_then_sent_on_its_own(
        make_app: Any, ctx: Any, chat_server: FakeChatServer, gate: threading.Event) -> None:
    chat_id = chat_with_profile(ctx, chat_server)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_chat(pilot, chat_id)
        await _send(pilot, "first question")
        await until(pilot, lambda: screen.turn_worker is not None and chat_server.chat_requests, "the first request")
        await _send(pilot, "second question")
        await until(pilot, lambda: screen.queued == ["second question"], "the second message to queue")
        assert _shown(screen) == [("user", "first question", "complete"), ("user", "second question", "queued")]
        queued_view = list(screen.query(MessageView))[-1]
        assert "queued" in str(queued_view.query_one(".message-head").render())
        assert queued_view.has_class("-queued")
        assert screen.query_one(PromptArea).text == ""  # not refused: the prompt is free for the next one
        assert "ctrl+r" in {b.binding.key for b in screen.active_bindings.values()}  # the un-queue key is live
        assert len(chat_server.chat_requests) == 1
        gate.set()
        await until(pilot, lambda: len(screen.query(MessageView)) == 4 and screen.turn_worker is None,
                    "both replies")
        assert _shown(screen) == [("user", "first question", "complete"), ("assistant", "first answer", "complete"),
                                  ("user", "second question", "complete"),
                                  ("assistant", "answer to second question", "complete")]
        assert not screen.query(".-queued")
    assert [last_user_text(r.body) for r in chat_server.chat_requests] == ["first question", "second question"]
    stored = [(m.role, m.content) for m in chats.get_messages(ctx, chat_id)]
    assert stored == [("user", "first question"), ("assistant", "first answer"), ("user", "second question"),
                      ("assistant", "answer to second question")]


async def test_queued_messages_can_be_taken_back_and_esc_returns_them_unsent(
        make_app: Any, ctx: Any, chat_server: FakeChatServer, gate: threading.Event) -> None:
    chat_id = chat_with_profile(ctx, chat_server)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_chat(pilot, chat_id)
        await _send(pilot, "first question")
        await until(pilot, lambda: chat_server.chat_requests, "the first request")
        await _send(pilot, "second")
        await _send(pilot, "third")
        await until(pilot, lambda: screen.queued == ["second", "third"], "two queued messages")
        await pilot.press("ctrl+r")  # the newest goes back into the prompt
        await until(pilot, lambda: screen.queued == ["second"], "the un-queue")
        prompt = screen.query_one(PromptArea)
        assert prompt.text == "third"
        assert [v.text for v in screen.query(MessageView)] == ["first question", "second"]
        await pilot.press("escape")  # cancels the reply: the queued message is not sent behind the user's back
        await until(pilot, lambda: not screen.queued and screen.turn_worker is None, "the cancel")
        await until(pilot, lambda: prompt.text == "second\n\nthird", "the queued message back in the prompt")
        assert [v.text for v in screen.query(MessageView)] == ["first question"]
        assert type(app.screen).__name__ == "ChatScreen"  # esc cancelled, it did not leave
    assert [last_user_text(r.body) for r in chat_server.chat_requests] == ["first question"]


async def test_leaving_the_chat_leaves_queued_messages_unsent_and_says_so(
        make_app: Any, ctx: Any, chat_server: FakeChatServer, gate: threading.Event) -> None:
    chat_id = chat_with_profile(ctx, chat_server)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_chat(pilot, chat_id)
        await _send(pilot, "first question")
        await until(pilot, lambda: chat_server.chat_requests, "the first request")
        await _send(pilot, "second")
        await until(pilot, lambda: screen.queued == ["second"], "the queued message")
        app.pop_screen()
        await until(pilot, lambda: not screen.is_attached, "the chat to close")
        gate.set()
        await until(pilot, lambda: any("queued message was not sent" in str(n.message) for n in app._notifications),
                    "the toast")
    assert [last_user_text(r.body) for r in chat_server.chat_requests] == ["first question"]
