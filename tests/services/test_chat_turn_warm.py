"""Warming the TUI's first turn (services/chat_turn_warm.py): each chat provider's request is built and answered
in memory, nothing leaves the process, no key is read, a plug-in's provider is not run, and the first turn after
it goes as usual."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quilltap_tui.chat.events import TurnEvent
from quilltap_tui.services import chat_turn_thread, chat_turn_warm
from quilltap_tui.services.context import AppContext
from tests.chat_support import add_chat_profile, make_ctx, new_chat, rows
from tests.fakes.chat_servers import FakeChatServer, Text
from tests.ui.conftest import scripted_chat  # noqa: F401  (a fixture)


@pytest.fixture
def chat() -> Iterator[FakeChatServer]:
    with FakeChatServer("openai") as server:
        yield server


@pytest.fixture
def ctx(tmp_path: Path, chat: FakeChatServer) -> Iterator[AppContext]:
    context = make_ctx(tmp_path / "home")
    add_chat_profile(context, chat)
    yield context
    context.close()


@pytest.mark.parametrize("provider", ["openai", "anthropic", "openrouter"])
async def test_each_providers_request_is_built_and_answered_in_memory(provider: str) -> None:
    assert await chat_turn_warm.stub_request(provider) == 1


async def test_a_plug_ins_own_provider_is_not_run(scripted_chat: Any) -> None:  # noqa: F811
    assert await chat_turn_warm.stub_request("scripted") == 0
    assert scripted_chat.requests == []


async def test_warming_sends_nothing_reads_no_key_and_the_first_turn_goes_as_usual(
    ctx: AppContext, chat: FakeChatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []
    vault_get = type(ctx.vault).get

    def get(vault: Any, *args: Any, **kwargs: Any) -> Any:
        read.append("key")
        return vault_get(vault, *args, **kwargs)

    monkeypatch.setattr(type(ctx.vault), "get", get)
    await asyncio.to_thread(chat_turn_warm.warm, ctx, ["openai", "anthropic", "openai"])
    assert chat.requests == [] and read == []  # nothing reached a server, no secret was read
    chat.enqueue(Text("Hello."))
    events: list[TurnEvent] = []
    chat_id = new_chat(ctx)
    result = await chat_turn_thread.ask(ctx, chat_id, "hi", events.append)
    assert result.status == "complete" and read == ["key"]
    assert len(chat.requests) == 1
    assert rows(tmp_path / "home", "SELECT role, status, content FROM message WHERE chat_id = ? ORDER BY seq",
                chat_id) == [("user", "complete", "hi"), ("assistant", "complete", "Hello.")]


async def test_a_warm_up_that_outlasts_its_time_raises_nothing(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's warm-up hands the collector over after it: a slow turn loop must not stop that."""
    gate = asyncio.Event()

    async def slow(ctx: AppContext, providers: list[str]) -> None:
        await gate.wait()

    monkeypatch.setattr(chat_turn_warm, "_warm", slow)
    await asyncio.to_thread(chat_turn_warm.warm, ctx, ["openai"], 0.01)
    chat_turn_thread.turn_loop().call_soon_threadsafe(gate.set)
