"""Golden documents of the commands whose services moved from dicts to typed views: ``chats show`` (a chat's
messages with their tool calls and images), ``generate``/``edit``, ``models`` (image and chat) and ``doctor``'s
database line. Each is pinned byte for byte (``--json`` and the human text) once the run's ids, times, hashes,
home and fake server address are replaced by placeholders, so a view that drops, renames or reorders a key fails.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from quilltap_tui.db.models import GeneratedImageRecord, Message, ToolCall
from quilltap_tui.services import chats
from tests.chat_support import make_ctx
from tests.cli.test_edit_cli import write_png
from tests.cli.test_generate_cli import setup_profile
from tests.fakes.image_servers import FakeOpenAIImages
from tests.golden import check_text
from tests.support import Cli

GOLDEN = Path(__file__).parent / "golden"
_SHA = re.compile(r"\b[0-9a-f]{64}\b")
_ID = re.compile(r"\b[0-9a-f]{32}\b")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")
_YEAR_MONTH = re.compile(r"images/\d{4}/\d\d/")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "0")
    return Cli(tmp_path / "home", monkeypatch)


def normal(cli: Cli, text: str, *also: tuple[str, str]) -> str:
    for old, new in also:
        text = text.replace(old, new)
    text = text.replace(str(cli.home.resolve()), "HOME").replace(str(cli.home), "HOME")
    text = _YEAR_MONTH.sub("images/YYYY/MM/", text)
    return _TIME.sub("TIME", _ID.sub("ID", _SHA.sub("SHA256", text)))


def run(cli: Cli, *args: str) -> str:
    result = cli(*args)
    assert result.code == 0, result.err
    return result.out


def _stored_chat(cli: Cli) -> str:
    """A chat holding each kind of message: typed, answered with a tool call and its image, failed, a note."""
    cli("chat-profiles", "add", "--name", "talk", "--provider", "ollama", "--model", "llama3.2", "--default")
    ctx = make_ctx(cli.home)
    chat_id = str(chats.create_chat(ctx, title="Boats").id)
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with ctx.db.session() as session:
        session.add_all([
            Message(id="m1", chat_id=chat_id, seq=1, role="user", content="draw a *boat*", created_at=when),
            Message(id="m2", chat_id=chat_id, seq=2, role="assistant", content="", model="llama3.2",
                    created_at=when),
            Message(id="m3", chat_id=chat_id, seq=3, role="assistant", content="Here it is.\nTwo lines.",
                    status="error", error="The stream ended early.", created_at=when),
            Message(id="m4", chat_id=chat_id, seq=4, role="assistant", content="Image profile: art.",
                    provider_data={"note": True}, created_at=when),
        ])
        session.flush()
        session.add_all([
            ToolCall(id="c1", chat_id=chat_id, message_id="m2", call_id="call_1", name="generate_image",
                     arguments={"prompt": "a boat", "count": 1}, status="ok", result={"images": [{"id": "i1"}]},
                     created_at=when),
            ToolCall(id="c2", chat_id=chat_id, message_id="m2", call_id="call_2", name="edit_image",
                     arguments={"prompt": "bigger"}, status="error", error="No image i9.", created_at=when),
        ])
        session.flush()
        session.add(GeneratedImageRecord(
            id="i1", file_path="images/2026/01/i1.png", mime_type="image/png", width=64, height=48, bytes=10,
            sha256="0" * 64, prompt="a boat", provider="openai", model="gpt-image-1", chat_id=chat_id,
            message_id="m2", tool_call_id="c1", created_at=when))
        session.commit()
    ctx.close()
    return chat_id


def test_chats_show_prints_the_messages_it_always_printed(cli: Cli) -> None:
    chat_id = _stored_chat(cli)
    check_text(GOLDEN / "chats_show.json", normal(cli, run(cli, "chats", "show", chat_id, "--json")))
    check_text(GOLDEN / "chats_show.txt", normal(cli, run(cli, "chats", "show", chat_id)))


def test_generate_and_edit_print_the_documents_they_always_printed(cli: Cli, tmp_path: Path) -> None:
    with FakeOpenAIImages() as fake:
        setup_profile(cli, fake.base_url, "openai", "gpt-image-2")
        made = run(cli, "generate", "--json", "--count", "2", "a red fox")
        outside = write_png(tmp_path / "ref.png")
        parent = made.split('"id": "')[1][:8]
        edited = run(cli, "edit", "--json", "--image", parent, "--image", str(outside), "the", "fox", "bigger")
        shown = run(cli, "generate", "--no-preview", "a blue fox")
    where = (str(tmp_path), "TMP")
    check_text(GOLDEN / "generate.json", normal(cli, made, where))
    check_text(GOLDEN / "edit.json", normal(cli, edited, where))
    check_text(GOLDEN / "generate.txt", normal(cli, shown, where))


def test_models_print_the_lists_they_always_printed(cli: Cli) -> None:
    for args, name in ((("--provider", "together"), "models_together"), (("--provider", "anthropic", "--chat"),
                                                                     "models_anthropic_chat")):
        check_text(GOLDEN / f"{name}.json", run(cli, "models", *args, "--json"))
        check_text(GOLDEN / f"{name}.txt", run(cli, "models", *args))


def test_doctor_prints_the_database_line_it_always_printed(cli: Cli) -> None:
    cli("keys", "list")  # makes the database
    document = run(cli, "doctor", "--json")
    database = re.search(r'"database": \{[^}]*\}', document)
    assert database is not None
    check_text(GOLDEN / "doctor_database.json", normal(cli, database.group(0)))
    lines = [line for line in run(cli, "doctor").splitlines() if line.startswith(("database", "schema"))]
    check_text(GOLDEN / "doctor_database.txt", normal(cli, "\n".join(lines) + "\n"))
