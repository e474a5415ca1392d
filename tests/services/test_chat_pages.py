"""A chat read a page at a time: the newest page, the page before it, each message with its own tool calls
and images (and none from another chat), in the same shape as the whole-chat read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from quilltap_tui.db.models import GeneratedImageRecord, Message, ToolCall
from quilltap_tui.services import chats, keys, profiles
from quilltap_tui.services.context import AppContext
from tests.chat_support import make_ctx


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    context = make_ctx(tmp_path / "home")
    keys.add_key(context, provider="openai", label="oa", secret="sk-test-openai-0123456789abcdef")
    profiles.create(context, profiles.CHAT, name="talk", provider="openai", model="gpt-5", key="oa",
                    base_url="http://127.0.0.1:9/v1", default=True)
    yield context
    context.close()


def _chat_with_images(ctx: AppContext, title: str, messages: int, image_every: int) -> str:
    chat_id = str(chats.create_chat(ctx, title=title).id)
    with ctx.db.session() as session:
        for seq in range(1, messages + 1):
            session.add(Message(id=f"{title}-m{seq}", chat_id=chat_id, seq=seq,
                                role="user" if seq % 2 else "assistant", content=f"{title} {seq}"))
        session.flush()
        for seq in range(image_every, messages + 1, image_every):
            call = ToolCall(id=f"{title}-c{seq}", chat_id=chat_id, message_id=f"{title}-m{seq}",
                            call_id=f"call_{seq}", name="generate_image", arguments={"prompt": "x"}, status="ok")
            session.add(call)
            session.flush()
            session.add(GeneratedImageRecord(
                id=f"{title}-i{seq}", file_path=f"images/2025/01/{title}-{seq}.png", mime_type="image/png",
                width=64, height=64, bytes=10, sha256="0" * 64, prompt="x", provider="openai", model="gpt-image-1",
                chat_id=chat_id, message_id=f"{title}-m{seq}", tool_call_id=call.id))
        session.commit()
    return chat_id


def test_pages_hold_their_messages_tool_calls_and_images(ctx: AppContext) -> None:
    chat_id = _chat_with_images(ctx, "long", 300, 7)
    _chat_with_images(ctx, "other", 20, 2)  # its images must never show up in the long chat
    whole = chats.get_messages(ctx, chat_id)
    last = chats.get_messages(ctx, chat_id, last=16)
    earlier = chats.get_messages(ctx, chat_id, last=16, before_seq=last[0].seq)
    assert [m.seq for m in last] == list(range(285, 301))
    assert [m.seq for m in earlier] == list(range(269, 285))
    assert last == whole[-16:] and earlier == whole[-32:-16]  # same shape and content as the whole read
    with_images = [m for m in last if m.images]
    assert [m.seq for m in with_images] == [287, 294]
    assert all(len(m.images) == 1 and len(m.tool_calls) == 1 for m in with_images)
    assert with_images[0].images[0].tool_call_id == with_images[0].tool_calls[0].id
    assert all(not m.images and not m.tool_calls for m in last if m not in with_images)
