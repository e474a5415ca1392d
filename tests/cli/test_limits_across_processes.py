"""Per-minute limits hold across processes: real ``quilltap-tui generate`` runs racing for one profile.

The fake answers slowly, so every run has checked the limit before any has saved an image: with a
check that only sees saved images (or a lock that lives in one process), every run would pass.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.fakes.server import Recorded, Reply
from tests.support import base_env, run_subprocess

RUNS = 6
LIMIT = 3


class SlowOpenAIImages(FakeOpenAIImages):
    """Answers each generation after a pause long enough for every racing run to get past its check."""

    delay = 2.0

    def generate(self, request: Recorded, match: re.Match[str]) -> Reply:
        time.sleep(self.delay)
        return super().generate(request, match)


@pytest.fixture
def slow_fake() -> Iterator[SlowOpenAIImages]:
    with SlowOpenAIImages() as fake:
        yield fake


def env_for(home: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_") and not k.endswith("_API_KEY")}
    env.update(base_env(home))
    env["QUILLTAP_MAX_RETRIES"] = "0"
    if database_url:
        env["QUILLTAP_DATABASE_URL"] = database_url
    return env


def cli(home: Path, database_url: str | None, *args: str, stdin: str = "") -> Any:
    extra = {"QUILLTAP_DATABASE_URL": database_url} if database_url else {}
    result = run_subprocess(args, home=home, env=extra, stdin=stdin)
    assert result.code == 0, result.err
    return result


def race(home: Path, database_url: str | None, fake_url: str, stores: str = "orm") -> list[tuple[int, str, str]]:
    """``stores``: ``orm`` (a fresh home: every run sweeps and stores through the ORM), ``plain`` (swept
    first: every run takes the plain sqlite3 store), ``mixed`` (swept; every other run is sent through the
    ORM by naming the same file in QUILLTAP_DATABASE_URL)."""
    cli(home, database_url, "keys", "add", "--provider", "openai", "--label", "k", stdin=TEST_KEYS["openai"] + "\n")
    cli(home, database_url, "image-profiles", "add", "--name", "art", "--provider", "openai", "--model",
        "gpt-image-1", "--key", "k", "--base-url", fake_url, "--max-per-minute", str(LIMIT), "--default")
    if stores != "orm":
        cli(home, database_url, "images", "list")  # the home's first full sweep: later runs have nothing to sweep
    env = env_for(home, database_url)
    orm_env = {**env, "QUILLTAP_DATABASE_URL": f"sqlite:///{home / 'quilltap.db'}"}
    procs = [
        subprocess.Popen([sys.executable, "-m", "quilltap_tui", "generate", "--json", f"racer {n}"],
                         env=orm_env if stores == "mixed" and n % 2 else env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(RUNS)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append((proc.returncode, out, err))
    return results


def check_outcome(home: Path, database_url: str | None, results: list[tuple[int, str, str]],
                  fake: SlowOpenAIImages) -> None:
    codes = sorted(code for code, _out, _err in results)
    assert codes == [0] * LIMIT + [5] * (RUNS - LIMIT), [err for _c, _o, err in results]
    for code, _out, err in results:
        if code == 5:
            last = [line for line in err.splitlines() if line.strip()][-1]
            assert f"allows {LIMIT} images per minute" in last, err
    assert len(fake.requests_to("/images/generations")) == LIMIT
    audit = cli(home, database_url, "audit", "--json").json()
    outcomes = sorted(entry["outcome"] for entry in audit)
    assert outcomes == ["limited"] * (RUNS - LIMIT) + ["ok"] * LIMIT
    listed = cli(home, database_url, "images", "list", "--json").json()
    assert len(listed) == LIMIT


@pytest.mark.parametrize("stores", ["orm", "plain", "mixed"])
def test_racing_processes_never_exceed_the_per_minute_limit(
    tmp_path: Path, slow_fake: SlowOpenAIImages, stores: str
) -> None:
    home = tmp_path / "home"
    results = race(home, None, slow_fake.base_url, stores)
    check_outcome(home, None, results, slow_fake)
    con = sqlite3.connect(home / "quilltap.db")
    try:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()


@pytest.mark.postgres
def test_racing_processes_never_exceed_the_limit_on_postgresql(
    tmp_path: Path, slow_fake: SlowOpenAIImages, pg_url: str
) -> None:
    home = tmp_path / "home"
    results = race(home, pg_url, slow_fake.base_url)
    check_outcome(home, pg_url, results, slow_fake)
