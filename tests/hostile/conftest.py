"""Fixtures of the hostile-server suite: a fresh home with profiles pointed at one attack server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import Cli


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    c = Cli(tmp_path / "home", monkeypatch)
    monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "0")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-hostile-0000")
    return c
