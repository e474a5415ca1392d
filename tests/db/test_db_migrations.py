"""Schema versions: a new database, the 1 -> 2 upgrade, refusals and rollback, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel, select

from quilltap_tui.config import Settings
from quilltap_tui.db import CURRENT_VERSION, Database, migrate, migrations, open_database, schema_version, sqlite_url
from quilltap_tui.db.models import AuditEntry, Chat, ImageProfile, ImageProfileTag
from quilltap_tui.errors import QuilltapError
from quilltap_tui.paths import Paths
from tests.fixtures.db import make_v1

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
V1_LIMITS = {"max_images_per_call": 4, "max_images_per_minute": 10, "max_images_per_day": 200}


def open_url(tmp_path: Path, url: str) -> Database:
    paths = Paths(data=tmp_path / "data", config=tmp_path / "config", state=tmp_path / "state")
    return open_database(paths, Settings(database_url=url))


@pytest.fixture(params=BACKENDS)
def new_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A maker of new, empty databases on each backend (dropped again after the test)."""
    created: list[str] = []
    server = request.getfixturevalue("pg_server") if request.param == "postgres" else None

    def make() -> str:
        url = server.create_scratch() if server else sqlite_url(tmp_path / f"db{len(created)}.db")
        created.append(url)
        return url

    yield make
    for url in created if server else []:
        server.drop_scratch(url)


@pytest.fixture
def empty_url(new_url: Callable[[], str]) -> str:
    return new_url()


@pytest.fixture
def v1_url(new_url: Callable[[], str]) -> str:
    """A version-1 database full of rows: the committed v1.sql on SQLite, make_v1's DDL on PostgreSQL."""
    url = new_url()
    if sa.make_url(url).get_backend_name() == "sqlite":
        load_v1_fixture(Path(str(sa.make_url(url).database)))
        return url
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        make_v1.build(conn)
    engine.dispose()
    return url


def load_v1_fixture(path: Path) -> Path:
    with sqlite3.connect(path) as raw:
        raw.executescript(make_v1.DUMP_PATH.read_text(encoding="utf-8"))
    raw.close()
    return path


