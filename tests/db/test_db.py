"""The database engine and the rules the database itself enforces, on SQLite and on PostgreSQL."""

from __future__ import annotations

import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlmodel import select

from quilltap_tui.config import Settings
from quilltap_tui.db import Database, open_database, sqlite_url
from quilltap_tui.db.models import (
    ApiKey,
    AuditEntry,
    Chat,
    ChatProfile,
    ChatProfileTag,
    GeneratedImageRecord,
    ImageProfile,
    ImageProfileTag,
    Message,
    Tag,
    ToolCall,
)
from quilltap_tui.errors import Invalid, QuilltapError
from quilltap_tui.paths import Paths

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def make_paths(root: Path) -> Paths:
    return Paths(data=root / "data", config=root / "config", state=root / "state")


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else ""
    database = open_database(make_paths(tmp_path), Settings(database_url=url))
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(make_paths(tmp_path), Settings())
    yield database
    database.dispose()


def add_key(db: Database, label: str = "main") -> ApiKey:
    with db.session() as s:
        key = ApiKey(label=label, provider="openai", last4="Zz12", backend="keyring")
        s.add(key)
        s.commit()
        return key


def add_image_profile(db: Database, name: str, **fields: object) -> ImageProfile:
    with db.session() as s:
        profile = ImageProfile(name=name, provider="openai", model="gpt-image-1", **fields)
        s.add(profile)
        s.commit()
        return profile


def add_chat_with_history(db: Database, image_profile_id: str | None = None) -> tuple[Chat, Message, ToolCall]:
    with db.session() as s:
        chat = Chat(title="cats", image_profile_id=image_profile_id)
        user = Message(chat_id=chat.id, seq=0, role="user", content="draw a cat")
        reply = Message(chat_id=chat.id, seq=1, role="assistant")
        call = ToolCall(chat_id=chat.id, message_id=reply.id, call_id="call_1", name="generate_image")
        s.add_all([chat, user, reply])
        s.flush()
        s.add(call)
        s.commit()
        return chat, reply, call


# --- SQLite connection settings and files -------------------------------------------------------------


def test_sqlite_pragmas_are_set_on_every_connection(sqlite_db: Database) -> None:
    def pragmas() -> tuple[object, ...]:
        with sqlite_db.engine.connect() as conn:
            return tuple(
                conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            )

    seen: list[tuple[object, ...]] = []
    with sqlite_db.engine.connect():  # holds one pooled connection so the thread must open another
        worker = threading.Thread(target=lambda: seen.append(pragmas()))
        worker.start()
        worker.join()
    expected = ("wal", 1, 5000, 1)  # synchronous NORMAL is 1
    assert seen == [expected]
    assert pragmas() == expected


