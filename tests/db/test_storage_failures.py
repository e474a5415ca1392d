"""Item 13: a locked, corrupt, read-only or full database (or file) is one sentence naming it."""

from __future__ import annotations

import errno
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from quilltap_tui.db.failures import explain
from tests.faults.support import assert_sentence
from tests.support import run_subprocess


def test_a_database_locked_by_another_process_is_one_sentence_after_a_note(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run_subprocess(["keys", "list"], home=home).code == 0
    holder = sqlite3.connect(home / "quilltap.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    try:
        result = run_subprocess(["image-profiles", "add", "--name", "a", "--provider", "openai", "--model",
                                 "gpt-image-1"], home=home)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.code == 1
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert lines[0] == "quilltap-tui: waiting for the database: another process is using it…"
    assert lines[-1].startswith(f"quilltap-tui: The database {home / 'quilltap.db'} is locked by another process")
    assert_sentence(lines[-1].removeprefix("quilltap-tui: "))


def test_doctor_reports_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run_subprocess(["keys", "list"], home=home).code == 0
    (home / "quilltap.db").write_bytes(b"SQLite format 3\0" + b"\xa5" * 8000)
    result = run_subprocess(["doctor", "--json"], home=home)
    assert result.code == 0, result.err
    status = json.loads(result.out)["database"]["status"]
    assert status.startswith("unusable: Cannot open the database") and "not a database" in status
    human = run_subprocess(["doctor"], home=home)
    assert human.code == 0 and "note: the database is not usable" in human.out


def test_doctor_reports_corrupt_pages(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run_subprocess(["keys", "list"], home=home).code == 0
    db = home / "quilltap.db"
    con = sqlite3.connect(db)
    con.execute("create table filler(x)")
    con.executemany("insert into filler values (randomblob(300))", [()] * 400)
    con.commit()
    con.execute("pragma wal_checkpoint(truncate)")
    con.close()
    data = bytearray(db.read_bytes())
    for start in range(len(data) - 20 * 4096, len(data), 4096):  # scribble over the last twenty pages
        data[start:start + 64] = b"\xff" * 64
    db.write_bytes(bytes(data))
    result = run_subprocess(["doctor", "--json"], home=home)
    assert result.code == 0, result.err
    assert json.loads(result.out)["database"]["status"].startswith(("corrupt:", "unusable:"))


@pytest.mark.parametrize(("error", "expected"), [
    (sqlite3.OperationalError("database is locked"), "The database /d/q.db is locked by another process"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "The database /d/q.db cannot be written"),
    (sqlite3.OperationalError("database or disk is full"), "The disk holding the database /d/q.db is full"),
    (sqlite3.DatabaseError("database disk image is malformed"), "The database /d/q.db is corrupt"),
    (OSError(errno.EROFS, "Read-only file system", "/d/images/a.png"),
     "Cannot write /d/images/a.png: the file system is read-only; nothing was saved."),
    (OSError(errno.ENOSPC, "No space left on device", "/d/images/a.png"),
     "Cannot write /d/images/a.png: the disk is full; nothing was saved."),
])
def test_storage_errors_are_explained_through_wrappers(error: Exception, expected: str) -> None:
    wrapped = OperationalError("INSERT INTO x VALUES (?)", ("secret params",), error)
    for candidate in (error, wrapped):
        explained = explain(candidate, "/d/q.db")
        assert explained is not None and str(explained).startswith(expected)
        assert "secret params" not in str(explained)
    assert explain(ValueError("other"), "/d/q.db") is None
