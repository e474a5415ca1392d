"""``generate`` and ``edit`` without the ORM write exactly what the ORM path writes, print the same documents,
and step aside whenever they could not do exactly the same (services/plain_generation_store.py)."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quilltap_tui.db.migrations import CURRENT_VERSION
from quilltap_tui.db.models import AuditEntry, GeneratedImageRecord, ImageInput
from quilltap_tui.errors import Invalid, LimitExceeded, NotFound, ProviderError
from quilltap_tui.imagegen.options import GenerateOptions
from quilltap_tui.redaction import register
from quilltap_tui.services import image_store, plain_generation_store, settle
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.edit_inputs import EditRequest
from quilltap_tui.services.generation import GenerationService
from quilltap_tui.services.generation_store import GenerationStore
from quilltap_tui.services.image_files import ImageRow
from quilltap_tui.services.plain_generation_store import PlainGenerationStore
from tests.chat_support import CHAT_KEYS, add_image_profile, make_ctx
from tests.fakes.chat_servers import FakeChatServer, Text, ToolCall, ToolCalls
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages, openai_error
from tests.fakes.server import Reply
from tests.generation_support import open_store
from tests.services.test_plain_turn import Ids
from tests.services.test_plain_turn import dump as plain_turn_dump
from tests.support import Cli, base_env, run_subprocess

_EXACT_STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")
TABLES = ("generated_image", "image_input", "audit_log")
_UNSTABLE = {"latency_ms"}  # how long a call took: present on both paths, never equal


def dump(database: Path, ids: Ids) -> dict[str, list[str]]:
    """Every column of the generation tables, with each value's SQLite storage class (ids and times by order)."""
    con = sqlite3.connect(database)
    try:
        tables: dict[str, list[str]] = {}
        for table in TABLES:
            columns = [row[1] for row in con.execute(f"PRAGMA table_info({table})")]
            picked = ", ".join(f"{c}, typeof({c})" if c not in _UNSTABLE else f"{c} IS NULL" for c in columns)
            order = "id" if table == "audit_log" else "rowid"
            rows = con.execute(f"SELECT {picked} FROM {table} ORDER BY {order}").fetchall()
            for row in rows:
                for value in row:
                    if isinstance(value, str) and value[:2] == "20" and value[4:5] == "-":
                        assert _EXACT_STAMP.fullmatch(value), value  # as SQLAlchemy stores a UTCDateTime
            tables[table] = [ids(json.dumps(row).replace(str(database.parent), "<home>")) for row in rows]
        return tables
    finally:
        con.close()


def test_the_plain_stores_columns_are_the_models() -> None:
    def names(model: Any) -> tuple[str, ...]:
        return tuple(model.__table__.c.keys())

    assert names(GeneratedImageRecord) == plain_generation_store._IMAGE_COLUMNS
    assert tuple(f.name for f in dataclasses.fields(ImageRow)) == names(GeneratedImageRecord)
    assert tuple(c for c in names(AuditEntry) if c != "id") == plain_generation_store._AUDIT_COLUMNS
    assert names(ImageInput) == plain_generation_store._INPUT_COLUMNS


# ---- the port: the same calls give the same rows -------------------------------------------------------


@pytest.fixture
def images() -> Iterator[FakeOpenAIImages]:
    with FakeOpenAIImages() as fake:
        yield fake  # type: ignore[misc]


def _home(tmp_path: Path, name: str, fake: FakeOpenAIImages, kind: str) -> tuple[AppContext, GenerationStore]:
    ctx = make_ctx(tmp_path / name)
    add_image_profile(ctx, fake, max_images_per_minute=5, max_images_per_day=100)
    return ctx, open_store(ctx, kind)