def test_database_file_is_private_and_directory_is_0700(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    with open_database(paths, Settings()) as database, database.session() as s:
        s.add(Tag(name="x"))
        s.commit()
        files = [paths.database, Path(f"{paths.database}-wal"), Path(f"{paths.database}-shm")]
        assert all(f.exists() for f in files)
        assert {oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {"0o600"}
    assert stat.S_IMODE(paths.data.stat().st_mode) == 0o700


def test_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    open_database(paths, Settings()).dispose()
    paths.database.chmod(0o644)
    open_database(paths, Settings()).dispose()
    assert stat.S_IMODE(paths.database.stat().st_mode) == 0o600


def test_sqlite_url_points_at_the_file(tmp_path: Path) -> None:
    target = tmp_path / "dir with space" / "q.db"
    target.parent.mkdir()
    paths = make_paths(tmp_path / "unused")
    with open_database(paths, Settings(database_url=sqlite_url(target))) as database:
        assert database.url.endswith("dir with space/q.db")
    assert target.exists()
    assert not paths.database.exists()


def test_migrate_false_leaves_a_new_database_empty(tmp_path: Path) -> None:
    database = open_database(make_paths(tmp_path), Settings(), migrate=False)
    with database, database.engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type='table'").scalar() == 0


def test_invalid_database_url_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(Invalid) as info:
        open_database(make_paths(tmp_path), Settings(database_url="not a url"))
    assert info.value.field == "database_url"


def test_unreachable_server_error_hides_the_password(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    url = "postgresql+psycopg://someone:hunter2-secret@127.0.0.1:1/quilltap?connect_timeout=5"
    with pytest.raises(QuilltapError) as info:
        open_database(make_paths(tmp_path), Settings(database_url=url))
    message = str(info.value)
    assert "Cannot open the database postgresql+psycopg://someone:***@127.0.0.1:1/quilltap" in message
    assert "hunter2" not in message


def test_objects_stay_readable_after_the_session_closes(sqlite_db: Database) -> None:
    profile = add_image_profile(sqlite_db, "after-commit")
    assert (profile.name, profile.max_images_per_call, profile.max_images_per_day) == ("after-commit", 4, 200)


def test_concurrent_writers_wait_instead_of_failing(sqlite_db: Database) -> None:
    # Thread A holds the write lock; B's insert must wait for it (busy_timeout), not fail "locked".
    locked, errors = threading.Event(), []

    def hold_lock() -> None:
        with sqlite_db.session() as s:
            s.add(AuditEntry(action="generate", provider="openai", outcome="ok"))
            s.flush()
            locked.set()
            threading.Event().wait(0.5)
            s.commit()

    def write_many(thread: int) -> None:
        try:
            locked.wait()
            for n in range(25):
                with sqlite_db.session() as s:
                    s.add(AuditEntry(action="generate", provider=f"p{thread}-{n}", outcome="ok"))
                    s.commit()
        except sa_exc.OperationalError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=hold_lock)] + [threading.Thread(target=write_many, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sqlite_db.session() as s:
        assert len(s.exec(select(AuditEntry)).all()) == 51


# --- Rules the database enforces (both backends) ------------------------------------------------------


def test_deleting_a_key_keeps_profiles_without_a_key(db: Database) -> None:
    key = add_key(db)
    add_image_profile(db, "img", api_key_id=key.id)
    with db.session() as s:
        s.add(ChatProfile(name="chat", provider="openai", model="gpt-4.1", api_key_id=key.id))
        s.commit()
        s.delete(s.get(ApiKey, key.id))
        s.commit()
    with db.session() as s:
        image = s.exec(select(ImageProfile)).one()
        chat = s.exec(select(ChatProfile)).one()
    assert (image.name, image.api_key_id) == ("img", None)
    assert (chat.name, chat.api_key_id) == ("chat", None)


def test_deleting_a_profile_removes_its_tags_and_unsets_chats(db: Database) -> None:
    profile = add_image_profile(db, "img")
    chat, _, _ = add_chat_with_history(db, image_profile_id=profile.id)
    with db.session() as s:
        tag = Tag(name="photo")
        s.add(tag)
        s.flush()
        s.add(ImageProfileTag(image_profile_id=profile.id, tag_id=tag.id))
        s.commit()
        s.delete(s.get(ImageProfile, profile.id))
        s.commit()
    with db.session() as s:
        assert s.exec(select(ImageProfileTag)).all() == []
        assert [t.name for t in s.exec(select(Tag))] == ["photo"]
        reloaded = s.get(Chat, chat.id)
        assert reloaded is not None and reloaded.image_profile_id is None


def test_deleting_a_chat_removes_messages_and_tool_calls_but_keeps_images(db: Database) -> None:
    chat, reply, call = add_chat_with_history(db)
    with db.session() as s:
        image = GeneratedImageRecord(
            file_path="images/2025/03/a.png",
            mime_type="image/png",
            width=1,
            height=1,
            bytes=10,
            sha256="00" * 32,
            prompt="a cat",
            provider="openai",
            model="gpt-image-1",
            chat_id=chat.id,
            message_id=reply.id,
            tool_call_id=call.id,
        )
        s.add(image)
        s.commit()
        s.delete(s.get(Chat, chat.id))
        s.commit()
    with db.session() as s:
        assert s.exec(select(Message)).all() == []
        assert s.exec(select(ToolCall)).all() == []
        kept = s.get(GeneratedImageRecord, image.id)
    assert kept is not None
    assert (kept.chat_id, kept.message_id, kept.tool_call_id) == (None, None, None)


def test_at_most_one_default_image_profile(db: Database) -> None:
    add_image_profile(db, "first", is_default=True)
    add_image_profile(db, "plain-1")
    add_image_profile(db, "plain-2")  # any number of non-default profiles is fine
    with pytest.raises(sa_exc.IntegrityError):
        add_image_profile(db, "second", is_default=True)


def test_at_most_one_default_chat_profile(db: Database) -> None:
    with db.session() as s:
        s.add(ChatProfile(name="a", provider="openai", model="m", is_default=True))
        s.commit()
        s.add(ChatProfile(name="b", provider="openai", model="m", is_default=True))
        with pytest.raises(sa_exc.IntegrityError):
            s.commit()


@pytest.mark.parametrize(
    "make",
    [
        lambda: [ImageProfile(name="same", provider="openai", model="m") for _ in range(2)],
        lambda: [ChatProfile(name="same", provider="openai", model="m") for _ in range(2)],
        lambda: [ApiKey(label="same", provider="openai", last4="1234", backend="env") for _ in range(2)],
        lambda: [Tag(name="same") for _ in range(2)],
    ],
    ids=["image_profile", "chat_profile", "api_key", "tag"],
)
def test_names_are_unique(db: Database, make: object) -> None:
    first, second = make()  # type: ignore[operator]
    with db.session() as s:
        s.add(first)
        s.commit()
        s.add(second)
        with pytest.raises(sa_exc.IntegrityError):
            s.commit()


def test_chat_profile_tags_cascade_with_the_tag(db: Database) -> None:
    with db.session() as s:
        profile = ChatProfile(name="c", provider="openai", model="m")
        tag = Tag(name="work")
        s.add_all([profile, tag])
        s.flush()
        s.add(ChatProfileTag(chat_profile_id=profile.id, tag_id=tag.id))
        s.commit()
        s.execute(text("DELETE FROM tag"))
        s.commit()
        assert s.exec(select(ChatProfileTag)).all() == []
        assert s.get(ChatProfile, profile.id) is not None
