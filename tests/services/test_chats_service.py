"""The chats service: image profile picked by tags, switches for the next turn, and the migration step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from quilltap_tui.chat import history
from quilltap_tui.errors import Invalid, NotFound
from quilltap_tui.services import chat_turn, chats, keys, profiles
from quilltap_tui.services.chat_turn_store import SqlTurnStore
from quilltap_tui.services.context import AppContext
from tests.chat_support import make_ctx, rows


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    context = make_ctx(tmp_path / "home")
    keys.add_key(context, provider="openai", label="oa", secret="sk-test-openai-0123456789abcdef")
    profiles.create(context, profiles.CHAT, name="talk", provider="openai", model="gpt-5", key="oa",
                    base_url="http://127.0.0.1:9/v1", tags=["work"])
    for name, tags, default in (("anime", ["anime", "drawing"], False), ("both", ["anime"], False),
                                ("photo", ["photo"], True)):
        profiles.create(context, profiles.IMAGE, name=name, provider="openai", model="gpt-image-1", tags=tags,
                        default=default)
    yield context
    context.close()


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["Anime", "drawing"], "anime"),  # most shared tags, case-insensitive
        (["anime"], "anime"),  # a tie goes to the first name
        (["cats"], "photo"),  # no match: the default
        ([], "photo"),
    ],
)
def test_new_chat_picks_the_image_profile_by_tags_else_the_default(
    ctx: AppContext, tags: list[str], expected: str
) -> None:
    view = chats.create_chat(ctx, chat_profile="talk", tags=tags)
    assert (view.image_profile, view.images_enabled) == (expected, True)
    assert [t.lower() for t in view.tags] == sorted(t.lower() for t in tags)  # existing spelling kept


def test_explicit_profile_no_images_and_default_chat_profile(ctx: AppContext) -> None:
    assert chats.create_chat(ctx, chat_profile="talk", image_profile="both", tags=["photo"]).image_profile == "both"
    off = chats.create_chat(ctx, chat_profile="talk", no_images=True)
    assert (off.image_profile, off.images_enabled) == (None, False)
    with pytest.raises(Invalid) as caught:
        chats.create_chat(ctx)  # no default chat profile yet
    assert caught.value.field == "chat_profile"
    profiles.set_default(ctx, profiles.CHAT, "talk")
    assert chats.create_chat(ctx).chat_profile == "talk"
    with pytest.raises(NotFound):
        chats.create_chat(ctx, chat_profile="talk", image_profile="missing")


def test_switching_the_image_profile_changes_the_next_turns_tool(ctx: AppContext) -> None:
    chat_id = chats.create_chat(ctx, chat_profile="talk", image_profile="anime").id

    def offered() -> list[str]:
        return [spec.description for spec in chat_turn.prepare_turn(ctx, chat_id).tools.specs()]

    # generate_image, and edit_image since the profile's model takes input images
    assert len(offered()) == 2 and all('"anime"' in text for text in offered())
    chats.set_image_profile(ctx, chat_id, "photo")
    assert '"photo"' in offered()[0]
    view = chats.set_image_profile(ctx, chat_id, None)
    assert offered() == [] and view.images_enabled is False
    chats.set_image_profile(ctx, chat_id, "both")
    assert '"both"' in offered()[0]
    profiles.remove(ctx, profiles.IMAGE, "both")  # a deleted profile means no tool, not a failure
    assert offered() == []


def test_rename_list_counts_messages_and_delete(ctx: AppContext, tmp_path: Path) -> None:
    first = chats.create_chat(ctx, chat_profile="talk").id
    second = chats.create_chat(ctx, chat_profile="talk").id
    history.add_message(SqlTurnStore(ctx.db), second, "user", "  a question\nabout boats  ")
    history.add_message(SqlTurnStore(ctx.db), second, "assistant", "an answer")
    listed = chats.list_chats(ctx)
    assert [c.id for c in listed] == [second, first]  # most recently active first
    assert (listed[0].title, listed[0].messages, listed[1].messages) == ("a question about boats", 2, 0)
    assert chats.rename_chat(ctx, second[:8], "Boats").title == "Boats"
    assert [m.role for m in chats.get_messages(ctx, second)] == ["user", "assistant"]
    chats.delete_chat(ctx, second)
    assert rows(tmp_path / "home", "select count(*) from message") == [(0,)]
    with pytest.raises(NotFound):
        chats.get_chat(ctx, second)
    with pytest.raises(Invalid):
        chats.rename_chat(ctx, first, "   ")


def test_image_profile_from_a_chat_profile_reuses_its_key(ctx: AppContext) -> None:
    view = chats.image_profile_from_chat_profile(ctx, "talk")
    assert (view.name, view.provider, view.model, view.key, view.base_url, view.tags) == (
        "talk images", "openai", "gpt-image-2", "oa", "http://127.0.0.1:9/v1", ("work",)
    )
    profiles.create(ctx, profiles.CHAT, name="gem", provider="google", model="gemini-2.5-flash",
                    base_url="https://generativelanguage.googleapis.com/v1beta/openai")
    gem = chats.image_profile_from_chat_profile(ctx, "gem", name="Gemini art", default=True)
    assert (gem.provider, gem.model, gem.key, gem.default) == (
        "google", "gemini-nano-banana-2.1", None, True
    )
    assert gem.base_url == "https://generativelanguage.googleapis.com/v1beta"
    profiles.create(ctx, profiles.CHAT, name="claude", provider="anthropic", model="claude-haiku-4-5")
    with pytest.raises(Invalid) as caught:
        chats.image_profile_from_chat_profile(ctx, "claude")
    assert caught.value.field == "chat_profile" and "makes no images" in str(caught.value)
    with pytest.raises(Invalid) as duplicate:
        chats.image_profile_from_chat_profile(ctx, "talk")
    assert duplicate.value.field == "name"


def test_chats_with_text_finds_chats_by_message_text_only_ids(ctx: AppContext) -> None:
    fox = chats.create_chat(ctx, chat_profile="talk", title="Animals").id
    rates = chats.create_chat(ctx, chat_profile="talk", title="Numbers").id
    tools = chats.create_chat(ctx, chat_profile="talk", title="Tools").id
    store = SqlTurnStore(ctx.db)
    history.add_message(store, fox, "user", "Draw a Quick brown FOX")
    history.add_message(store, fox, "assistant", "Here is the fox.")
    history.add_message(store, rates, "user", "what is 100% of 5_000?")
    history.add_message(store, tools, "tool", '{"note": "a fox in a tool result"}')  # not what people wrote
    assert chats.chats_with_text(ctx, "quick brown fox") == [fox]  # any case
    assert chats.chats_with_text(ctx, "  fox ") == [fox]  # one id per chat, however many messages match
    assert chats.chats_with_text(ctx, "100%") == [rates]
    assert chats.chats_with_text(ctx, "0%") == [rates]
    assert chats.chats_with_text(ctx, "%") == [rates]  # % and _ are characters, not wildcards
    assert chats.chats_with_text(ctx, "5_0") == [rates] and chats.chats_with_text(ctx, "5x0") == []
    assert chats.chats_with_text(ctx, "") == []
