"""Retired models are still sent (compatible servers serve them) with a warning naming the replacement;
when the vendor answers "model not found" for one, the error says it is retired and names the replacement.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.support import Cli


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path / "home", monkeypatch)


def profile(cli: Cli, base_url: str, model: str) -> None:
    assert cli("keys", "add", "--provider", "openai", "--label", "k", stdin=TEST_KEYS["openai"] + "\n").code == 0
    made = cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", model, "--key", "k",
               "--base-url", base_url, "--default")
    assert made.code == 0, made.err


def test_a_retired_model_is_sent_with_a_warning_naming_its_replacement(cli: Cli) -> None:
    with FakeOpenAIImages(models=("gpt-image-1",)) as fake:  # a compatible server still serving it
        profile(cli, fake.base_url, "gpt-image-1")
        result = cli("generate", "--json", "a fox")
        assert result.code == 0, result.err
        assert fake.requests_to("/images/generations")[0].json["model"] == "gpt-image-1"
    assert result.json()["warnings"] == [
        "gpt-image-1 was retired by OpenAI on 2026-10-23; sent anyway because compatible servers may still serve "
        "it. Use gpt-image-2.5-sunburst instead."
    ]


def test_model_not_found_for_a_retired_model_names_the_replacement(cli: Cli) -> None:
    with FakeOpenAIImages(models=("gpt-image-2",)) as fake:  # the vendor: gpt-image-1 is gone
        profile(cli, fake.base_url, "gpt-image-1")
        result = cli("generate", "a fox")
    assert result.code == 4
    assert result.last_err_line.startswith(
        "quilltap-tui: gpt-image-1 was retired by OpenAI on 2026-10-23 and is no longer served there; use "
        "gpt-image-2.5-sunburst instead (OpenAI rejected the request: The model 'gpt-image-1' does not exist"
    ), result.last_err_line


def test_model_not_found_for_a_current_model_is_left_as_the_vendor_said(cli: Cli) -> None:
    with FakeOpenAIImages(models=("gpt-image-2",)) as fake:
        profile(cli, fake.base_url, "gpt-image-2.6-flare")
        result = cli("generate", "a fox")
    assert result.code == 4
    assert "retired" not in result.last_err_line and "does not exist" in result.last_err_line
