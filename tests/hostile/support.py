"""Running one attack: the real program in a subprocess, timed, with its peak memory measured."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.faults.support import assert_no_orphans, one_sentence
from tests.support import Cli, Result, base_env

RSS_LIMIT_MB = 400
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    result: Result
    seconds: float
    peak_mb: float
    ended: float  # time.monotonic() when the program had exited

    def since(self, request: Any) -> float:
        """Seconds from ``request`` reaching the server to the program's end (start-up not counted)."""
        return float(self.ended - request.at)

    @property
    def sentence(self) -> str:
        return one_sentence(self.result)


def attack(home: Path, args: list[str], *, env: Mapping[str, str] | None = None, within: float) -> Outcome:
    """Run ``quilltap-tui ARGS`` against a hostile server; it must end within ``within`` seconds."""
    rss_file = home.parent / "peak-rss"
    full = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_") and not k.endswith("_API_KEY")}
    full.update(base_env(home))
    full.update({"HOSTILE_RSS_FILE": str(rss_file), "QUILLTAP_MAX_RETRIES": "0", "OPENAI_API_KEY": "sk-hostile-0000"})
    full.update(env or {})
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "tests.hostile.rss_main", *args], capture_output=True, text=True,
                          env=full, cwd=ROOT, timeout=within + 30, check=False)
    ended = time.monotonic()
    seconds = ended - started
    outcome = Outcome(Result(proc.returncode, proc.stdout, proc.stderr), seconds,
                      int(rss_file.read_text()) / 1024, ended)
    assert seconds < within, f"took {seconds:.1f} s (limit {within} s): {proc.stderr[-500:]}"
    assert outcome.peak_mb < RSS_LIMIT_MB, f"peak RSS {outcome.peak_mb:.0f} MB"
    assert_no_orphans(home)
    return outcome


def add_profiles(cli: Cli, base_url: str, *, max_per_call: int = 4) -> None:
    """A chat profile and a default image profile, both at ``base_url``."""
    assert cli("chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "m",
               "--base-url", base_url).code == 0
    assert cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1",
               "--base-url", base_url, "--default", "--max-per-call", str(max_per_call)).code == 0