async def _drive(ctx: AppContext, store: GenerationStore, fake: FakeOpenAIImages) -> list[str]:
    """A generation, an edit from a gallery prefix and a file, a provider error, a refusal by a limit; what
    each returned or raised."""
    service = GenerationService(ctx, store=store)
    seen: list[str] = []
    try:
        made = await service.generate("a lighthouse at dusk", options=GenerateOptions(
            size="1536x1024", quality="hd", count=2, extras={"background": "opaque"}), source="cli")
        seen.append(json.dumps(made.as_json()))
        first = made.images[0]
        outside = ctx.paths.data / "outside.png"  # a file from outside the gallery (in the home: paths compare)
        outside.write_bytes(first.path.read_bytes())
        edited = await service.edit("at night", EditRequest((first.id[:8], str(outside))), profile="art",
                                    source="tui")
        seen.append(json.dumps(edited.as_json()))
        fake.script(openai_error(400, "Your key sk-test echoed back", "invalid_request_error"))
        with pytest.raises(ProviderError) as failed:
            await service.generate("a storm", source="mcp")
        seen.append(str(failed.value))
        with pytest.raises(LimitExceeded) as refused:
            await service.generate("a crowd", options=GenerateOptions(count=3), source="cli")
        seen.append(str(refused.value))
    finally:
        await service.aclose()
    return seen


async def test_both_stores_write_the_same_rows_and_return_the_same_documents(
    tmp_path: Path, images: FakeOpenAIImages
) -> None:
    results = {}
    for kind in ("orm", "plain"):
        ctx, store = _home(tmp_path, kind, images, kind)
        try:
            outcomes = await _drive(ctx, store, images)
        finally:
            store.close()
        ids = Ids()
        results[kind] = ([ids(o.replace(str(ctx.paths.data), "<home>")) for o in outcomes],
                         dump(ctx.paths.database, ids))
        ctx.close()
    assert results["plain"][0] == results["orm"][0]  # the documents and the errors' words
    for table in TABLES:
        assert results["plain"][1][table] == results["orm"][1][table], table
    rows = results["plain"][1]
    assert (len(rows["generated_image"]), len(rows["image_input"]), len(rows["audit_log"])) == (3, 2, 4)


@pytest.mark.parametrize("kind", ["orm", "plain"])
def test_a_known_key_never_reaches_a_row(tmp_path: Path, images: FakeOpenAIImages, kind: str) -> None:
    ctx, store = _home(tmp_path, "home", images, kind)
    secret = "sk-leak-0123456789abcdefLEAKED"
    register(secret)
    profile = store.resolve_profile("art")
    store.reserve(profile, 1, {"action": "generate", "source": "cli", "image_profile_id": profile.id,
                               "profile_name": profile.name, "provider": profile.provider, "model": profile.model,
                               "prompt": f"draw {secret}", "parameters": {"extras": {"note": secret}},
                               "image_ids": [], "chat_id": None})
    store.close()
    rows = sqlite3.connect(ctx.paths.database).execute("SELECT prompt, parameters FROM audit_log").fetchall()
    assert rows == [("draw …AKED", '{"extras": {"note": "…AKED"}}')]


@pytest.mark.parametrize("kind", ["orm", "plain"])
def test_gallery_references_resolve_alike(tmp_path: Path, images: FakeOpenAIImages, kind: str) -> None:
    ctx, store = _home(tmp_path, "home", images, kind)
    with sqlite3.connect(ctx.paths.database) as con:
        for image_id in ("abcdef01" + "0" * 24, "abcdef02" + "0" * 24):
            con.execute("INSERT INTO generated_image (id, file_path, mime_type, width, height, bytes, sha256, prompt,"
                        " provider, model, used_params, created_at) VALUES (?, ?, 'image/png', 1, 1, 1, 'x', 'p',"
                        " 'openai', 'm', '{}', '2026-01-01 00:00:00.000000')", (image_id, f"images/{image_id}.png"))
    found = store.find_image("ABCDEF01")  # a prefix, case-insensitive for ASCII as the ORM's LIKE
    wanted = "abcdef01" + "0" * 24
    assert found is not None and (found.id, found.file_path) == (wanted, f"images/{wanted}.png")
    assert store.find_image("abcde") is None  # too short for a prefix
    with pytest.raises(Invalid, match="matches more than one image"):
        store.find_image("abcdef0")
    with pytest.raises(NotFound, match="No image profile named 'ghost'"):
        store.resolve_profile("ghost")
    store.close()


def test_a_plain_run_holds_the_run_lock(tmp_path: Path, images: FakeOpenAIImages) -> None:
    ctx = make_ctx(tmp_path / "home")
    add_image_profile(ctx, images)
    image_store.sweep_orphans(ctx)
    for fd in settle._held.values():  # as a fresh process: this one has held no lock yet
        os.close(fd)
    settle._held.clear()
    store = plain_generation_store.open_store(ctx)
    assert store is not None
    other = os.open(ctx.paths.data / settle.LOCK_NAME, os.O_RDWR)  # another process's start-up, as flock sees it
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(other)
    store.close()


