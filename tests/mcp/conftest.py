"""Fixtures for the MCP server tests: an isolated home, the in-process CLI to set it up, a fake OpenAI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.image_servers import FakeOpenAIImages
from tests.support import Cli


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    c = Cli(tmp_path / "home", monkeypatch)
    monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "0")
    return c


@pytest.fixture
def home(cli: Cli) -> Path:
    return cli.home


@pytest.fixture
def openai_fake() -> Iterator[FakeOpenAIImages]:
    with FakeOpenAIImages() as fake:
        yield fake  # type: ignore[misc]
