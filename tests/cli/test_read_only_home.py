"""Item 13: on a read-only home, commands that read work; commands that write fail with one sentence.

A read-only home needs a user who cannot write it: the test runs the program as ``nobody`` through
``setpriv`` (root only), and is skipped where that is impossible.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import PASSPHRASE, run_subprocess

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def _as_nobody(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"HOME": "/tmp", "PATH": os.environ.get("PATH", ""), "QUILLTAP_HOME": str(home), "QUILLTAP_VAULT": "file",
           "QUILLTAP_VAULT_PASSPHRASE": PASSPHRASE, "QUILLTAP_IMAGES": "off",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    return subprocess.run([*NOBODY, sys.executable, "-m", "quilltap_tui", *args], capture_output=True, text=True,
                          env=env, timeout=60, check=False)


@pytest.fixture
def read_only_home() -> Iterator[Path]:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run the program as a user who cannot write the home")
    # Not under pytest's tmp_path: its parent is private to root, and nobody must reach the home to read it.
    tmp_path = Path(tempfile.mkdtemp(prefix="quilltap-ro-"))
    try:
        yield from _prepared(tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _prepared(tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "home"
    assert run_subprocess(["image-profiles", "add", "--name", "a", "--provider", "openai", "--model",
                           "gpt-image-1"], home=home).code == 0
    for path in (tmp_path, *home.rglob("*"), home):
        path.chmod(0o755 if path.is_dir() else 0o644)  # readable by nobody, writable by root only
    probe = _as_nobody(home, "--version")
    if probe.returncode != 0:
        pytest.skip(f"the interpreter is not usable by nobody here: {probe.stderr.strip()[-200:]}")
    yield home


@pytest.mark.parametrize("args", [["images", "list"], ["keys", "list"], ["chats", "list"], ["audit"], ["doctor"],
                                  ["image-profiles", "list", "--json"]])
def test_reading_commands_work(read_only_home: Path, args: list[str]) -> None:
    result = _as_nobody(read_only_home, *args)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("args", [["image-profiles", "add", "--name", "b", "--provider", "openai", "--model", "m"],
                                  ["generate", "--profile", "a", "a cat"]])
def test_writing_commands_fail_naming_the_database(read_only_home: Path, args: list[str]) -> None:
    result = _as_nobody(read_only_home, *args)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "Unexpected error" not in last and "Traceback" not in result.stderr
    assert str(read_only_home / "quilltap.db") in last or str(read_only_home) in last, last


def test_ask_on_the_plain_path_fails_naming_the_database(read_only_home: Path) -> None:
    # As root: a chat profile, and the sweep's full scan done (so `ask` would take the plain sqlite3 path).
    for args in (["chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "m", "--default",
                  "--base-url", "http://127.0.0.1:9/v1"], ["images", "list"]):
        assert run_subprocess(args, home=read_only_home).code == 0
    for path in (*read_only_home.rglob("*"), read_only_home):
        path.chmod(0o755 if path.is_dir() else 0o644)
    result = _as_nobody(read_only_home, "ask", "--no-images", "hi")
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "Unexpected error" not in last and "Traceback" not in result.stderr
    assert str(read_only_home / "quilltap.db") in last or str(read_only_home) in last, last


def test_generate_where_it_would_take_the_plain_store_fails_naming_the_database(read_only_home: Path) -> None:
    # As root: the sweep's full scan done, so a writable home's `generate` would take the plain sqlite3 store.
    assert run_subprocess(["images", "list"], home=read_only_home).code == 0
    for path in (*read_only_home.rglob("*"), read_only_home):
        path.chmod(0o755 if path.is_dir() else 0o644)
    result = _as_nobody(read_only_home, "generate", "--profile", "a", "a cat")
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "Unexpected error" not in last and "Traceback" not in result.stderr
    assert str(read_only_home / "quilltap.db") in last or str(read_only_home) in last, last