# ---- when it steps aside -------------------------------------------------------------------------------


def test_steps_aside_for_a_fresh_home_leftovers_another_schema_and_a_database_url(
    tmp_path: Path, images: FakeOpenAIImages
) -> None:
    assert plain_generation_store.open_store(make_ctx(tmp_path / "fresh")) is None
    assert not (tmp_path / "fresh" / "quilltap.db").exists()  # never creates it: the ORM path does, migrated
    ctx = make_ctx(tmp_path / "home")
    add_image_profile(ctx, images)
    assert plain_generation_store.open_store(ctx) is None  # the sweep's first full scan is due
    image_store.sweep_orphans(ctx)
    store = plain_generation_store.open_store(ctx)
    assert isinstance(store, PlainGenerationStore)
    profile = store.resolve_profile(None)
    store.reserve(profile, 1, {"action": "generate", "source": "cli", "image_profile_id": profile.id,
                               "provider": profile.provider, "parameters": {}, "image_ids": []})
    store.close()
    assert plain_generation_store.open_store(ctx) is None  # an open reservation: a killed run's, to settle?
    with sqlite3.connect(ctx.paths.database) as con:
        con.execute("UPDATE audit_log SET outcome = 'ok'")
    (ctx.paths.data / "pending-images" / "leftover.json").write_text("[]")  # a killed run's journal entry
    assert plain_generation_store.open_store(ctx) is None
    (ctx.paths.data / "pending-images" / "leftover.json").unlink()
    ctx.close()
    with sqlite3.connect(ctx.paths.database) as con:
        con.execute("UPDATE schema_version SET version = ?", (CURRENT_VERSION - 1,))
    assert plain_generation_store.open_store(make_ctx(tmp_path / "home")) is None
    with sqlite3.connect(ctx.paths.database) as con:
        con.execute("UPDATE schema_version SET version = ?", (CURRENT_VERSION,))
    url = f"sqlite:///{ctx.paths.database}"
    assert plain_generation_store.open_store(make_ctx(tmp_path / "home", QUILLTAP_DATABASE_URL=url)) is None
    store = plain_generation_store.open_store(make_ctx(tmp_path / "home"))
    assert store is not None
    store.close()


# ---- the command: the same documents, the same rows ---------------------------------------------------


_OPEN_STORE = plain_generation_store.open_store


def _session(cli: Cli, fake: FakeOpenAIImages, *, plain: bool, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """generate (--json and text), edit --json, a provider error, a refusal; the plain store forced on or off."""
    taken: list[bool] = []

    def open_store(ctx: AppContext) -> PlainGenerationStore | None:
        store = _OPEN_STORE(ctx) if plain else None
        taken.append(store is not None)
        return store

    monkeypatch.setattr(plain_generation_store, "open_store", open_store)
    assert cli("keys", "add", "--provider", "openai", "--label", "img", stdin=TEST_KEYS["openai"] + "\n").code == 0
    assert cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1", "--key",
               "img", "--base-url", fake.base_url, "--default", "--max-per-minute", "5").code == 0
    assert cli("images", "list").code == 0  # the home's first full sweep
    outputs: list[str] = []
    made = cli("generate", "--json", "--count", "2", "--size", "1024x1024", "a lighthouse")
    assert made.code == 0, made.err
    image_id = made.json()["images"][0]["id"]
    runs = [made, cli("generate", "--no-preview", "a cat"),
            cli("edit", "--json", "--image", image_id[:8], "at night")]
    fake.script(openai_error(400, "Your request was rejected.", "invalid_request_error"))
    runs += [cli("generate", "--json", "refused"), cli("generate", "--count", "2", "over the limit")]
    for result in runs:
        outputs += [result.out, result.err, str(result.code)]
    assert taken == [plain] * 5
    return outputs


