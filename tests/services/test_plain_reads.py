"""The plain ``sqlite3`` listing reads exactly what the ORM path reads, and steps aside when it cannot."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from quilltap_tui.db.migrations import CURRENT_VERSION
from quilltap_tui.services import keys, plain_reads, profiles
from tests.chat_support import make_ctx


def test_schema_version_is_the_one_migrations_write() -> None:
    assert plain_reads.SCHEMA_VERSION == CURRENT_VERSION


def test_keys_listing_equals_the_orm_listing(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path / "home", WORK_KEY="sk-env-0123456789abcdefXYZ")
    keys.add_key(ctx, provider="openai", label="work", secret="sk-test-0123456789abcdef")
    alpha = keys.add_key(ctx, provider="anthropic", label="Alpha", secret="sk-ant-test-0123456789abcdef")
    keys.add_env_key(ctx, provider="openai", label="env", env_var="WORK_KEY")
    profiles.create(ctx, profiles.CHAT, name="talk", provider="openai", model="m", key="work", default=True)
    profiles.create(ctx, profiles.IMAGE, name="art", provider="openai", model="gpt-image-1", key="work", default=True)
    keys.record_validation(ctx, alpha.id, False)  # a validity and its timestamp come back as stored
    orm = [v.as_json() for v in keys.list_keys(ctx)]
    plain = plain_reads.list_keys(ctx)
    assert plain is not None
    assert [v.as_json() for v in plain] == orm
    assert [v["label"] for v in orm] == ["Alpha", "env", "work"] and orm[2]["used_by"] == ["art", "talk"]
    assert orm[0]["valid"] is False and orm[0]["validated_at"] and orm[1]["backend"] == "env"


def test_steps_aside_for_a_fresh_home_another_schema_or_a_database_url(tmp_path: Path) -> None:
    fresh = make_ctx(tmp_path / "fresh")
    assert plain_reads.list_keys(fresh) is None
    assert not fresh.paths.database.exists()  # it never creates the file: the ORM path does, migrated
    ctx = make_ctx(tmp_path / "home")
    keys.add_key(ctx, provider="openai", label="work", secret="sk-test-0123456789abcdef")
    ctx.close()
    with sqlite3.connect(ctx.paths.database) as conn:
        conn.execute("UPDATE schema_version SET version = ?", (CURRENT_VERSION - 1,))
    assert plain_reads.list_keys(make_ctx(tmp_path / "home")) is None
    url = make_ctx(tmp_path / "pg", QUILLTAP_DATABASE_URL="postgresql://user@127.0.0.1:9/none")
    assert plain_reads.list_keys(url) is None
