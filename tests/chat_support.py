"""Shared set-up for the chat engine tests: a fresh home, keys and profiles pointed at loopback fakes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quilltap_tui.chat.events import TurnEvent, event_json
from quilltap_tui.chat.loop import TurnResult
from quilltap_tui.services import chat_turn, chats, keys, profiles
from quilltap_tui.services.context import AppContext
from tests.fakes.chat_servers import FakeChatServer
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.support import base_env

CHAT_KEYS = {"openai": "sk-chat-test-0123456789abcdefSECRET", "anthropic": "sk-ant-test-0123456789abcdefSECRET"}


def make_ctx(home: Path, **env: str) -> AppContext:
    """An AppContext on a fresh home with the file vault, no retries and no real provider keys."""
    return AppContext(environ={**base_env(home), "QUILLTAP_MAX_RETRIES": "0", **env})


def add_image_profile(
    ctx: AppContext, fake: FakeOpenAIImages, name: str = "art", model: str = "gpt-image-1", **fields: Any
) -> None:
    label = f"img-{name}"
    fields.setdefault("default", True)
    keys.add_key(ctx, provider="openai", label=label, secret=TEST_KEYS["openai"])
    profiles.create(
        ctx, profiles.IMAGE, name=name, provider="openai", model=model, key=label, base_url=fake.base_url, **fields
    )


def add_chat_profile(ctx: AppContext, server: FakeChatServer, name: str = "talk", **fields: Any) -> None:
    label = f"chat-{name}"
    keys.add_key(ctx, provider=server.kind, label=label, secret=CHAT_KEYS[server.kind])
    profiles.create(
        ctx, profiles.CHAT, name=name, provider=server.kind, model="fake-chat-1", key=label,
        base_url=server.base_url, **fields,
    )


@dataclass
class Turn:
    """What one turn reported and how it ended."""

    events: list[TurnEvent] = field(default_factory=list)
    result: TurnResult | None = None

    @property
    def lines(self) -> list[dict[str, Any]]:
        """The events as ``ask --json`` lines."""
        return [doc for doc in (event_json(e) for e in self.events) if doc is not None]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [line for line in self.lines if line["type"] == kind]

    @property
    def text(self) -> str:
        return "".join(line["delta"] for line in self.of_type("text"))


async def ask(ctx: AppContext, chat_id: str, text: str) -> Turn:
    turn = Turn()
    turn.result = await chat_turn.ask(ctx, chat_id, text, turn.events.append)
    return turn


def new_chat(ctx: AppContext, **kwargs: Any) -> str:
    return str(chats.create_chat(ctx, chat_profile="talk", **kwargs).id)


def rows(home: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(home / "quilltap.db")
    try:
        return list(con.execute(sql, params).fetchall())
    finally:
        con.close()


def fakes(kind: str) -> Iterator[tuple[FakeChatServer, FakeOpenAIImages]]:
    with FakeChatServer(kind) as chat, FakeOpenAIImages() as images:
        yield chat, images  # type: ignore[misc]


def is_file(path: str | Path) -> bool:
    """A plain check for async tests (the files are local and tiny)."""
    return Path(path).is_file()
