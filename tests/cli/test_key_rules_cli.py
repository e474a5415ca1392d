"""A key belongs to its provider (CONTRACT: exit 2 naming both providers; openai-compatible takes any key).

Both kinds of profile, on add and on edit (a new key, or a new provider under the old key), and model
discovery: a key is never sent on behalf of another provider, not even to a custom base URL.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages, FakeXAIImages
from tests.support import Cli


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    c = Cli(tmp_path / "home", monkeypatch)
    for provider, label in (("openai", "oa"), ("grok", "xa"), ("anthropic", "an")):
        secret = TEST_KEYS.get(provider, "sk-ant-test-0000000000000000abcd")
        assert c("keys", "add", "--provider", provider, "--label", label, stdin=secret + "\n").code == 0
    return c


def assert_refused(result: object, key: str, owner: str, target: str) -> None:
    assert result.code == 2, result.err  # type: ignore[attr-defined]
    line = result.last_err_line  # type: ignore[attr-defined]
    assert f"Key {key} is stored for" in line and f"({owner})" in line and f"({target})" in line, line


def test_an_image_profile_refuses_a_key_of_another_provider(cli: Cli) -> None:
    result = cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-2",
                 "--key", "xa")
    assert_refused(result, "xa", "grok", "openai")
    assert cli("image-profiles", "list", "--json").json() == []  # nothing half-written


def test_a_chat_profile_refuses_a_key_of_another_provider(cli: Cli) -> None:
    result = cli("chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "gpt-5",
                 "--key", "an")
    assert_refused(result, "an", "anthropic", "openai")


def test_edit_refuses_a_foreign_key_and_a_provider_its_key_does_not_belong_to(cli: Cli) -> None:
    assert cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-2",
               "--key", "oa").code == 0
    assert_refused(cli("image-profiles", "edit", "art", "--key", "xa"), "xa", "grok", "openai")
    assert_refused(cli("image-profiles", "edit", "art", "--provider", "grok"), "oa", "openai", "grok")
    shown = cli("image-profiles", "show", "art", "--json").json()
    assert (shown["provider"], shown["key"]) == ("openai", "oa")  # unchanged
    assert cli("image-profiles", "edit", "art", "--provider", "grok", "--key", "xa").code == 0
    assert cli("chat-profiles", "add", "--name", "talk", "--provider", "anthropic", "--model", "claude-x",
               "--key", "an").code == 0
    assert_refused(cli("chat-profiles", "edit", "talk", "--key", "oa"), "oa", "openai", "anthropic")


def test_an_openai_compatible_profile_takes_any_key(cli: Cli) -> None:
    result = cli("chat-profiles", "add", "--name", "local", "--provider", "openai-compatible", "--model", "m",
                 "--key", "an", "--base-url", "http://127.0.0.1:9/v1")
    assert result.code == 0, result.err


def test_model_discovery_never_sends_a_key_for_another_provider(cli: Cli) -> None:
    with FakeXAIImages() as fake:
        result = cli("models", "--provider", "grok", "--key", "oa", "--base-url", fake.base_url, "--json")
        assert_refused(result, "oa", "openai", "grok")
        assert fake.requests == []  # the OpenAI key never left the process
        ok = cli("models", "--provider", "grok", "--key", "xa", "--base-url", fake.base_url, "--json")
        assert ok.code == 0, ok.err
        assert fake.requests and fake.requests[0].headers["authorization"] == f"Bearer {TEST_KEYS['grok']}"
    with FakeOpenAIImages() as fake:
        chat = cli("models", "--chat", "--provider", "openai", "--key", "an", "--base-url", fake.base_url)
        assert_refused(chat, "an", "anthropic", "openai")
        assert fake.requests == []


def _bind_key_behind_the_rules_back(home: Path, table: str, profile: str, key: str) -> None:
    """A profile saved before keys were bound to providers: its row points at another provider's key."""
    with sqlite3.connect(home / "quilltap.db") as db:
        (key_id,) = db.execute("SELECT id FROM api_key WHERE label = ?", (key,)).fetchone()
        db.execute(f"UPDATE {table} SET api_key_id = ? WHERE name = ?", (key_id, profile))


def test_an_old_profile_holding_another_provider_s_key_sends_nothing(cli: Cli) -> None:
    with FakeOpenAIImages() as fake:
        assert cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-2",
                   "--base-url", fake.base_url, "--default").code == 0
        _bind_key_behind_the_rules_back(cli.home, "image_profile", "art", "xa")
        result = cli("generate", "a fox")
        assert_refused(result, "xa", "grok", "openai")
        assert fake.requests == []
        assert cli("chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "gpt-5",
                   "--base-url", fake.base_url, "--default").code == 0
        _bind_key_behind_the_rules_back(cli.home, "chat_profile", "talk", "an")
        asked = cli("ask", "--chat-profile", "talk", "--no-images", "hello")
        assert asked.code == 2 and "Key an is stored for" in asked.last_err_line, asked.err
        assert fake.requests == []
