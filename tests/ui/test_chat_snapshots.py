"""Snapshot of the chat screen: a stored chat with Markdown, a tool call with its image, a cancelled reply,
an error; previews off, fixed size, fixed home path (captions show absolute paths)."""

from __future__ import annotations

from typing import Any

import pytest

from quilltap_tui.db.models import GeneratedImageRecord, Message, ToolCall
from quilltap_tui.services import chats, keys, profiles
from tests.fakes.image_servers import make_image
from tests.ui.conftest import drain, fixed_home, make_ctx, settle

SIZE = (120, 36)


@pytest.fixture
def snap_ctx(ui_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    with fixed_home("chat-screen") as home:
        monkeypatch.setenv("QUILLTAP_HOME", str(home))
        ctx = make_ctx({**ui_env, "QUILLTAP_HOME": str(home)})
        yield ctx
        ctx.close()


def _seed(ctx: Any) -> str:
    keys.add_key(ctx, provider="openai", label="work", secret="sk-snapshot-000000000000wxyz")
    profiles.create(ctx, profiles.IMAGE, name="art", provider="openai", model="gpt-image-1", key="work",
                    default=True, tags=["art"])
    profiles.create(ctx, profiles.CHAT, name="main", provider="openai", model="gpt-4.1", key="work", default=True)
    chat_id = str(chats.create_chat(ctx, chat_profile="main", title="Lighthouse", tags=["art"]).id)
    data = make_image(64, 64, seed="x")
    (ctx.paths.data / "images/2025/01").mkdir(parents=True, exist_ok=True)
    (ctx.paths.data / "images/2025/01/snap.png").write_bytes(data)
    with ctx.db.session() as s:
        s.add(Message(id="m1", chat_id=chat_id, seq=1, role="user", content="Draw a lighthouse at dusk, please."))
        s.add(Message(id="m2", chat_id=chat_id, seq=2, role="assistant", content=""))
        s.flush()  # no ORM relationships: rows that others point at go in first
        s.add(ToolCall(id="c1", chat_id=chat_id, message_id="m2", call_id="call_1", name="generate_image",
                       arguments={"prompt": "a lighthouse at dusk"}, status="ok",
                       result={"images": [{"id": "snap"}], "revised_prompt": "A tall lighthouse at dusk, oil paint"}))
        s.flush()
        s.add(GeneratedImageRecord(id="snap", file_path="images/2025/01/snap.png", mime_type="image/png",
                                   width=1024, height=1024, bytes=len(data), sha256="0" * 64,
                                   prompt="a lighthouse at dusk", provider="openai", model="gpt-image-1",
                                   chat_id=chat_id, message_id="m2", tool_call_id="c1"))
        s.add(Message(id="m3", chat_id=chat_id, seq=3, role="assistant",
                      content="Here it is:\n\n- **tall** tower\n- warm `light`\n\n[b]not markup[/b]"))
        s.add(Message(id="m4", chat_id=chat_id, seq=4, role="user", content="Now a longer story."))
        s.add(Message(id="m5", chat_id=chat_id, seq=5, role="assistant", content="Once upon a", status="cancelled"))
        s.add(Message(id="m6", chat_id=chat_id, seq=6, role="user", content="Try again"))
        s.add(Message(id="m7", chat_id=chat_id, seq=7, role="assistant", content="", status="error",
                      error="The provider refused the key (401)."))
        s.commit()
    return chat_id


def test_chat_screen(snap_compare: Any, snap_ctx: Any) -> None:
    from quilltap_tui.ui.app import QuilltapApp

    chat_id = _seed(snap_ctx)
    app = QuilltapApp(snap_ctx, environ=dict(snap_ctx.environ))
    app._welcomed = True

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.screen.query_one("ChatList").open_chat(chat_id)
        await settle(pilot)
        pilot.app.screen.query_one("#prompt").cursor_blink = False
        await settle(pilot)
        await drain(pilot)  # the picture is taken now: the history loaded and every message drawn

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