def test_generate_and_edit_print_and_store_the_same_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, images: FakeOpenAIImages
) -> None:
    results = {}
    for plain in (False, True):
        cli = Cli(tmp_path / f"home-{plain}", monkeypatch)
        monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "0")
        ids = Ids()
        outputs = [ids(text.replace(str(cli.home), "<home>"))
                   for text in _session(cli, images, plain=plain, monkeypatch=monkeypatch)]
        sent = [ids(json.dumps(r.json)) for r in images.requests if r.method == "POST" and r.json is not None]
        results[plain] = (outputs, dump(cli.home / "quilltap.db", ids), sent)
        images.requests.clear()
    assert results[True][0] == results[False][0]  # the --json documents, the text, stderr, the exit codes
    for table in TABLES:  # every row
        assert results[True][1][table] == results[False][1][table], table
    assert results[True][2] == results[False][2]  # what the provider was sent
    outputs = results[True][0]
    assert [outputs[i] for i in (2, 5, 8, 11, 14)] == ["0", "0", "0", "4", "5"]
    assert outputs[3].startswith("<home>/images/") and outputs[3].endswith(".png\n")


# ---- ask: a chat's image tools on the plain path ------------------------------------------------------


_OPEN_IN_RUN = plain_generation_store.open_in_run


def _ask_session(cli: Cli, chat: FakeChatServer, fake: FakeOpenAIImages, *, plain: bool,
                 monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Four asks whose model calls the image tools: a generation, a provider error, a refusal by a limit, an
    edit of the first image; the turn on the plain path, its image rows through the plain store or the ORM's."""
    taken: list[bool] = []

    def open_in_run(ctx: AppContext) -> PlainGenerationStore | None:
        store = _OPEN_IN_RUN(ctx) if plain else None
        taken.append(store is not None)
        return store

    monkeypatch.setattr(plain_generation_store, "open_in_run", open_in_run)
    for label, secret in (("img", TEST_KEYS["openai"]), ("llm", CHAT_KEYS["openai"])):
        assert cli("keys", "add", "--provider", "openai", "--label", label, stdin=secret + "\n").code == 0
    assert cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1", "--key",
               "img", "--base-url", fake.base_url, "--default", "--max-per-minute", "3").code == 0
    assert cli("chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "fake-chat-1", "--key",
               "llm", "--base-url", chat.base_url, "--default").code == 0
    assert cli("images", "list").code == 0  # the home's first full sweep: later runs take the plain path
    outputs: list[str] = []

    def ask(*args: str, call: ToolCall) -> Any:
        chat.enqueue(ToolCalls([call], text="On it."), Text("Done."))
        result = cli("ask", *args)
        outputs.extend([result.out, result.err, str(result.code)])
        return result

    first = ask("--json", "draw a lighthouse",
                call=ToolCall("generate_image", {"prompt": "a lighthouse", "size": "1536x1024"}, id="call_1"))
    events = [json.loads(line) for line in first.out.splitlines()]
    made = next(e for e in events if e["type"] == "tool_result")
    chat_id, image_id = events[-1]["chat_id"], made["result"]["images"][0]["id"]
    fake.script(openai_error(400, "Your request was rejected as a result of our safety system.",
                             "invalid_request_error"))
    ask("--chat", chat_id[:8], "again", call=ToolCall("generate_image", {"prompt": "a storm"}, id="call_2"))
    ask("--json", "--chat", chat_id, "three more",
        call=ToolCall("generate_image", {"prompt": "a crowd", "count": 3}, id="call_3"))
    ask("--json", "--chat", chat_id, "at night",
        call=ToolCall("edit_image", {"prompt": "at night", "images": [image_id]}, id="call_4"))
    assert taken == [plain] * 4  # one store per ask, opened at its first image call
    return outputs


