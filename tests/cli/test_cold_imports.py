"""Each command imports only what it uses: listings never load a provider SDK or Pillow.

Checked in a fresh process through ``sys.modules`` (what a user pays for is the import), never by
timing. ``ask``'s warm-up thread reads which SDK to import from the SQLite file without the ORM.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from quilltap_tui.cli.warm import peek_chat_provider, peek_key_backend, start_vault_key
from tests.support import Cli, base_env

# The scrypt module is imported only to derive the vault key: a listing never needs a secret.
HEAVY = ("openai", "anthropic", "PIL", "httpx2", "quilltap_tui.services.generation",
         "cryptography.hazmat.primitives.kdf.scrypt")
_PROBE = """
import json, sys
from quilltap_tui.cli import main
code = main(sys.argv[1:])
heavy = HEAVY_NAMES
print(json.dumps({"code": code, "loaded": [m for m in heavy if m in sys.modules]}), file=sys.stderr)
""".replace("HEAVY_NAMES", repr(HEAVY))


def loaded_after(home: Path, *args: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_")}
    env.update(base_env(home))
    proc = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, proc.stderr
    return list(report["loaded"])


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path / "home", monkeypatch)


@pytest.mark.parametrize("args", [("images", "list"), ("audit",), ("keys", "list"), ("chats", "list")])
def test_listings_import_no_sdk_pillow_http_stack_or_key_derivation(cli: Cli, args: tuple[str, ...]) -> None:
    assert cli("keys", "add", "--provider", "openai", "--label", "work", stdin="sk-test-0123456789abcdef\n").code == 0
    assert loaded_after(cli.home, *args) == []


def ask_ns(chat: str | None = None, chat_profile: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(chat=chat, chat_profile=chat_profile)


def test_ask_warmup_reads_the_provider_of_the_profile_it_will_use(cli: Cli) -> None:
    for provider in ("openai", "anthropic"):
        added = cli("keys", "add", "--provider", provider, "--label", provider, stdin="sk-test-0123456789abcdef\n")
        assert added.code == 0
    assert cli("chat-profiles", "add", "--name", "gpt", "--provider", "openai", "--model", "m1", "--key", "openai",
               "--default").code == 0
    assert cli("chat-profiles", "add", "--name", "claude", "--provider", "anthropic", "--model", "m2",
               "--key", "anthropic").code == 0
    env = dict(base_env(cli.home))
    assert peek_chat_provider(ask_ns(), env) == "openai"  # the default
    assert peek_chat_provider(ask_ns(chat_profile="claude"), env) == "anthropic"
    assert peek_chat_provider(ask_ns(chat_profile="nobody"), env) is None
    # PostgreSQL: no peek (the ask itself opens it); the turn stack is still warmed.
    assert peek_chat_provider(ask_ns(), {**env, "QUILLTAP_DATABASE_URL": "postgresql://x/y"}) is None


def test_ask_warmup_on_a_fresh_home_reads_nothing(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    assert peek_chat_provider(ask_ns(), base_env(home)) is None
    assert not home.exists() or not any(home.rglob("*.db"))  # the peek never creates the database


@pytest.mark.parametrize(("args", "shown"), [(("keys", "list"), "…cdef"), (("images", "list"), "No images yet"),
                                             (("audit",), "The audit log is empty"),
                                             (("chats", "list"), "No chats yet")])
def test_listings_read_the_sqlite_file_without_sqlalchemy(cli: Cli, args: tuple[str, ...], shown: str) -> None:
    assert cli("keys", "add", "--provider", "openai", "--label", "work", stdin="sk-test-0123456789abcdef\n").code == 0
    assert cli("images", "list").code == 0  # the first run's full sweep (ORM path); later runs have nothing to sweep
    probe = _PROBE.replace(repr(HEAVY), repr(("sqlalchemy", "sqlmodel", "quilltap_tui.db.models", "asyncio")))
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_")}
    env.update(base_env(cli.home))
    proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    assert shown in proc.stdout
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == {"code": 0, "loaded": []}


def test_the_vault_key_head_start_reads_where_the_profiles_key_is_kept(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENV_KEY", "sk-env-0123456789abcdefXYZ")
    secret = "sk-test-0123456789abcdef\n"
    assert cli("keys", "add", "--provider", "openai", "--label", "vaulted", stdin=secret).code == 0
    monkeypatch.setenv("QUILLTAP_VAULT", "env")  # the key stays in the environment variable
    assert cli("keys", "add", "--provider", "openai", "--label", "fromenv", "--from-env", "ENV_KEY").code == 0
    monkeypatch.setenv("QUILLTAP_VAULT", "file")
    for kind, key, default in (("chat", "vaulted", "--default"), ("chat", "fromenv", None),
                               ("image", "fromenv", "--default"), ("image", "vaulted", None)):
        args = [f"{kind}-profiles", "add", "--name", f"{kind}-{key}", "--provider", "openai", "--model", "m",
                "--key", key]
        assert cli(*args, *([default] if default else [])).code == 0
    env = dict(base_env(cli.home))
    assert peek_key_backend(ask_ns(), env, chat=True) == "file"
    assert peek_key_backend(ask_ns(chat_profile="chat-fromenv"), env, chat=True) == "env"
    assert peek_key_backend(argparse.Namespace(profile=None), env, chat=False) == "env"
    assert peek_key_backend(argparse.Namespace(profile="image-vaulted"), env, chat=False) == "file"
    assert peek_key_backend(argparse.Namespace(profile="nobody"), env, chat=False) is None
    # Only a file-vault key with the passphrase at hand starts the derivation.
    assert start_vault_key(argparse.Namespace(profile=None), env, chat=False) is None
    thread = start_vault_key(ask_ns(), env, chat=True)
    assert thread is not None
    thread.join(30)
    no_passphrase = {k: v for k, v in env.items() if k != "QUILLTAP_VAULT_PASSPHRASE"}
    assert start_vault_key(ask_ns(), no_passphrase, chat=True) is None


# What `ask` never needs while the model calls no tool: the ORM (it reads and writes with plain sqlite3) and
# the image stack (generation service, HTTP image clients, Pillow, the edit inputs, the magic-byte sniffer).
ASK_NEVER = ("sqlalchemy", "sqlmodel", "quilltap_tui.db.models", "quilltap_tui.services.chat_turn",
             "quilltap_tui.services.generation", "quilltap_tui.services.attachments",
             "quilltap_tui.services.edit_inputs", "quilltap_tui.services.image_store", "quilltap_tui.imagegen.sniff",
             "quilltap_tui.services.profiles", "PIL")


# ... and, with --no-images, what only image generation and the listings use: the option vocabulary (and
# the parsers of the image commands), the model catalogue (a user's models.toml is read only when there is
# one), the listings' views.
ASK_NO_IMAGES_NEVER = ("quilltap_tui.imagegen.options", "quilltap_tui.imagegen.spec", "quilltap_tui.imagegen.catalogue",
                       "quilltap_tui.imagegen.spec_model", "quilltap_tui.services.gallery_view",
                       "quilltap_tui.services.audit_view", "quilltap_tui.services.key_view")
# Collections in a cold `ask`: paused while the SDK and the turn stack import (the collector kept traversing
# what they make, all of it alive for good), then on again with that frozen.
_GC_PROBE = """
import gc, threading
for thread in threading.enumerate():
    if thread.name == "ask-warmup":  # it turns them on again as it ends, maybe just after the reply
        thread.join(30)
