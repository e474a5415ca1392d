"""``image-profiles list|show`` and ``chat-profiles list|show`` read the SQLite file with plain ``sqlite3``
(cli/commands_profiles_list.py) and print exactly what the ORM path prints; PostgreSQL, a fresh home or an
older schema take the ORM path."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from quilltap_tui.services import plain_profiles
from tests.cli.test_cold_imports import _PROBE
from tests.support import Cli, base_env

_LIST = plain_profiles.list_profiles
_ID_OR_TIME = re.compile(r"\b[0-9a-f]{32}\b|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00")
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("image-profiles", "list"), ("image-profiles", "list", "--json"), ("chat-profiles", "list"),
    ("chat-profiles", "list", "--json"), ("image-profiles", "show", "art"),
    ("image-profiles", "show", " art ", "--json"), ("chat-profiles", "show", "talk", "--json"),
    ("chat-profiles", "show", "Talk"), ("image-profiles", "show", "nope"),
)


def _fill(cli: Cli) -> None:
    for args, stdin in (
        (("keys", "add", "--provider", "openai", "--label", "work"), "sk-test-0123456789abcdef\n"),
        (("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1", "--key", "work",
          "--param", "size=1024x1024", "--tag", "Wide", "--tag", "art", "--default", "--max-per-minute", "4"), None),
        (("image-profiles", "add", "--name", "draft", "--provider", "openai-compatible", "--model", "sdxl",
          "--base-url", "http://127.0.0.1:7860/v1"), None),
        (("chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "gpt-4o", "--key", "work",
          "--param", "temperature=0.4", "--default"), None),
        (("chat-profiles", "add", "--name", "Local", "--provider", "ollama", "--model", "llama3"), None),
    ):
        assert cli(*args, stdin=stdin).code == 0


def test_list_and_show_print_the_same_on_both_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = {}
    for plain in (False, True):
        taken: list[bool] = []

        def list_profiles(ctx, kind, plain=plain, taken=taken):  # type: ignore[no-untyped-def]
            views = _LIST(ctx, kind) if plain else None
            taken.append(views is not None)
            return views

        cli = Cli(tmp_path / f"home-{plain}", monkeypatch)
        _fill(cli)
        monkeypatch.setattr(plain_profiles, "list_profiles", list_profiles)
        runs = [cli(*args) for args in COMMANDS]
        results[plain] = [(r.code, r.out, r.err) for r in runs]
        assert taken == [plain] * len(COMMANDS)
    plain_runs, orm_runs = results[True], results[False]
    for args, got, wanted in zip(COMMANDS, plain_runs, orm_runs, strict=True):
        got_out = got[1].replace(str(tmp_path / "home-True"), "<home>")
        wanted_out = wanted[1].replace(str(tmp_path / "home-False"), "<home>")
        if "--json" in args:  # ids and times differ between the two homes
            got_out, wanted_out = (json.dumps(_stable(json.loads(o))) for o in (got_out, wanted_out))
        else:
            got_out, wanted_out = (_ID_OR_TIME.sub("<x>", o) for o in (got_out, wanted_out))
        assert (got[0], got_out, got[2]) == (wanted[0], wanted_out, wanted[2]), args
    assert [r[0] for r in plain_runs] == [0, 0, 0, 0, 0, 0, 0, 3, 3]  # no 'Talk', no 'nope': the ORM's errors
    assert "No chat profile named 'Talk'" in plain_runs[7][2]
    listed = json.loads(plain_runs[1][1])
    assert [(p["name"], p["default"], p["tags"]) for p in listed] == [("art", True, ["art", "Wide"]),
                                                                      ("draft", False, [])]


def _stable(document: object) -> object:
    """A --json document without what differs between two homes (ids and times)."""
    if isinstance(document, list):
        return [_stable(item) for item in document]
    if isinstance(document, dict):
        return {k: _stable(v) for k, v in document.items() if k not in ("id", "created_at", "updated_at")}
    return document


def test_a_fresh_home_or_another_schema_takes_the_orm_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = Cli(tmp_path / "fresh", monkeypatch)
    listed = cli("image-profiles", "list")
    assert listed.code == 0 and listed.out.startswith("No image profiles yet.")
    assert (tmp_path / "fresh" / "quilltap.db").is_file()  # the ORM path created it


def test_list_and_show_load_no_orm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = Cli(tmp_path / "home", monkeypatch)
    _fill(cli)
    probe = _PROBE.split("heavy =")[0] + (
        "never = ('sqlalchemy', 'sqlmodel', 'quilltap_tui.db.models', 'quilltap_tui.services.profiles')\n"
        "print(json.dumps({'code': code, 'loaded': [m for m in never if m in sys.modules]}), file=sys.stderr)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_")}
    env.update(base_env(cli.home))
    for args, shown in ((("image-profiles", "list"), "gpt-image-1"), (("chat-profiles", "list", "--json"), "llama3"),
                        (("image-profiles", "show", "art"), "size")):
        proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env,
                              timeout=60, check=False)
        assert shown in proc.stdout, proc.stderr
        assert json.loads(proc.stderr.strip().splitlines()[-1]) == {"code": 0, "loaded": []}, args
