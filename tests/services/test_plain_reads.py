"""The plain ``sqlite3`` listing reads exactly what the ORM path reads, and steps aside when it cannot."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from quilltap_tui.db.migrations import CURRENT_VERSION
from quilltap_tui.db.models import AuditEntry, ImageInput
from quilltap_tui.imagegen.spec import GeneratedImage
from quilltap_tui.services import audit, chats, image_store, image_sweep, keys, plain_reads, profiles
from quilltap_tui.services import gallery as gallery_service
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.gallery_view import GalleryImage
from tests.chat_support import make_ctx
from tests.fakes.image_servers import make_image


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


def test_sweep_names_are_the_image_sweeps() -> None:
    assert (plain_reads.JOURNAL_DIR, plain_reads.MARKER, plain_reads.FULL_SWEEP_INTERVAL_S) == (
        image_sweep.JOURNAL_DIR, image_sweep.MARKER, image_sweep.FULL_SWEEP_INTERVAL_S)


def _save(ctx: AppContext, prompt: str, *, chat_id: str | None = None, seed: int | None = None) -> str:
    image = GeneratedImage(data=make_image(64, 48), mime_type="image/png", width=64, height=48,
                           revised_prompt=f"{prompt}, revised", seed=seed)
    origin = image_store.ImageOrigin(prompt=prompt, provider="openai", model="gpt-image-1", profile_name="art",
                                     negative_prompt="blur", used_params={"size": "64x48", "count": 1},
                                     chat_id=chat_id)
    (record,) = image_store.save_batch(ctx, [image], origin)
    return record.id


def _orm_images(ctx: AppContext, **query: Any) -> list[GalleryImage]:
    return gallery_service.page(ctx, **query)


@pytest.fixture
def gallery(tmp_path: Path) -> Iterator[tuple[AppContext, str, list[str]]]:
    ctx = make_ctx(tmp_path / "home")
    image_sweep.sweep_orphans(ctx)  # the first run's full scan: leaves the marker, so a listing has nothing to do
    profiles.create(ctx, profiles.CHAT, name="talk", provider="ollama", model="m", default=True)
    chat = chats.create_chat(ctx, no_images=True).id
    ids = [_save(ctx, "a lighthouse"), _save(ctx, "a fox", chat_id=chat, seed=7), _save(ctx, "an owl")]
    with ctx.db.session() as session:  # the owl was made from the fox and the lighthouse, in that order
        for position, parent in enumerate((ids[1], ids[0])):
            session.add(ImageInput(image_id=ids[2], position=position, input_image_id=parent, path=f"/p{position}",
                                   sha256="0" * 64, role="image"))
        session.add(ImageInput(image_id=ids[2], position=2, input_image_id=None, path="/mask", sha256="1" * 64,
                               role="mask"))
        session.commit()
    yield ctx, chat, ids
    ctx.close()


def test_images_listing_equals_the_orm_listing(gallery: tuple[AppContext, str, list[str]]) -> None:
    ctx, chat, ids = gallery
    for query in ({}, {"limit": 2}, {"limit": 2, "offset": 1}, {"chat_id": chat}, {"chat_id": "nothing"}):
        plain = plain_reads.list_images(ctx, **query)
        assert plain is not None and plain == _orm_images(ctx, **query), query
        assert [i.as_json() for i in plain] == [i.as_json() for i in _orm_images(ctx, **query)]
    listed = plain_reads.list_images(ctx)
    assert listed is not None and [i.id for i in listed] == ids[::-1]
    assert listed[0].parents == (ids[1], ids[0]) and listed[1].seed == 7 and listed[1].chat_id == chat
    assert listed[2].used == {"size": "64x48", "count": 1} and listed[2].as_json()["created_at"].endswith("+00:00")


def test_images_listing_steps_aside_when_the_sweep_has_work(gallery: tuple[AppContext, str, list[str]]) -> None:
    ctx, _, _ = gallery
    journal = ctx.paths.data / image_sweep.JOURNAL_DIR
    entry = journal / "0123.json"  # a killed run's pending entry
    entry.write_text("[]")
    assert plain_reads.list_images(ctx) is None
    entry.unlink()
    stale = time.time() - image_sweep.FULL_SWEEP_INTERVAL_S - 1  # the hourly full scan is due
    os.utime(journal / image_sweep.MARKER, (stale, stale))
    assert plain_reads.list_images(ctx) is None
    image_sweep.sweep_orphans(ctx)
    assert plain_reads.list_images(ctx) is not None
    with ctx.db.engine.begin() as conn:  # a reservation a killed run left pending: settling it needs the ORM path
        conn.execute(text("INSERT INTO audit_log (created_at, action, source, provider, parameters, outcome,"
                          " image_ids, image_count) VALUES ('2026-01-01 00:00:00.000000', 'generate', 'cli',"
                          " 'openai', '{}', 'pending', '[]', 1)"))
    assert plain_reads.list_images(ctx) is None


def test_audit_listing_equals_the_orm_listing(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path / "home")
    with ctx.db.session() as session:
        session.add(AuditEntry(action="generate", source="tool", profile_name="art", provider="openai",
                               model="gpt-image-1", prompt="a fox", parameters={"requested": {"count": 2}},
                               outcome="ok", latency_ms=812, image_ids=["a" * 32, "b" * 32], image_count=2))
        session.add(AuditEntry(action="generate", profile_name="other", provider="openai", model="m",
                               prompt="an owl", outcome="error", error_class="ContentRefused",
                               error_message="refused", latency_ms=40))
        session.add(AuditEntry(action="validate_key", provider="anthropic", outcome="ok"))
        session.commit()
    for query in ({}, {"limit": 2}, {"profile": "art"}, {"profile": "nobody"}):
        assert plain_reads.list_audit(ctx, **query) == audit.list_entries(ctx, **query), query
    listed = plain_reads.list_audit(ctx)
    assert listed is not None and [e.outcome for e in listed] == ["ok", "error", "ok"]
    assert listed[2].image_ids == ("a" * 32, "b" * 32) and listed[2].parameters == {"requested": {"count": 2}}
    assert [e.as_json() for e in listed] == [e.as_json() for e in audit.list_entries(ctx)]
    url = make_ctx(tmp_path / "pg", QUILLTAP_DATABASE_URL="postgresql://user@127.0.0.1:9/none")
    assert plain_reads.list_audit(url) is None and plain_reads.list_images(url) is None


def test_chats_listing_equals_the_orm_listing(gallery: tuple[AppContext, str, list[str]]) -> None:
    ctx, chat, _ = gallery
    profiles.create(ctx, profiles.IMAGE, name="art", provider="openai", model="gpt-image-1", default=True)
    tagged = chats.create_chat(ctx, tags=["Zebra", "apple"], title="with images").id
    chats.set_image_profile(ctx, chat, "art")
    chats.rename_chat(ctx, chat, "renamed")
    orm = chats.list_chats(ctx)
    plain = plain_reads.list_chats(ctx)
    assert plain == orm and plain is not None
    assert [row.as_json() for row in plain] == [row.as_json() for row in orm]
    by_id = {row.id: row for row in orm}
    assert by_id[tagged].tags == ("apple", "Zebra") and by_id[tagged].images_enabled is True
    assert by_id[chat].images == 1 and by_id[chat].image_profile == "art" and by_id[chat].title == "renamed"
    chats.set_image_profile(ctx, tagged, None)  # images off: the profile goes, the switch says so
    assert plain_reads.list_chats(ctx) == chats.list_chats(ctx)
    url = make_ctx(ctx.paths.data.parent / "pg", QUILLTAP_DATABASE_URL="postgresql://user@127.0.0.1:9/none")
    assert plain_reads.list_chats(url) is None