def snapshot(url: str, tables: dict[str, list[str]] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (only the given columns, when named), ordered by primary key."""
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(bind=engine)
        result = {}
        with engine.connect() as conn:
            for name in tables or metadata.tables:
                table = metadata.tables[name]
                columns = [table.c[c] for c in tables[name]] if tables else list(table.c)
                query = sa.select(*columns).order_by(*table.primary_key.columns)
                result[name] = [dict(row._mapping) for row in conn.execute(query)]
        return result
    finally:
        engine.dispose()


def describe_schema(url: str) -> dict[str, Any]:
    """What the two upgrade paths must agree on: columns, types, nullability, defaults, keys, indexes."""
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {
            table: {
                "columns": {
                    c["name"]: (c["type"].compile(dialect=engine.dialect), c["nullable"], c.get("default"))
                    for c in inspector.get_columns(table)
                },
                "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
                "indexes": sorted(_index_facts(i) for i in inspector.get_indexes(table)),
                "unique": sorted(str(u["column_names"]) for u in inspector.get_unique_constraints(table)),
                "foreign_keys": sorted(_fk_facts(fk) for fk in inspector.get_foreign_keys(table)),
            }
            for table in sorted(inspector.get_table_names())
        }
    finally:
        engine.dispose()


def _index_facts(index: Any) -> tuple[str, str, bool, str]:
    options = index.get("dialect_options", {})
    where = options.get("sqlite_where", options.get("postgresql_where"))
    return index["name"], str(index["column_names"]), bool(index["unique"]), str(where)


def _fk_facts(fk: Any) -> tuple[str, str, str, str]:
    return (
        str(fk["constrained_columns"]),
        fk["referred_table"],
        str(fk["referred_columns"]),
        str(fk["options"].get("ondelete")),
    )


# --- A new database -----------------------------------------------------------------------------------


def test_new_database_gets_every_table_and_the_current_version(tmp_path: Path, empty_url: str) -> None:
    with open_url(tmp_path, empty_url) as database:
        assert schema_version(database.engine) == CURRENT_VERSION
        tables = set(sa.inspect(database.engine).get_table_names())
        # Opening again is a no-op that reports the version it found.
        assert migrate(database.engine) == CURRENT_VERSION
    assert tables == set(SQLModel.metadata.tables)


def test_every_old_version_has_an_upgrade_step() -> None:
    assert set(migrations.STEPS) == set(range(1, CURRENT_VERSION))


def test_opening_a_current_database_does_not_import_alembic(tmp_path: Path) -> None:
    # alembic is only needed when a schema changes; loading it on every start-up would cost time.
    url = sqlite_url(tmp_path / "q.db")
    open_url(tmp_path, url).dispose()
    code = (
        "import sys; from pathlib import Path; from quilltap_tui.config import Settings;"
        "from quilltap_tui.paths import Paths; from quilltap_tui.db import open_database;"
        f"p = Path({str(tmp_path)!r}); open_database(Paths(p, p, p), Settings(database_url={url!r}));"
        "print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# --- Version 1 -> 2 -----------------------------------------------------------------------------------


# Tables a later version added (the version-1 fixture cannot have them).
TABLES_SINCE_V1 = {"image_input"}


def test_v1_fixture_fills_every_table() -> None:
    assert set(make_v1.ROWS) == set(SQLModel.metadata.tables) - TABLES_SINCE_V1
    assert all(make_v1.ROWS.values())


def test_committed_v1_dump_matches_make_v1(tmp_path: Path) -> None:
    # If make_v1.py changes, v1.sql must be regenerated (python tests/fixtures/db/make_v1.py).
    built = tmp_path / "built.db"
    with sqlite3.connect(built) as raw:
        raw.executescript(make_v1.build_sqlite_dump())
    raw.close()
    committed = sqlite_url(load_v1_fixture(tmp_path / "committed.db"))
    assert snapshot(committed) == snapshot(sqlite_url(built))
    assert describe_schema(committed) == describe_schema(sqlite_url(built))


def test_upgrading_v1_keeps_every_row_and_value(tmp_path: Path, v1_url: str) -> None:
    before = snapshot(v1_url)
    old_columns = {table: list(rows[0]) for table, rows in before.items()}
    with open_url(tmp_path, v1_url) as database:
        assert schema_version(database.engine) == CURRENT_VERSION
    after = snapshot(v1_url, old_columns)
    assert after.pop("schema_version") == [{"id": 1, "version": CURRENT_VERSION}]
    assert before.pop("schema_version") == [{"id": 1, "version": 1}]
    assert after == before
    expected_counts = {t: len(r) for t, r in make_v1.ROWS.items() if t != "schema_version"}
    assert {t: len(rows) for t, rows in before.items()} == expected_counts
    limits = snapshot(v1_url, {"image_profile": list(V1_LIMITS), "audit_log": ["image_count"]})
    assert limits["image_profile"] == [V1_LIMITS] * len(make_v1.ROWS["image_profile"])
    assert limits["audit_log"] == [{"image_count": 0}] * len(make_v1.ROWS["audit_log"])


def test_upgraded_v1_schema_equals_a_new_schema(tmp_path: Path, v1_url: str, empty_url: str) -> None:
    open_url(tmp_path, v1_url).dispose()
    open_url(tmp_path, empty_url).dispose()
    upgraded, fresh = describe_schema(v1_url), describe_schema(empty_url)
    assert upgraded.keys() == fresh.keys()
    for table in fresh:
        assert upgraded[table] == fresh[table], table


def test_upgraded_database_still_enforces_its_rules(tmp_path: Path, v1_url: str) -> None:
    with open_url(tmp_path, v1_url) as database, database.session() as s:
        s.add(AuditEntry(action="generate", provider="openai", outcome="ok", image_count=2))
        s.commit()  # the audit log's own id counter survived the upgrade
        s.delete(s.get(ImageProfile, make_v1.IP_DALLE))
        s.commit()
        assert [t.image_profile_id for t in s.exec(select(ImageProfileTag))] == [make_v1.IP_GEMINI]
        chat = s.get(Chat, make_v1.CHAT_CAT)
        assert chat is not None and chat.image_profile_id is None
        s.add(ImageProfile(name="new default", provider="openai", model="m", is_default=True))
        s.commit()
        s.add(ImageProfile(name="second default", provider="openai", model="m", is_default=True))
        with pytest.raises(sa.exc.IntegrityError):
            s.commit()


# --- Refusals and rollback ----------------------------------------------------------------------------


def test_newer_database_is_refused_and_left_alone(tmp_path: Path, empty_url: str) -> None:
    open_url(tmp_path, empty_url).dispose()
    engine = sa.create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE schema_version SET version = 99"))
    engine.dispose()
    before = describe_schema(empty_url)
    with pytest.raises(QuilltapError) as info:
        open_url(tmp_path, empty_url)
    assert str(info.value) == (
        f"database schema version 99 is newer than this quilltap-tui supports ({CURRENT_VERSION}); upgrade quilltap-tui"
    )
    assert describe_schema(empty_url) == before


def test_a_failing_step_rolls_the_whole_upgrade_back(
    tmp_path: Path, v1_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_step = migrations.STEPS[1]

    def step_then_fail(op: Any) -> None:
        real_step(op)
        raise RuntimeError("disk full")

    monkeypatch.setitem(migrations.STEPS, 1, step_then_fail)
    before_rows, before_schema = snapshot(v1_url), describe_schema(v1_url)
    with pytest.raises(RuntimeError, match="disk full"):
        open_url(tmp_path, v1_url)
    assert describe_schema(v1_url) == before_schema
    assert snapshot(v1_url) == before_rows
    monkeypatch.setitem(migrations.STEPS, 1, real_step)
    with open_url(tmp_path, v1_url) as database:  # and a later start-up still upgrades cleanly
        assert schema_version(database.engine) == CURRENT_VERSION


def test_tables_without_a_version_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE chat (id VARCHAR PRIMARY KEY)")
    raw.close()
    with pytest.raises(QuilltapError, match=r"quilltap-tui tables \(chat\) but no schema version"):
        open_url(tmp_path, sqlite_url(path))


def test_a_step_that_rebuilds_a_parent_table_keeps_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite rebuilds a table to change it (copy, drop, rename). Dropping the old copy with foreign keys
    # on would fire ON DELETE CASCADE / SET NULL on every child row: tag links and chats' profiles.
    real_step = migrations.STEPS[1]

    def step_with_rebuild(op: Any) -> None:
        real_step(op)
        with op.batch_alter_table("image_profile", recreate="always"):
            pass

    monkeypatch.setitem(migrations.STEPS, 1, step_with_rebuild)
    url = sqlite_url(load_v1_fixture(tmp_path / "v1.db"))
    before = snapshot(url, {"image_profile_tag": ["image_profile_id", "tag_id"], "chat": ["image_profile_id"]})
    open_url(tmp_path, url).dispose()
    after = snapshot(url, {"image_profile_tag": ["image_profile_id", "tag_id"], "chat": ["image_profile_id"]})
    assert after == before
    assert len(after["image_profile_tag"]) == len(make_v1.ROWS["image_profile_tag"])
