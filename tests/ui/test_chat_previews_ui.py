"""Image previews fit the conversation: their height is a setting (``preview_rows``), ``p`` collapses and
expands them, and the images of one tool call stand side by side when the width allows."""

from __future__ import annotations

from typing import Any

import pytest

from quilltap_tui.db.models import GeneratedImageRecord, Message, ToolCall
from quilltap_tui.ui.widgets.image_row import ImageRow
from quilltap_tui.ui.widgets.preview import ImagePreview
from tests.fakes.chat_servers import FakeChatServer
from tests.fakes.image_servers import make_image
from tests.ui.chat_waits import chat_server, chat_with_profile, open_chat, until

__all__ = ["chat_server"]


def _chat_with_three_images(ctx: Any, server: FakeChatServer) -> str:
    chat_id = chat_with_profile(ctx, server, title="Three foxes")
    folder = ctx.paths.data / "images/2026/12"
    folder.mkdir(parents=True, exist_ok=True)
    with ctx.db.session() as s:
        s.add(Message(id="m1", chat_id=chat_id, seq=1, role="user", content="three foxes"))
        s.add(Message(id="m2", chat_id=chat_id, seq=2, role="assistant", content=""))
        s.flush()
        s.add(ToolCall(id="c1", chat_id=chat_id, message_id="m2", call_id="call_1", name="generate_image",
                       arguments={"prompt": "a fox", "count": 3}, status="ok",
                       result={"images": [{"id": f"fox{n}"} for n in range(3)]}))
        s.flush()
        for n in range(3):
            data = make_image(64, 64, seed=str(n))
            (folder / f"fox{n}.png").write_bytes(data)
            s.add(GeneratedImageRecord(id=f"fox{n}", file_path=f"images/2026/12/fox{n}.png", mime_type="image/png",
                                       width=1024, height=1024, bytes=len(data), sha256="0" * 64, prompt="a fox",
                                       provider="openai", model="gpt-image-1", chat_id=chat_id, message_id="m2",
                                       tool_call_id="c1"))
        s.add(Message(id="m3", chat_id=chat_id, seq=3, role="assistant", content="Three foxes."))
        s.commit()
    return chat_id


def _rows_of(app: Any) -> list[int]:
    """The distinct screen rows the chat's previews start on (one per line of side-by-side previews)."""
    return sorted({preview.region.y for preview in app.screen.query(ImagePreview)})


async def test_previews_stand_side_by_side_when_wide_and_collapse_with_p(
        make_app: Any, ctx: Any, chat_server: FakeChatServer) -> None:
    chat_id = _chat_with_three_images(ctx, chat_server)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_chat(pilot, chat_id)
        await until(pilot, lambda: len(screen.query(ImagePreview)) == 3 and all(
            p.region.height for p in screen.query(ImagePreview)), "the three previews")
        previews = list(screen.query(ImagePreview))
        assert {(p.columns, p.rows) for p in previews} == {(48, 18)}  # the default preview_rows
        await until(pilot, lambda: len(_rows_of(app)) == 1, "one line of three previews")
        assert len({p.region.x for p in previews}) == 3 and screen.query_one(ImageRow).columns == 3
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: len(_rows_of(app)) == 3, "the previews to stack at 80 columns")
        assert screen.query_one(ImageRow).columns == 1
        screen.conversation.focus()
        await pilot.press("p")
        await until(pilot, lambda: not any(p.region.height for p in screen.query(ImagePreview)), "the collapse")
        assert all(not p.display for p in screen.query(ImagePreview))
        assert screen.query(".image-block") and all(b.region.height < 3 for b in screen.query(".image-block"))
        await pilot.press("p")
        await until(pilot, lambda: all(p.region.height for p in screen.query(ImagePreview)), "the expand")


@pytest.fixture
def small_previews(ui_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    ui_env["QUILLTAP_PREVIEW_ROWS"] = "8"
    monkeypatch.setenv("QUILLTAP_PREVIEW_ROWS", "8")


async def test_the_preview_rows_setting_sizes_chat_previews(
        small_previews: None, make_app: Any, ctx: Any, chat_server: FakeChatServer) -> None:
    assert ctx.settings.preview_rows == 8
    chat_id = _chat_with_three_images(ctx, chat_server)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_chat(pilot, chat_id)
        await until(pilot, lambda: len(screen.query(ImagePreview)) == 3 and all(
            p.region.height for p in screen.query(ImagePreview)), "the three previews")
        assert {(p.columns, p.rows) for p in screen.query(ImagePreview)} == {(21, 8)}
        # Small enough for three side by side even at 80 columns (the row counts them once it has a width).
        await until(pilot, lambda: len(_rows_of(app)) == 1, "one line of three previews")
        assert screen.query_one(ImageRow).columns == 3
