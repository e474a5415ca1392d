"""A long reply streamed fast, one token per chunk, from the loopback chat server through the turn loop to the
screen: the turn reads it in bursts and hands each burst over at once, and the screen shows all of it, in
order, rendered as Markdown, with the view at its end."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets.markdown import MarkdownBlock

from quilltap_tui.services import chat_turn_thread, chats
from quilltap_tui.sse import ReadPace
from quilltap_tui.ui.widgets.conversation import Conversation
from quilltap_tui.ui.widgets.message import FrozenChunk, MessageView, TimedMarkdown
from tests.fakes.chat_servers import FakeChatServer, Text
from tests.ui.chat_waits import chat_with_profile, open_chat, press_enter
from tests.ui.conftest import SIZE, drain, until

REPLY = "".join([
    "# Lighthouses\n\n",
    *(f"Paragraph {n} tells how *keeper {n}* trimmed the **wick** before the storm came in.\n\n" for n in range(30)),
    "- the lens\n- the lamp\n- the log\n\n",
    "```python\nprint('beam')\n```\n\n",
    "The end of the `log`.",
])


async def test_a_fast_long_reply_reaches_the_screen_whole_in_order_and_rendered(
        make_app: Any, ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chat_turn_thread, "READ_IN_BURSTS", ReadPace(interval=0.02, after=0.0))
    tokens = [piece for line in REPLY.splitlines(keepends=True) for piece in line.split(" ") if piece]
    tokens = [token if token.endswith("\n") else token + " " for token in tokens]
    reply = "".join(tokens)
    with FakeChatServer("openai") as server:
        server.enqueue(Text(tokens=tokens, tps=2000))
        chat_id = chat_with_profile(ctx, server)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_chat(pilot, chat_id)
            await pilot.press(*"go")
            press_enter(pilot)
            await until(pilot, lambda: any(v.role == "assistant" and not v.live
                                           for v in app.screen.query(MessageView)), "the reply to end")
            await drain(pilot)
            answer = [v for v in app.screen.query(MessageView) if v.role == "assistant"][-1]
            assert answer.text == reply and answer.status == "complete"
            (body,) = answer.query(TimedMarkdown)  # the final render: one Markdown widget with the whole text
            assert body.source == reply and not answer.query(FrozenChunk)
            kinds = [type(block).__name__ for block in body.children if isinstance(block, MarkdownBlock)]
            assert kinds[0] == "MarkdownH1" and "MarkdownBulletList" in kinds and "MarkdownFence" in kinds
            view = app.screen.query_one(Conversation)
            await until(pilot, lambda: view.scroll_y == view.max_scroll_y > 0, "the view at the reply's end")
    assert chats.get_messages(ctx, chat_id)[-1].content == reply


async def test_while_reply_text_streams_the_status_clock_ticks_4_times_a_second_else_10(
        make_app: Any, ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each tick of the status line is a frame of the whole screen; while the reply's text shows the progress,
    the clock moves on 4 times a second (10 before the first text, and again once a tool runs)."""
    from quilltap_tui.ui.widgets.status import STREAMING_TICK, TICK, StatusLine

    ticks: list[float] = []
    original = StatusLine._run_every

    def recorded(self: StatusLine, tick: float, restart: bool = False) -> None:
        original(self, tick, restart)
        if self._timer is not None:
            ticks.append(self._timer._interval)

    monkeypatch.setattr(StatusLine, "_run_every", recorded)
    tokens = [f"word{n} " for n in range(100)]
    with FakeChatServer("openai") as server:
        server.enqueue(Text(tokens=tokens, tps=50))
        chat_id = chat_with_profile(ctx, server)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_chat(pilot, chat_id)
            await pilot.press(*"go")
            press_enter(pilot)
            status = app.screen.query_one(StatusLine)
            await until(pilot, lambda: any(v.role == "assistant" and v.live and v.text
                                           for v in app.screen.query(MessageView)), "the reply's first text")
            assert status.running and status.label == "Replying…"
            assert status._timer is not None and status._timer._interval == STREAMING_TICK
            await until(pilot, lambda: any(v.role == "assistant" and not v.live
                                           for v in app.screen.query(MessageView)), "the reply to end")
            await drain(pilot)
            assert not status.running
    assert ticks[0] == TICK and ticks[-1] == STREAMING_TICK  # 10 a second while waiting for the model
