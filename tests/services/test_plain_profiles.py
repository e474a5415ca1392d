"""The plain ``sqlite3`` profile listings (the TUI's first screen) read exactly what the ORM path reads."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from quilltap_tui.db.migrations import CURRENT_VERSION
from quilltap_tui.services import keys, plain_profiles, profiles
from tests.chat_support import make_ctx


def test_profile_listings_equal_the_orm_listings(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path / "home")
    keys.add_key(ctx, provider="openai", label="work", secret="sk-test-0123456789abcdef")
    profiles.create(ctx, profiles.CHAT, name="talk", provider="openai", model="gpt-4o", key="work", default=True,
                    parameters={"temperature": 0.4}, tags=["Wide", "art"], system_prompt="Be brief.")
    profiles.create(ctx, profiles.CHAT, name="Local", provider="ollama", model="llama3",
                    base_url="http://127.0.0.1:11434")
    profiles.create(ctx, profiles.IMAGE, name="art", provider="openai", model="gpt-image-1", key="work",
                    default=True, parameters={"size": "1024x1024"}, tags=["art"], max_images_per_call=2)
    profiles.create(ctx, profiles.IMAGE, name="draft", provider="openai", model="dall-e-2")
    for kind, orm_kind in (("chat", profiles.CHAT), ("image", profiles.IMAGE)):
        orm = profiles.list_profiles(ctx, orm_kind)
        plain = plain_profiles.list_profiles(ctx, kind)
        assert plain == orm, kind
    chat = profiles.list_profiles(ctx, profiles.CHAT)
    assert [p.name for p in chat] == ["Local", "talk"] and chat[1].tags == ("art", "Wide")
    assert chat[1].key_last4 == "…cdef" and chat[0].key is None


def test_steps_aside_for_a_fresh_home_or_another_schema(tmp_path: Path) -> None:
    fresh = make_ctx(tmp_path / "fresh")
    assert plain_profiles.list_profiles(fresh, "chat") is None
    assert not fresh.paths.database.exists()  # never created here: the ORM path creates and migrates
    ctx = make_ctx(tmp_path / "home")
    profiles.create(ctx, profiles.CHAT, name="talk", provider="openai", model="m")
    ctx.close()
    with sqlite3.connect(ctx.paths.database) as conn:
        conn.execute("UPDATE schema_version SET version = ?", (CURRENT_VERSION - 1,))
    assert plain_profiles.list_profiles(make_ctx(tmp_path / "home"), "chat") is None
