"""Shared checks for the fault, crash and security suites: orphans, one-sentence errors, a fresh CLI."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.support import Result

TRACEBACK = "Traceback (most recent call last)"


def image_rows(home: Path) -> set[str]:
    """``file_path`` of every generated_image row (empty when there is no database yet)."""
    db = home / "quilltap.db"
    if not db.exists():
        return set()
    con = sqlite3.connect(db)
    try:
        return {str(r[0]) for r in con.execute("select file_path from generated_image")}
    except sqlite3.OperationalError:  # no schema yet
        return set()
    finally:
        con.close()


def image_files(home: Path) -> set[str]:
    """Every file under ``images/`` (temp files included), relative to the home, POSIX style."""
    root = home / "images"
    if not root.exists():
        return set()
    return {p.relative_to(home).as_posix() for p in root.rglob("*") if p.is_file()}


def orphans(home: Path) -> tuple[set[str], set[str]]:
    """(files without a row, rows without a file)."""
    rows, files = image_rows(home), image_files(home)
    return files - rows, rows - files


def assert_no_orphans(home: Path) -> None:
    files_only, rows_only = orphans(home)
    assert not files_only, f"image files without a row: {sorted(files_only)}"
    assert not rows_only, f"image rows without a file: {sorted(rows_only)}"


def integrity(home: Path) -> str:
    con = sqlite3.connect(home / "quilltap.db")
    try:
        return str(con.execute("pragma integrity_check").fetchone()[0])
    finally:
        con.close()


def one_sentence(result: Result) -> str:
    """The error the user is told: the last stderr line, one sentence, no traceback. Returns its text."""
    assert TRACEBACK not in result.err, result.err
    line = result.last_err_line
    assert line.startswith("quilltap-tui: "), result.err
    text = line.removeprefix("quilltap-tui: ")
    assert_sentence(text)
    return text


def assert_sentence(text: str) -> None:
    """A short, single-line, complete sentence (what we promise users and the LLM)."""
    assert text and "\n" not in text and TRACEBACK not in text, text
    assert text.rstrip().endswith((".", "!", "?", "…", ")")), text
    assert len(text) <= 600, text
    assert "Unexpected error" not in text, text