def test_ask_image_tools_print_and_store_the_same_through_either_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, images: FakeOpenAIImages
) -> None:
    results = {}
    with FakeChatServer("openai") as chat:
        for plain in (False, True):
            cli = Cli(tmp_path / f"home-{plain}", monkeypatch)
            monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "0")
            ids = Ids()
            outputs = [ids(text.replace(str(cli.home), "<home>"))
                       for text in _ask_session(cli, chat, images, plain=plain, monkeypatch=monkeypatch)]
            sent = [ids(json.dumps(r.json)) for r in images.requests if r.method == "POST" and r.json is not None]
            told = [ids(json.dumps(r.body).replace(str(cli.home), "<home>")) for r in chat.chat_requests]
            results[plain] = (outputs, dump(cli.home / "quilltap.db", ids), sent, told,
                              plain_turn_dump(cli.home, ids))
            images.requests.clear()
            chat.requests.clear()
    assert results[True][0] == results[False][0]  # the --json events, the text, stderr, the exit codes
    for table in TABLES:  # every column of the generation tables
        assert results[True][1][table] == results[False][1][table], table
    assert results[True][2:] == results[False][2:]  # what the providers were sent; the chat's rows
    outputs, rows = results[True][0], results[True][1]
    assert [outputs[i] for i in (2, 5, 8, 11)] == ["0", "0", "0", "0"]  # a failed tool call is the turn's
    tool_results = [next(e for e in map(json.loads, outputs[i].splitlines()) if e["type"] == "tool_result")
                    for i in (0, 6, 9)]
    assert [r["ok"] for r in tool_results] == [True, False, True]
    assert "images per minute" in tool_results[1]["result"]["error"]
    assert "safety system" in outputs[4]  # the human printer's tool line names the provider's reason
    assert (len(rows["generated_image"]), len(rows["image_input"]), len(rows["audit_log"])) == (2, 1, 4)
    con = sqlite3.connect(tmp_path / "home-True" / "quilltap.db")
    audit = con.execute("SELECT action, source, outcome, image_count FROM audit_log ORDER BY id").fetchall()
    con.close()
    assert audit == [("generate", "tool", "ok", 1), ("generate", "tool", "error", 0),
                     ("generate", "tool", "limited", 0), ("edit", "tool", "ok", 1)]


def _interrupted_ask(home: Path, chat: FakeChatServer, fake: FakeOpenAIImages, *, plain: bool) -> tuple[int, str]:
    """Ctrl-C on a cold ``ask`` while its tool's image request waits on the provider; the exit code and last line."""
    for args, stdin in ((("keys", "add", "--provider", "openai", "--label", "img"), TEST_KEYS["openai"]),
                        (("keys", "add", "--provider", "openai", "--label", "llm"), CHAT_KEYS["openai"]),
                        (("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1",
                          "--key", "img", "--base-url", fake.base_url, "--default"), ""),
                        (("chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model",
                          "fake-chat-1", "--key", "llm", "--base-url", chat.base_url, "--default"), "")):
        assert run_subprocess(args, home=home, stdin=stdin + "\n" if stdin else "").code == 0
    if plain:  # the home's first full sweep: the ask takes the plain path (else the ORM's sweeps and runs it)
        assert run_subprocess(("images", "list"), home=home).code == 0
    fake.requests.clear()
    fake.script(Reply(json={"created": 0, "data": []}, delay=3.0))  # answered long after the interrupt
    chat.enqueue(ToolCalls([ToolCall("generate_image", {"prompt": "a lighthouse"}, id="call_1")]))
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_")} | base_env(home)
    proc = subprocess.Popen([sys.executable, "-m", "quilltap_tui", "ask", "draw a lighthouse"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not fake.requests and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)  # a subprocess: no event to wait on but the request reaching the fake
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err.strip().splitlines()[-1]


def test_ctrl_c_during_the_tools_image_request_leaves_the_same_rows_on_either_store(tmp_path: Path) -> None:
    results = {}
    with FakeChatServer("openai") as chat, FakeOpenAIImages() as images:
        for plain in (False, True):
            home = tmp_path / f"home-{plain}"
            code, last = _interrupted_ask(home, chat, images, plain=plain)
            ids = Ids()
            results[plain] = (code, last, dump(home / "quilltap.db", ids), plain_turn_dump(home, ids))
            assert not [f for f in (home / "images").rglob("*") if f.is_file()]  # no file either
    assert results[True] == results[False]
    code, last, rows, _ = results[True]
    assert (code, last) == (130, "quilltap-tui: Interrupted.")
    assert rows["generated_image"] == [] and len(rows["audit_log"]) == 1
    con = sqlite3.connect(tmp_path / "home-True" / "quilltap.db")
    try:
        assert con.execute("SELECT outcome, source, error_message FROM audit_log").fetchall() == [
            ("cancelled", "tool", "The generation was stopped before its images were saved.")]
        assert con.execute("SELECT status, error FROM tool_call").fetchall() == [
            ("cancelled", "Cancelled by the user.")]
        assert con.execute("SELECT role, status FROM message").fetchall() == [
            ("user", "complete"), ("assistant", "cancelled")]
    finally:
        con.close()
