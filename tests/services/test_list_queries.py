"""List views are joined queries: listing 50 rows costs a fixed number of statements, not one or more per row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event

from quilltap_tui.chat import history
from quilltap_tui.services import chats, keys, profiles
from quilltap_tui.services.chat_turn_store import SqlTurnStore
from quilltap_tui.services.context import AppContext
from tests.chat_support import make_ctx

ROWS = 50


@contextmanager
def counted(ctx: AppContext) -> Iterator[list[str]]:
    """Every SQL statement the context's engine runs inside the block."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(ctx.db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", record)


def filled(tmp_path: Path) -> AppContext:
    ctx = make_ctx(tmp_path / "home")
    keys.add_key(ctx, provider="openai", label="work", secret="sk-test-0123456789abcdef")
    for n in range(ROWS):
        profiles.create(ctx, profiles.IMAGE, name=f"art {n:02}", provider="openai", model="gpt-image-1",
                        key="work" if n % 2 else None, tags=[f"t{n % 3}", "shared"])
        profiles.create(ctx, profiles.CHAT, name=f"talk {n:02}", provider="openai", model="gpt-5", key="work",
                        tags=["shared"] if n % 2 else None)
    return ctx


def test_profile_lists_run_two_statements_for_fifty_profiles(tmp_path: Path) -> None:
    ctx = filled(tmp_path)
    with counted(ctx) as statements:
        images = profiles.list_profiles(ctx, profiles.IMAGE)
        talks = profiles.list_profiles(ctx, profiles.CHAT)
    assert len(images) == len(talks) == ROWS
    assert len(statements) == 4, statements  # per kind: the profiles joined with their keys, then every tag link
    # What each row shows is what the one-row read shows (key, tags in their order).
    assert images[7] == profiles.show(ctx, profiles.IMAGE, "art 07")
    assert (images[7].key, images[7].key_last4, images[7].tags) == ("work", "…cdef", ("shared", "t1"))
    assert (images[8].key, images[8].tags) == (None, ("shared", "t2"))
    assert talks[3] == profiles.show(ctx, profiles.CHAT, "talk 03") and talks[4].tags == ()


def test_chat_list_runs_two_statements_for_fifty_chats(tmp_path: Path) -> None:
    ctx = filled(tmp_path)
    store = SqlTurnStore(ctx.db)
    made = [chats.create_chat(ctx, chat_profile=f"talk {n:02}", tags=[f"t{n % 3}"] if n % 2 else None,
                              no_images=n % 5 == 0, title=f"chat {n:02}") for n in range(ROWS)]
    for n, chat in enumerate(made[:10]):
        for turn in range(n):
            history.add_message(store, chat.id, "user", f"question {turn}")
    with counted(ctx) as statements:
        listed = chats.list_chats(ctx)
    assert len(listed) == ROWS
    assert len(statements) == 2, statements  # the chats with their profiles and counts, then every chat's tags
    by_title = {chat.title: chat for chat in listed}
    assert by_title["chat 07"] == chats.get_chat(ctx, made[7].id)
    assert (by_title["chat 07"].messages, by_title["chat 07"].tags, by_title["chat 07"].chat_profile) == (
        7, ("t1",), "talk 07")
    assert (by_title["chat 05"].image_profile, by_title["chat 05"].images_enabled) == (None, False)
    assert [c.title for c in listed[:3]] == ["chat 09", "chat 08", "chat 07"]  # most recently active first