print(json.dumps({"gc": [gc.isenabled(), gc.get_freeze_count() > 0]}), file=sys.stderr)
"""


def _ask_loaded(home: Path, *args: str, never: tuple[str, ...] = ASK_NEVER) -> tuple[list[str], str]:
    probe = _PROBE.replace(repr(HEAVY), repr((*never, "openai")))
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_")}
    env.update(base_env(home))
    env["QUILLTAP_MAX_RETRIES"] = "0"
    proc = subprocess.run([sys.executable, "-c", probe, "ask", *args], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, proc.stderr
    return list(report["loaded"]), proc.stdout


@pytest.mark.parametrize("no_images", [True, False])
def test_ask_whose_model_calls_no_tool_loads_neither_the_orm_nor_the_image_stack(cli: Cli, no_images: bool) -> None:
    from tests.chat_support import CHAT_KEYS
    from tests.fakes.chat_servers import FakeChatServer, Text
    from tests.fakes.image_servers import TEST_KEYS

    with FakeChatServer("openai") as chat:
        for label, secret in (("llm", CHAT_KEYS["openai"]), ("img", TEST_KEYS["openai"])):
            assert cli("keys", "add", "--provider", "openai", "--label", label, stdin=secret + "\n").code == 0
        assert cli("chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "fake-chat-1",
                   "--key", "llm", "--base-url", chat.base_url, "--default").code == 0
        assert cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1",
                   "--key", "img", "--default").code == 0
        assert cli("images", "list").code == 0  # the first full sweep (ORM path); later runs skip it
        chat.enqueue(Text("Hello there."))
        flags = ("--no-images",) if no_images else ()
        loaded, out = _ask_loaded(cli.home, *flags, "hi",
                                  never=(*ASK_NEVER, *ASK_NO_IMAGES_NEVER) if no_images else ASK_NEVER)
        assert out == "Hello there.\n"
        assert loaded == ["openai"]
        tools = chat.chat_requests[-1].body.get("tools", [])
        # With images the tool is still declared to the model, from the image profile's row.
        assert [t["function"]["name"] for t in tools] == ([] if no_images else ["generate_image", "edit_image"])


def test_a_cold_ask_pauses_collections_for_its_imports_and_collects_again(cli: Cli) -> None:
    from tests.chat_support import CHAT_KEYS
    from tests.fakes.chat_servers import FakeChatServer, Text

    with FakeChatServer("openai") as chat:
        assert cli("keys", "add", "--provider", "openai", "--label", "llm", stdin=CHAT_KEYS["openai"] + "\n").code == 0
        assert cli("chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "fake-chat-1",
                   "--key", "llm", "--base-url", chat.base_url, "--default").code == 0
        chat.enqueue(Text("Hello there."))
        probe = _PROBE.replace(repr(HEAVY), "()") + _GC_PROBE
        env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_")}
        env.update(base_env(cli.home))
        proc = subprocess.run([sys.executable, "-c", probe, "ask", "--no-images", "hi"], capture_output=True,
                              text=True, env=env, timeout=60, check=False)
    assert proc.stdout == "Hello there.\n", proc.stderr
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == {"gc": [True, True]}  # on again, the imports frozen


# What `generate` and `edit` never need on the SQLite file at the current schema: the ORM (their profile,
# reservation, audit and image rows go through the plain sqlite3 store) and the ORM's generation store.
GENERATE_NEVER = ("sqlalchemy", "sqlmodel", "quilltap_tui.db.models", "quilltap_tui.db.engine",
                  "quilltap_tui.services.image_store", "quilltap_tui.services.sql_generation_store",
                  "quilltap_tui.services.audit", "quilltap_tui.services.generation_profile")


def test_generate_and_edit_on_the_sqlite_file_load_no_orm(cli: Cli) -> None:
    from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages

    probe = _PROBE.replace(repr(HEAVY), repr(GENERATE_NEVER))
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_")}
    env.update(base_env(cli.home))
    env["QUILLTAP_MAX_RETRIES"] = "0"
    with FakeOpenAIImages() as images:
        assert cli("keys", "add", "--provider", "openai", "--label", "img", stdin=TEST_KEYS["openai"] + "\n").code == 0
        assert cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1",
                   "--key", "img", "--base-url", images.base_url, "--default").code == 0
        assert cli("images", "list").code == 0  # the first full sweep (ORM path); later runs skip it
        documents = []
        for args in (("generate", "--json", "a lighthouse"), ("edit", "--json", "--image", "IMAGE", "at night")):
            args = tuple(documents[0]["images"][0]["id"] if a == "IMAGE" else a for a in args)
            proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env,
                                  timeout=60, check=False)
            assert json.loads(proc.stderr.strip().splitlines()[-1]) == {"code": 0, "loaded": []}, proc.stderr
            documents.append(json.loads(proc.stdout))
    assert [len(d["images"]) for d in documents] == [1, 1]
    assert documents[1]["inputs"][0]["id"] == documents[0]["images"][0]["id"]
    listed = cli("images", "list", "--json").json()
    assert [image["inputs"] for image in listed] == [[documents[0]["images"][0]["id"]], []]  # newest first


def test_ask_whose_model_calls_the_image_tool_saves_the_image_without_the_orm(cli: Cli) -> None:
    """The tool's image goes through the plain sqlite3 generation store, as `generate`'s does: the ORM's import
    (about 0.4 s cold) sat between the tool call and its image request."""
    from tests.chat_support import CHAT_KEYS
    from tests.fakes.chat_servers import FakeChatServer, tool_then_text
    from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages

    with FakeChatServer("openai") as chat, FakeOpenAIImages() as images:
        for label, secret in (("llm", CHAT_KEYS["openai"]), ("img", TEST_KEYS["openai"])):
            assert cli("keys", "add", "--provider", "openai", "--label", label, stdin=secret + "\n").code == 0
        assert cli("chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "fake-chat-1",
                   "--key", "llm", "--base-url", chat.base_url, "--default").code == 0
        assert cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1",
                   "--key", "img", "--base-url", images.base_url, "--default").code == 0
        assert cli("images", "list").code == 0  # the first full sweep (ORM path); later runs skip it
        chat.decider = tool_then_text(arguments={"prompt": "a lighthouse"}, final_text="Here it is.")
        loaded, out = _ask_loaded(cli.home, "--json", "draw a lighthouse", never=GENERATE_NEVER)
        assert len(images.requests) == 1
    assert loaded == ["openai"]  # the chat's SDK, and nothing of the ORM
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["type"] for e in events] == ["tool_call", "tool_result", "text", "text", "text", "done"]
    result = events[1]
    assert result["ok"] is True and result["result"]["used"]["count"] == 1
    saved = result["result"]["images"][0]
    assert Path(saved["path"]).is_file() and Path(saved["path"]).stat().st_size == saved["bytes"]
    listed = cli("images", "list", "--json").json()
    assert [(i["id"], i["chat_id"]) for i in listed] == [(saved["id"], events[-1]["chat_id"])]
    audit = cli("audit", "--json").json()
    assert [(a["outcome"], a["source"], a["image_ids"], a["chat_id"]) for a in audit] == [
        ("ok", "tool", [saved["id"]], events[-1]["chat_id"])]


def test_models_without_a_key_loads_no_orm(cli: Cli) -> None:
    """Without --key nothing stored is read: the built-in table (and the catalogue) need no database stack."""
    probe = _PROBE.replace(repr(HEAVY), repr(("sqlalchemy", "sqlmodel", "quilltap_tui.db.models")))
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_")}
    env.update(base_env(cli.home))
    for args, shown in ((("models", "--provider", "openai"), "gpt-image-1"),
                        (("models", "--provider", "openai", "--chat", "--json"), '"id"')):
        proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env,
                              timeout=60, check=False)
        assert shown in proc.stdout, proc.stderr
        assert json.loads(proc.stderr.strip().splitlines()[-1]) == {"code": 0, "loaded": []}, args
