"""Item 13: after kill -9, the next start settles the reply left ``streaming`` and the audit row left ``pending``."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.hostile.server import HostileServer, endless_sse, one_byte_a_second
from tests.hostile.support import add_profiles
from tests.support import Cli, base_env, run_subprocess


def _killed_mid_run(home: Path, args: list[str], started: Callable[[], bool]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_") and not k.endswith("_API_KEY")}
    env.update(base_env(home), OPENAI_API_KEY="sk-hostile-0000", QUILLTAP_MAX_RETRIES="0")
    proc = subprocess.Popen([sys.executable, "-m", "quilltap_tui", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not started() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started(), "the run never got going"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def _rows(home: Path, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(home / "quilltap.db")
    try:
        return list(con.execute(sql))
    finally:
        con.close()


def test_the_next_start_settles_what_a_killed_run_left_open(cli: Cli) -> None:
    with HostileServer(endless_sse) as chat, HostileServer(one_byte_a_second(b"HTTP/1.1 200 OK\r\n")) as images:
        add_profiles(cli, chat.base_url)
        assert cli("image-profiles", "edit", "art", "--base-url", images.base_url).code == 0
        _killed_mid_run(cli.home, ["ask", "--chat-profile", "talk", "--no-images", "hello"],
                        lambda: bool(chat.requests) and bool(_rows(cli.home, "select 1 from message where "
                                                                   "status = 'streaming'")))
        assert _rows(cli.home, "select count(*) from message where status = 'streaming'") == [(1,)]
        # The next start (this generate) settles the reply; then it is killed in turn, mid-request.
        _killed_mid_run(cli.home, ["generate", "a cat"], lambda: bool(images.requests))
    assert _rows(cli.home, "select count(*) from message where status = 'streaming'") == [(0,)]
    assert _rows(cli.home, "select outcome from audit_log") == [("pending",)]
    assert run_subprocess(["images", "list"], home=cli.home).code == 0  # any start-up
    assert _rows(cli.home, "select outcome from audit_log") == [("interrupted",)]
    (error,) = _rows(cli.home, "select error from message where role = 'assistant'")
    assert "stopped before this reply finished" in str(error[0])
