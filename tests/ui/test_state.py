"""The first screen's data (keys, profiles, vault status, the chat list) without the ORM stack.

The home screen is usable once these are read. Checked in a fresh process through ``sys.modules``
(what a start pays for is the import), never by timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from quilltap_tui.services import chats, keys, profiles
from tests.chat_support import make_ctx
from tests.support import base_env

_PROBE = """
import json, sys
from quilltap_tui.services.context import AppContext
from quilltap_tui.ui.state import load_snapshot
from quilltap_tui.services import plain_reads
ctx = AppContext()
snap = load_snapshot(ctx)
chats = plain_reads.list_chats(ctx)
heavy = ("sqlalchemy", "sqlmodel", "quilltap_tui.db.models", "keyring", "textual")
print(json.dumps({"chat": snap.default_chat, "image": snap.default_image, "keys": snap.key_labels,
                  "locked": snap.vault_locked, "chats": [c.title for c in chats],
                  "loaded": [m for m in heavy if m in sys.modules]}))
"""


def _snapshot_in_a_fresh_process(home: Path, **env: str) -> dict[str, object]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_")}
    environ.update(base_env(home), **env)
    proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=environ,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_the_first_screen_reads_profiles_and_chats_without_the_orm_or_the_keyring(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path / "home")
    keys.add_key(ctx, provider="openai", label="work", secret="sk-test-0123456789abcdef")
    profiles.create(ctx, profiles.CHAT, name="talk", provider="openai", model="m", key="work", default=True)
    profiles.create(ctx, profiles.IMAGE, name="art", provider="openai", model="gpt-image-1", key="work",
                    default=True)
    chats.create_chat(ctx, chat_profile="talk", image_profile=None, no_images=True, tags=[], title="foxes")
    ctx.close()
    report = _snapshot_in_a_fresh_process(tmp_path / "home")
    assert report == {"chat": "talk", "image": "art", "keys": ["work"], "locked": False, "chats": ["foxes"],
                      "loaded": []}


def test_a_fresh_home_takes_the_orm_path_which_creates_the_database(tmp_path: Path) -> None:
    report = _snapshot_in_a_fresh_process(tmp_path / "fresh")
    assert report["chat"] is None and report["keys"] == [] and report["chats"] == []  # read plainly once made
    assert "sqlalchemy" in report["loaded"]  # type: ignore[operator]


def test_a_wrong_passphrase_still_shows_the_vault_locked(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path / "home")
    keys.add_key(ctx, provider="openai", label="work", secret="sk-test-0123456789abcdef")
    ctx.close()
    report = _snapshot_in_a_fresh_process(tmp_path / "home", QUILLTAP_VAULT_PASSPHRASE="not the passphrase")
    assert report["locked"] is True and report["keys"] == ["work"]


_APP_PROBE = """
import asyncio, json, sys
from quilltap_tui.ui.app import QuilltapApp

QuilltapApp._after_start = lambda self, snapshot: None  # no warm-up: it imports the ORM on purpose, later

async def main():
    app = QuilltapApp()
    async with app.run_test(size=(120, 40)) as pilot:
        home = app.screen
        while app.snapshot is None or not home.chat_list.chats:
            await asyncio.sleep(0.005)
        shown = [home.chat_list.chats[0].title, app.snapshot.default_chat]
        await pilot.press("ctrl+n")
        while type(app.screen).__name__ != "NewChatModal":
            await asyncio.sleep(0.005)
    heavy = ("sqlalchemy", "sqlmodel", "quilltap_tui.db.models", "keyring")
    print(json.dumps({"shown": shown, "loaded": [m for m in heavy if m in sys.modules]}))

asyncio.run(main())
"""


def test_the_home_screen_lists_chats_and_opens_the_new_chat_form_before_the_orm_loads(tmp_path: Path) -> None:
    """Every worker used to import the ORM stack before its own work: the plain reads waited for it."""
    ctx = make_ctx(tmp_path / "home")
    profiles.create(ctx, profiles.CHAT, name="talk", provider="openai", model="m", default=True)
    chats.create_chat(ctx, chat_profile="talk", image_profile=None, no_images=True, tags=[], title="foxes")
    ctx.close()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_")}
    environ.update(base_env(tmp_path / "home"))
    proc = subprocess.run([sys.executable, "-c", _APP_PROBE], capture_output=True, text=True, env=environ,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"shown": ["foxes", "talk"], "loaded": []}
