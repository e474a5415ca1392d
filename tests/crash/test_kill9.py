"""kill -9 the real program mid-reply and mid-save, then start it again.

After the crash, the next command (which opens and migrates the database and sweeps image leftovers)
must find: the user's message saved, ``PRAGMA integrity_check`` ok, every gallery row with its file,
and no file without a row -- except a leftover younger than the sweep's minimum age (another process
may be between its write and its commit), which the sweep removes once it is old enough.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.chat_servers import FakeChatServer, Text
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.faults.support import assert_no_orphans, image_files, image_rows, integrity, orphans
from tests.support import base_env, run_subprocess

SWEEP_MIN_AGE = 600  # image_store.sweep_orphans' default


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_") and not k.endswith("_API_KEY")}
    return {**env, **base_env(home), "QUILLTAP_MAX_RETRIES": "0", **extra}


def start(args: list[str], home: Path, **extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "quilltap_tui", *args], env=env_for(home, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def kill9(proc: subprocess.Popen[bytes]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def cli(home: Path, *args: str, **extra: str) -> str:
    result = run_subprocess(args, home=home, env=env_for(home, **extra))
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    return result.out


@pytest.fixture
def chat() -> Iterator[FakeChatServer]:
    with FakeChatServer("openai") as server:
        yield server


def test_kill_while_a_reply_streams(tmp_path: Path, chat: FakeChatServer) -> None:
    home = tmp_path / "home"
    keys = {"OPENAI_API_KEY": "sk-crash-test-0000"}
    cli(home, "chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "fake-chat-1",
        "--base-url", chat.base_url, **keys)
    chat.decider = lambda _request: Text(" ".join(f"word{i}" for i in range(400)), tps=40)
    proc = start(["ask", "--chat-profile", "talk", "--no-images", "remember the lighthouse"], home, **keys)
    assert proc.stdout is not None
    first = proc.stdout.read(4)  # blocks until the reply has started to arrive on screen
    assert first.startswith(b"word")
    kill9(proc)

    import json

    (listed,) = json.loads(cli(home, "chats", "list", "--json"))
    shown = json.loads(cli(home, "chats", "show", listed["id"], "--json"))
    assert shown["messages"][0]["role"] == "user"
    assert shown["messages"][0]["content"] == "remember the lighthouse"
    assert integrity(home) == "ok"

    # The chat is still usable: the next turn goes out with the saved user message in it.
    chat.decider = lambda _request: Text("Still here.")
    out = cli(home, "ask", "--chat", listed["id"], "--no-images", "are you there?", **keys)
    assert out == "Still here.\n"
    sent = chat.chat_requests[-1].body["messages"]
    assert sent[0] == {"role": "user", "content": "remember the lighthouse"}
    assert sent[-1] == {"role": "user", "content": "are you there?"}
    assert integrity(home) == "ok"


def wait_for_files(home: Path, proc: subprocess.Popen[bytes], limit: float = 30.0) -> None:
    """Poll until the program has put a file under images/ (temporary or final), or has exited."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        if image_files(home):
            return
        time.sleep(0.0005)


def kill_while_saving(
    home: Path, images: FakeOpenAIImages, keys: dict[str, str], store: str = "orm"
) -> tuple[set[str], set[str]]:
    """Start a four-image ``generate`` against ``images``, kill -9 it once its files appear; the orphans.

    ``store``: ``orm`` (a fresh home: generate sweeps and stores through the ORM) or ``plain`` (swept first:
    generate stores with plain sqlite3)."""
    cli(home, "image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1",
        "--base-url", images.base_url, "--default")
    if store == "plain":
        cli(home, "images", "list")
    proc = start(["generate", "--count", "4", "--size", "1536x1024", "four big boats"], home, **keys)
    wait_for_files(home, proc)
    kill9(proc)
    return orphans(home)


@pytest.mark.parametrize("store", ["orm", "plain"])
@pytest.mark.parametrize("attempt", range(3))
def test_kill_while_images_are_saved(tmp_path: Path, attempt: int, store: str) -> None:
    home = tmp_path / "home"
    with FakeOpenAIImages() as images:
        keys = {"OPENAI_API_KEY": TEST_KEYS["openai"]}
        files_only, rows_only = kill_while_saving(home, images, keys, store)
        assert rows_only == set(), "a row points at a missing file"
        assert len(image_rows(home)) in (0, 4), "a batch is all or nothing"

        # The next start keeps fresh leftovers (another process may be about to commit them) ...
        cli(home, "images", "list", "--json")
        assert orphans(home) == (files_only, set())
        assert integrity(home) == "ok"
        # The killed run's reservation is settled (no other run alive), or says ok if its rows committed.
        outcomes = [entry["outcome"] for entry in json.loads(cli(home, "audit", "--json"))]
        assert outcomes == (["ok"] if image_rows(home) else ["interrupted"])
        # ... and removes them once they are older than the sweep's minimum age.
        old = time.time() - SWEEP_MIN_AGE - 5
        for rel in files_only:
            os.utime(home / rel, (old, old))
        listed = cli(home, "images", "list", "--json")
        assert_no_orphans(home)
        assert listed.count('"id"') == len(image_rows(home))
        # And the program still works after the crash.
        cli(home, "generate", "--json", "one more boat", **keys)
        assert_no_orphans(home)


def test_a_leftover_from_a_crash_is_swept_on_the_next_start(tmp_path: Path) -> None:
    """The deterministic form of the crash above: a file renamed into place, its commit never made."""
    home = tmp_path / "home"
    cli(home, "doctor")
    leftovers = [home / "images/2024/01/0123456789abcdef0123456789abcdef.png",
                 home / "images/2024/01/.0123456789abcdef0123456789abcdef.png.x1y2z3.tmp"]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x89PNG\r\n\x1a\n")
    fresh = home / "images/2024/01/fedcba9876543210fedcba9876543210.png"
    fresh.write_bytes(b"\x89PNG\r\n\x1a\n")
    old = time.time() - SWEEP_MIN_AGE - 5
    for path in leftovers:
        os.utime(path, (old, old))
    cli(home, "images", "list")
    assert not any(p.exists() for p in leftovers)
    assert fresh.exists(), "a fresh file may belong to a run that is about to commit it"
