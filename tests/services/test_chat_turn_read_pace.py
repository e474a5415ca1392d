"""How the TUI's turns read a long reply: in bursts of 60 ms, each handed to the screen's loop together."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quilltap_tui.chat.events import TextEvent, TurnEvent
from quilltap_tui.services import chat_turn_thread
from quilltap_tui.services.context import AppContext
from tests.chat_support import add_chat_profile, fakes, make_ctx, new_chat
from tests.fakes.chat_servers import FakeChatServer, Text
from tests.fakes.image_servers import FakeOpenAIImages


@pytest.fixture
def servers() -> Iterator[tuple[FakeChatServer, FakeOpenAIImages]]:
    yield from fakes("openai")


@pytest.fixture
def ctx(tmp_path: Path, servers: tuple[FakeChatServer, FakeOpenAIImages]) -> Iterator[AppContext]:
    context = make_ctx(tmp_path / "home")
    add_chat_profile(context, servers[0])
    yield context
    context.close()


async def test_a_reply_at_500_tokens_a_second_wakes_the_screens_loop_at_most_80_times_a_second(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each burst costs the turn thread a socket read and the screen's loop a few wake-ups (about four a burst):
    30 ms bursts woke it about 120 times a second, for text the screen draws at most about 7 times a second."""
    chat, _ = servers
    # The TUI's pace as it is, from the first token on (a real reply's first half second is read as it comes).
    monkeypatch.setattr(chat_turn_thread, "READ_IN_BURSTS", dataclasses.replace(chat_turn_thread.READ_IN_BURSTS,
                                                                                after=0.0))
    words = [f"word{n} " if n % 60 else f"\n\nword{n} " for n in range(1000)]
    chat.enqueue(Text(tokens=words, tps=500))
    loop = asyncio.get_running_loop()
    hand_overs = 0
    call_soon_threadsafe = loop.call_soon_threadsafe

    def counted(callback: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal hand_overs
        hand_overs += threading.current_thread().name == "quilltap-turns"
        return call_soon_threadsafe(callback, *args, **kwargs)

    monkeypatch.setattr(loop, "call_soon_threadsafe", counted)
    relayed: list[TurnEvent] = []
    started = time.monotonic()
    result = await chat_turn_thread.ask(ctx, new_chat(ctx), "go", relayed.append)
    took = time.monotonic() - started
    assert result.status == "complete"
    assert "".join(e.delta for e in relayed if isinstance(e, TextEvent)) == "".join(words)
    assert took >= 1.9  # the whole stream was read (two seconds of tokens)
    assert hand_overs <= 80 * took, (hand_overs, took)
