"""Fixtures of the fault matrix: a fresh home per test, keys from the environment (no vault work)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from quilltap_tui.providers import retry
from tests.fakes.server import RecordingSleep
from tests.faults.links import LinkServer
from tests.support import Cli


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    c = Cli(tmp_path / "home", monkeypatch)
    monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "2")
    return c


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> RecordingSleep:
    """Every retry of chat and image providers goes through the one loop; here it waits for nothing."""
    recorder = RecordingSleep()
    monkeypatch.setattr(retry, "SLEEP", recorder)
    return recorder


@pytest.fixture(scope="module")
def links() -> Iterator[LinkServer]:
    with LinkServer() as server:
        yield server
