"""The command line's JSON is what CONTRACT.md and scripts rely on: the typed views' ``as_json()`` must
print the very documents the dict-shaped services printed (keys, their order, types), byte for byte once
the ids and timestamps a run makes are replaced by placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from quilltap_tui.services import chats
from tests.chat_support import make_ctx
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.support import Cli

_ID = re.compile(r'"[0-9a-f]{32}"')
_TIME = re.compile(r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00"')


def normal(text: str) -> str:
    return _TIME.sub('"TIME"', _ID.sub('"ID"', text)).strip()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path / "home", monkeypatch)


def ok(cli: Cli, *args: str, stdin: str | None = None) -> str:
    result = cli(*args, "--json", stdin=stdin)
    assert result.code == 0, result.err
    return normal(result.out)


KEY = ('{"id": "ID", "label": "work", "provider": "openai", "last4": "…cdef", "backend": "file", "env_var": null, '
       '"valid": null, "validated_at": null, "created_at": "TIME", "used_by": %s}')
ART = ('{"id": "ID", "name": "art", "provider": "openai", "model": "gpt-image-1", "base_url": null, '
       '"effective_base_url": "https://api.openai.com/v1", "available": true, "key": "work", "key_last4": "…cdef", '
       '"parameters": {"quality": "high"}, "tags": ["alpha", "Zeta"], "default": %s, "created_at": "TIME", '
       '"updated_at": "TIME", "max_images_per_call": 4, "max_images_per_minute": 10, "max_images_per_day": 200}')
TALK = ('{"id": "ID", "name": "talk", "provider": "ollama", "model": "llama3.2", "base_url": "http://127.0.0.1:9/v1", '
        '"effective_base_url": "http://127.0.0.1:9/v1", "available": true, "key": null, "key_last4": null, '
        '"parameters": {"temperature": 0.5}, "tags": [], "default": false, "created_at": "TIME", '
        '"updated_at": "TIME", "system_prompt": "Be brief."}')


def test_keys_and_profiles_print_the_documents_they_always_printed(cli: Cli) -> None:
    assert ok(cli, "keys", "add", "--provider", "openai", "--label", "work",
              stdin="sk-test-0123456789abcdef\n") == KEY % "[]"
    added = ok(cli, "image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1",
               "--key", "work", "--param", "quality=high", "--tag", "Zeta", "--tag", "alpha", "--default")
    assert added == ART % "true"
    assert ok(cli, "chat-profiles", "add", "--name", "talk", "--provider", "ollama", "--model", "llama3.2",
              "--base-url", "http://127.0.0.1:9/v1", "--param", "temperature=0.5",
              "--system", "Be brief.") == TALK
    assert ok(cli, "image-profiles", "list") == f"[{ART % 'true'}]"
    assert ok(cli, "image-profiles", "show", "art") == ART % "true"
    assert ok(cli, "chat-profiles", "list") == f"[{TALK}]"
    assert ok(cli, "chat-profiles", "show", "talk") == TALK
    assert ok(cli, "keys", "list") == f'[{KEY % """["art"]"""}]'
    assert ok(cli, "image-profiles", "edit", "art", "--no-default") == ART % "false"
    assert ok(cli, "image-profiles", "set-default", "art") == ART % "true"
    assert ok(cli, "chat-profiles", "rm", "talk") == TALK
    assert ok(cli, "image-profiles", "rm", "art") == ART % "true"
    assert ok(cli, "keys", "rm", "work") == KEY % "[]"


CHAT = ('{"id": "ID", "title": "%s", "chat_profile": "talk", "image_profile": "art", "images_enabled": true, '
        '"show_images": false, "tags": ["alpha"], "messages": %s, "tool_calls": 0, "images": 0, '
        '"created_at": "TIME", "updated_at": "TIME"}')


def test_chats_print_the_documents_they_always_printed(cli: Cli) -> None:
    cli("chat-profiles", "add", "--name", "talk", "--provider", "ollama", "--model", "llama3.2", "--default")
    cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1", "--tag", "alpha")
    ctx = make_ctx(cli.home)
    chat_id = chats.create_chat(ctx, tags=["alpha"], title="Boats").id
    ctx.close()
    assert ok(cli, "chats", "list") == f"[{CHAT % ('Boats', 0)}]"
    assert ok(cli, "chats", "show", chat_id[:8]) == CHAT % ("Boats", "[]")
    assert ok(cli, "chats", "rename", chat_id, "Ships") == CHAT % ("Ships", 0)
    no_images = CHAT.replace('"image_profile": "art", "images_enabled": true', '"image_profile": null, '
                             '"images_enabled": false')
    assert ok(cli, "chats", "set-image-profile", chat_id, "--none") == no_images % ("Ships", 0)
    assert ok(cli, "chats", "rm", chat_id) == no_images % ("Ships", 0)


GALLERY_KEYS = ["id", "path", "mime_type", "width", "height", "bytes", "sha256", "revised_prompt", "seed", "prompt",
                "negative_prompt", "provider", "model", "profile", "used", "chat_id", "message_id", "created_at",
                "inputs"]


AUDIT_KEYS = ["id", "time", "action", "source", "profile", "provider", "model", "prompt", "parameters", "outcome",
              "error_class", "error", "latency_ms", "image_ids", "chat_id"]


def test_images_list_prints_generates_image_then_how_and_where_it_was_made(cli: Cli) -> None:
    with FakeOpenAIImages() as fake:
        cli("keys", "add", "--provider", "openai", "--label", "work", stdin=TEST_KEYS["openai"] + "\n")
        cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1",
            "--key", "work", "--base-url", fake.base_url, "--default")
        made = cli("generate", "--json", "--size", "1024x1024", "a lighthouse at dusk")
        assert made.code == 0, made.err
    (image,) = made.json()["images"]
    listed = cli("images", "list", "--json")
    assert listed.code == 0, listed.err
    (item,) = listed.json()
    assert list(item) == GALLERY_KEYS
    assert {k: item[k] for k in image} == image  # generate --json's image, field for field
    assert item["prompt"] == "a lighthouse at dusk" and item["negative_prompt"] is None
    assert (item["provider"], item["model"], item["profile"]) == ("openai", "gpt-image-1", "art")
    assert item["used"] == made.json()["used"] and item["inputs"] == []
    assert (item["chat_id"], item["message_id"]) == (None, None) and _TIME.fullmatch(f'"{item["created_at"]}"')
    # Byte for byte what the dict-shaped listing printed: the keys in this order, json.dumps' spacing.
    assert listed.out.startswith('[{"id": "' + image["id"] + '", "path": ')
    audited = cli("audit", "--json")
    (entry,) = audited.json()
    assert list(entry) == AUDIT_KEYS
    assert (entry["action"], entry["source"], entry["profile"], entry["outcome"], entry["image_ids"]) == (
        "generate", "cli", "art", "ok", [image["id"]])
    assert isinstance(entry["id"], int) and isinstance(entry["latency_ms"], int)
    assert entry["parameters"]["used"] == made.json()["used"] and entry["chat_id"] is None


def test_keys_validate_prints_the_document_it_always_printed(cli: Cli) -> None:
    with FakeOpenAIImages() as fake:
        cli("keys", "add", "--provider", "openai", "--label", "work", stdin=TEST_KEYS["openai"] + "\n")
        checked = cli("keys", "validate", "work", "--base-url", fake.base_url, "--json")
    assert checked.code == 0, checked.err
    url = fake.base_url
    assert checked.out.strip() == (
        f'{{"label": "work", "provider": "openai", "base_url": "{url}", "valid": true, '
        f'"message": "Key work works with OpenAI at {url}."}}')
