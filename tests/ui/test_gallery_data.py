"""What the gallery's side panel says about an image: the chat it was made in, by title."""

from __future__ import annotations

from typing import Any

from quilltap_tui.db.models import GeneratedImageRecord
from quilltap_tui.services import chats, profiles
from quilltap_tui.ui.gallery_data import load_page


def _image(ctx: Any, image_id: str, chat_id: str | None) -> None:
    with ctx.db.session() as session:
        session.add(GeneratedImageRecord(
            id=image_id, file_path=f"images/{image_id}.png", mime_type="image/png", width=8, height=8, bytes=10,
            sha256=image_id * 8, prompt="a fox", provider="openai", model="gpt-image-1", profile_name="art",
            chat_id=chat_id,
        ))
        session.commit()


def test_details_name_the_chat_by_its_title(ctx: Any) -> None:
    profiles.create(ctx, profiles.CHAT, name="main", provider="ollama", model="llama3.2", default=True)
    chat = chats.create_chat(ctx, title="Fox studies")
    _image(ctx, "img1", chat.id)
    _image(ctx, "img2", None)
    by_id = {item.id: item for item in load_page(ctx)}
    assert "Chat: Fox studies" in by_id["img1"].details()
    assert "Chat: -" in by_id["img2"].details()
