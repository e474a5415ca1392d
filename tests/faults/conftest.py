"""Fixtures of the fault matrix: a fresh home per test, keys from the environment (no vault work)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.links import LinkServer
from tests.support import Cli


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    c = Cli(tmp_path / "home", monkeypatch)
    monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "2")
    return c


@pytest.fixture(scope="module")
def links() -> Iterator[LinkServer]:
    with LinkServer() as server:
        yield server
