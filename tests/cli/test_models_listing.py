"""`models --provider ID` works without a key for every image provider the registry has."""

from __future__ import annotations

from pathlib import Path

import pytest

from quilltap_tui.provider_ids import image_ids
from tests.support import Cli

CONTRACT_KEYS = {"id", "source", "retired", "shutdown_date", "replacement", "capabilities"}


@pytest.mark.parametrize("provider", image_ids())
def test_models_without_a_key_lists_the_built_in_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        provider: str) -> None:
    cli = Cli(tmp_path / "home", monkeypatch)
    result = cli("models", "--provider", provider, "--json")
    assert result.code == 0, result.err
    models = result.json()
    assert all(set(m) == CONTRACT_KEYS and m["source"] == ["built-in"] for m in models)
    if provider != "openai-compatible":  # a generic server names its own models: nothing is built in
        assert models and any(not m["retired"] for m in models)
    for m in models:
        assert (m["retired"] or m["capabilities"]["deprecated"]) == (m["replacement"] is not None)
        assert m["shutdown_date"] is None or len(m["shutdown_date"]) == 10


def test_the_human_table_says_retired_when_and_what_instead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = Cli(tmp_path / "home", monkeypatch)
    out = cli("models", "--provider", "openai").out
    line = next(row for row in out.splitlines() if row.startswith("gpt-image-1 "))
    assert "retired 2026-10-23 -> gpt-image-2.5-sunburst" in line
