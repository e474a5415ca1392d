"""`keys validate` and `models --chat` for chat-only providers, against the loopback fake chat servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.chat_servers import FakeChatServer
from tests.support import Cli

GOOD = "sk-ant-test-0123456789abcdef"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path / "home", monkeypatch)


@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_validate_and_list_chat_models(cli: Cli, kind: str) -> None:
    provider = "anthropic" if kind == "anthropic" else "openrouter"
    with FakeChatServer(kind, api_key=GOOD) as fake:
        assert cli("keys", "add", "--provider", provider, "--label", "good", stdin=GOOD).code == 0
        assert cli("keys", "add", "--provider", provider, "--label", "bad", stdin="sk-wrong-0000000000").code == 0
        ok = cli("keys", "validate", "good", "--base-url", fake.base_url)
        assert ok.code == 0, ok.err
        bad = cli("keys", "validate", "bad", "--base-url", fake.base_url)
        assert bad.code == 4 and "sk-wrong-0000000000" not in bad.err
        valid = {k["label"]: k["valid"] for k in cli("keys", "list", "--json").json()}
        assert valid == {"bad": False, "good": True}
        models = cli("models", "--provider", provider, "--key", "good", "--base-url", fake.base_url, "--chat",
                     "--json").json()
        live = [m["id"] for m in models if "live" in m["source"]]
        assert live == ["fake-chat-1", "fake-chat-2"]
        assert any(m["source"] == ["built-in"] for m in models)
