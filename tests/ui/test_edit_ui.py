"""Editing in the TUI: "edit this" in the gallery and the viewer, lineage walking, esc cancels an edit, and
the per-chat show-images switch from the palette."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Select

from quilltap_tui.services import chats, keys, profiles
from quilltap_tui.services.generation import GenerationService
from tests.chat_support import add_chat_profile
from tests.fakes.chat_servers import FakeChatServer
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.fakes.server import Reply
from tests.ui.conftest import SIZE, screen_text, settle, shown


async def arrange(ctx: Any, fake: FakeOpenAIImages) -> str:
    """An editing profile, a non-editing one, and one image in the gallery; returns its id."""
    keys.add_key(ctx, provider="openai", label="work", secret=TEST_KEYS["openai"])
    profiles.create(ctx, profiles.IMAGE, name="art", provider="openai", model="gpt-image-2", key="work",
                    base_url=fake.base_url, default=True)
    profiles.create(ctx, profiles.IMAGE, name="old", provider="openai", model="dall-e-3", key="work",
                    base_url=fake.base_url)
    outcome = await GenerationService(ctx).generate("a red fox", profile="art")
    return outcome.images[0].id


async def test_edit_this_from_the_gallery_then_walk_the_lineage_in_the_viewer(make_app: Any, ctx: Any) -> None:
    with FakeOpenAIImages() as fake:
        parent = await arrange(ctx, fake)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.action_open("gallery")
            await settle(pilot)
            await pilot.press("e")
            await shown(pilot, "GenerateModal", "#prompt")
            assert "Edit this image" in screen_text(app)
            # Only the profile whose model takes input images is offered.
            options = [str(value) for _label, value in app.screen.query_one(Select)._options]
            assert options == ["art"]
            app.screen.query_one("#prompt", Input).value = "the same fox, twice as big"
            await pilot.press("enter")
            await settle(pilot, rounds=5)
            assert len(fake.requests_to("/images/edits")) == 1
            assert type(app.screen).__name__ == "GalleryScreen"
            child = app.screen.items[0]
            assert child.prompt == "the same fox, twice as big" and child.parents == (parent,)
            assert app.screen.items[1].children == (child.id,)
            await pilot.press("enter")  # the viewer, on the new image
            await settle(pilot)
            assert "Made from: " + parent[:8] in screen_text(app)
            await pilot.press("m")
            await settle(pilot)
            assert app.screen.item.id == parent and "Edited into: " + child.id[:8] in screen_text(app)
            await pilot.press("i")
            await settle(pilot)
            assert app.screen.item.id == child.id
            await pilot.press("escape")
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen.item.id == child.id  # esc walks back


async def test_esc_cancels_an_edit_and_nothing_is_saved(make_app: Any, ctx: Any) -> None:
    with FakeOpenAIImages() as fake:
        parent = await arrange(ctx, fake)
        fake.script(Reply(json={"data": []}, delay=5.0, path="/images/edits"))
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.action_edit_image(parent)
            await shown(pilot, "GenerateModal", "#prompt")
            app.screen.query_one("#prompt", Input).value = "bigger"
            await pilot.press("enter")
            await shown(pilot, "GeneratingModal")  # the edit runs (the fake answers after 5 s)
            assert "Editing an image" in screen_text(app)
            await pilot.press("escape")
            await settle(pilot)
            assert app.generation is None
    with ctx.db.session() as session:
        from sqlmodel import select

        from quilltap_tui.db.models import GeneratedImageRecord

        assert [r.id for r in session.exec(select(GeneratedImageRecord)).all()] == [parent]


async def test_show_images_switch_from_the_palette_is_stored_per_chat(make_app: Any, ctx: Any) -> None:
    from quilltap_tui.ui.commands import commands

    with FakeChatServer("openai") as server:
        add_chat_profile(ctx, server)
        chat_id = str(chats.create_chat(ctx, chat_profile="talk").id)
        other = str(chats.create_chat(ctx, chat_profile="talk").id)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            from quilltap_tui.ui.screens.chat import ChatScreen

            app.push_screen(ChatScreen(chat_id))
            await settle(pilot)
            [(title, _help, run)] = [c for c in commands(app) if c[0].startswith("Show images")]
            assert title == "Show images to the chat model: turn on"  # off by default
            run()
            await settle(pilot)
            [(title, _help, _run)] = [c for c in commands(app) if c[0].startswith("Show images")]
            assert title == "Show images to the chat model: turn off"
    assert chats.get_chat(ctx, chat_id).show_images is True
    assert chats.get_chat(ctx, other).show_images is False


async def test_attach_a_file_send_it_then_edit_the_chats_image(make_app: Any, ctx: Any, tmp_path: Any) -> None:
    from PIL import Image

    from quilltap_tui.ui.screens.attach import complete_path
    from quilltap_tui.ui.screens.chat import ChatScreen
    from quilltap_tui.ui.widgets.attachments import AttachmentStrip
    from quilltap_tui.ui.widgets.prompt import PromptArea
    from tests.fakes.chat_servers import tool_then_text

    photo = tmp_path / "holiday-photo.png"
    Image.new("RGB", (300, 200), (1, 2, 3)).save(photo)
    assert complete_path(str(tmp_path / "holiday-")) == str(photo)  # the path completes as you type
    with FakeOpenAIImages() as fake, FakeChatServer("openai") as server:
        await arrange(ctx, fake)
        add_chat_profile(ctx, server)
        server.decider = tool_then_text(arguments={"prompt": "a fox"}, final_text="Here.")
        chat_id = str(chats.create_chat(ctx, chat_profile="talk", image_profile="art").id)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(ChatScreen(chat_id))
            await settle(pilot)
            await pilot.press("ctrl+o")
            await shown(pilot, "AttachModal", "#ref")
            app.screen.query_one("#ref", Input).value = str(photo)
            await pilot.press("enter")
            await settle(pilot)
            strip = app.screen.query_one(AttachmentStrip)
            assert strip.display and len(strip.ids) == 1
            app.screen.query_one(PromptArea).text = "draw this fox"
            app.screen.query_one(PromptArea).focus()
            await pilot.press("enter")
            await settle(pilot, rounds=6)
            assert strip.ids == [] and not strip.display
            first = server.chat_requests[0].body["messages"][-1]
            assert [p["type"] for p in first["content"]] == ["text", "image_url"]
            assert "ids for edit_image: " in first["content"][0]["text"]
            await pilot.press("f8")
            await shown(pilot, "GenerateModal", "#prompt")
            assert "Edit this image" in screen_text(app)


async def test_attach_and_edit_keys_are_in_the_chats_footer_and_help(make_app: Any, ctx: Any) -> None:
    """Issue 13: ctrl+o (attach) and f8 (edit this) were hidden from the chat's footer."""
    from quilltap_tui.ui.screens.chat import ChatScreen
    from quilltap_tui.ui.screens.help import binding_rows
    from quilltap_tui.ui.widgets.footer import Footer

    with FakeOpenAIImages() as fake, FakeChatServer("openai") as server:
        await arrange(ctx, fake)
        add_chat_profile(ctx, server)
        chat_id = str(chats.create_chat(ctx, chat_profile="talk", image_profile="art").id)
        app = make_app()
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            app.push_screen(ChatScreen(chat_id))
            await settle(pilot)
            footer = app.screen.query_one(Footer)
            shown = {description: key for key, _display, description, *_rest in footer._keys()[0]}
            assert shown.get("Attach image") == "ctrl+o" and shown.get("Edit last image") == "f8"
            rows = {row[3]: row for row in binding_rows(app, app.screen)}
            assert rows["attach_image"][0] == "^o" and rows["edit_last_image"][0] == "f8"
