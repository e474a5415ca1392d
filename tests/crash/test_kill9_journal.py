"""kill -9 mid-save, then later starts: the killed run's files go through its journal entry alone.

The start-up sweep no longer scans the whole gallery each time (at most once an hour). This shows the
guarantee still holds without that scan: a stray file no journal entry names stays until the hourly
scan is due, while the killed run's leftovers go as soon as they are old enough.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from quilltap_tui.services import image_sweep
from tests.crash.test_kill9 import SWEEP_MIN_AGE, cli, kill_while_saving
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.faults.support import assert_no_orphans, image_rows, integrity, orphans


def age(paths: list[Path], seconds: float) -> None:
    then = time.time() - seconds
    for path in paths:
        os.utime(path, (then, then))


@pytest.mark.parametrize("attempt", range(2))
def test_a_killed_save_is_swept_through_its_journal_without_the_full_scan(tmp_path: Path, attempt: int) -> None:
    home = tmp_path / "home"
    with FakeOpenAIImages() as images:
        keys = {"OPENAI_API_KEY": TEST_KEYS["openai"]}
        files_only, rows_only = kill_while_saving(home, images, keys)
        assert rows_only == set()
        assert len(image_rows(home)) in (0, 4)
        if not files_only:
            pytest.skip("the kill landed after the commit: nothing was left to sweep")
        journal = sorted((home / image_sweep.JOURNAL_DIR).glob("*.json"))
        assert journal, "files were left without a journal entry naming them"

        stray = home / "images/2024/01" / f"{'a' * 32}.png"
        stray.parent.mkdir(parents=True, exist_ok=True)
        stray.write_bytes(b"\x89PNG\r\n\x1a\nstray")
        age([home / rel for rel in files_only] + [stray], SWEEP_MIN_AGE + 5)

        cli(home, "images", "list", "--json")
        assert orphans(home)[0] == {"images/2024/01/" + stray.name}, "the killed run's files are still there"
        assert integrity(home) == "ok"

        age([home / image_sweep.JOURNAL_DIR / image_sweep.MARKER], image_sweep.FULL_SWEEP_INTERVAL_S + 5)
        cli(home, "images", "list", "--json")
        assert_no_orphans(home)
        cli(home, "generate", "--json", "one more boat", **keys)
        assert_no_orphans(home)
