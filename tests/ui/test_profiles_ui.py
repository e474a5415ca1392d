"""Profile journeys: create image and chat profiles through the forms, errors beside fields, test generate."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Input, Select, Static, Switch, TextArea

from quilltap_tui.services import keys, profiles
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.ui.conftest import SIZE, settle, shown, until


async def _open_new_form(app: Any, pilot: Any, key: str) -> None:
    await settle(pilot)
    await pilot.press(key)
    await settle(pilot)
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert type(app.screen).__name__ == "ProfileFormScreen"


async def test_create_image_profile_with_spec_parameters(make_app: Any, ctx: Any) -> None:
    keys.add_key(ctx, provider="openai", label="work", secret=TEST_KEYS["openai"])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open_new_form(app, pilot, "f3")
        form = app.screen
        form.query_one("#name", Input).value = "art"
        form.query_one("#key", Select).value = "work"
        form.query_one("#model", Input).value = "dall-e-3"
        # The parameter fields follow the model after a short typing pause: wait for dall-e-3's own.
        await until(pilot, lambda: form.query("#param-style"), "dall-e-3's parameter fields")
        await settle(pilot)
        # dall-e-3's spec: fixed sizes, standard/hd, vivid/natural; no aspect ratio.
        assert form.query("#param-style") and not form.query("#param-aspect_ratio")
        form.query_one("#param-size", Select).value = "1792x1024"
        form.query_one("#param-style", Select).value = "natural"
        form.query_one("#tags", Input).value = "art, wide"
        form.query_one("#default", Switch).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "ProfilesScreen"
        table = app.screen.query_one(DataTable)
        assert table.get_row_at(0)[:5] == ["★", "art", "OpenAI", "dall-e-3", "work"]
    saved = profiles.show(ctx, profiles.IMAGE, "art")
    assert saved.parameters == {"size": "1792x1024", "style": "natural"}
    assert saved.key == "work" and saved.default is True and saved.tags == ("art", "wide")


async def test_grok_form_offers_aspect_ratio_not_size(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open_new_form(app, pilot, "f3")
        app.screen.query_one("#provider", Select).value = "grok"
        await settle(pilot)
        assert app.screen.query("#param-aspect_ratio") and not app.screen.query("#param-size")


async def test_duplicate_name_error_is_shown_beside_the_name(make_app: Any, ctx: Any) -> None:
    profiles.create(ctx, profiles.IMAGE, name="art", provider="openai", model="gpt-image-1")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open_new_form(app, pilot, "f3")
        app.screen.query_one("#name", Input).value = "art"
        app.screen.query_one("#model", Input).value = "gpt-image-1"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "ProfileFormScreen"
        assert "An image profile named 'art' already exists" in str(app.screen.query_one("#err-name", Static).render())
        assert app.screen.focused is app.screen.query_one("#name", Input)
        app.screen.query_one("#param-count", Input).value = "99"
        app.screen.query_one("#name", Input).value = "art2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "between 1 and 10" in str(app.screen.query_one("#err-count", Static).render())
    assert [p.name for p in profiles.list_profiles(ctx, profiles.IMAGE)] == ["art"]


async def test_create_chat_profile(make_app: Any, ctx: Any) -> None:
    keys.add_key(ctx, provider="anthropic", label="claude", secret="sk-ant-test-00000000000000000000")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open_new_form(app, pilot, "f4")
        form = app.screen
        form.query_one("#provider", Select).value = "anthropic"
        await settle(pilot)
        form.query_one("#name", Input).value = "main"
        form.query_one("#key", Select).value = "claude"
        form.query_one("#model", Input).value = "claude-sonnet-4-5"
        form.query_one("#param-temperature", Input).value = "0.4"
        form.query_one("#system_prompt", TextArea).text = "You are a helpful illustrator."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "ProfilesScreen"
        assert "main" in app.sub_title or app.snapshot.chat_profile_names == ["main"]
    saved = profiles.show(ctx, profiles.CHAT, "main")
    assert saved.provider == "anthropic" and saved.key == "claude"
    assert saved.parameters == {"temperature": 0.4}
    assert saved.system_prompt == "You are a helpful illustrator."


async def test_edit_clears_a_parameter_and_filter_narrows_the_list(make_app: Any, ctx: Any) -> None:
    profiles.create(ctx, profiles.IMAGE, name="art", provider="openai", model="gpt-image-1",
                    parameters={"quality": "high"}, tags=["fine"])
    profiles.create(ctx, profiles.IMAGE, name="quick", provider="grok", model="grok-imagine-image")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("slash", "f", "i", "n", "e")
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 1, "the list filtered to one profile")
        assert table.get_row_at(0)[1] == "art"
        await pilot.press("enter")  # leave the filter, focus the list
        await pilot.press("enter")  # open the highlighted profile
        await settle(pilot)
        app.screen.query_one("#param-quality", Select).clear()
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert profiles.show(ctx, profiles.IMAGE, "art").parameters == {}


async def test_test_generate_then_gallery_then_delete(make_app: Any, ctx: Any) -> None:
    with FakeOpenAIImages() as fake:
        keys.add_key(ctx, provider="openai", label="work", secret=TEST_KEYS["openai"])
        profiles.create(ctx, profiles.IMAGE, name="art", provider="openai", model="gpt-image-1", key="work",
                        base_url=fake.base_url, parameters={"size": "1024x1024"})
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f3")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("ctrl+t")
            await settle(pilot, rounds=5)
            status = str(app.screen.query_one("#form-status", Static).render())
            assert "Test image saved" in status
            assert len(fake.requests_to("/images/generations")) == 1
            await pilot.press("f5")
            await settle(pilot)
            gallery = app.screen
            assert type(gallery).__name__ == "GalleryScreen" and len(gallery.items) == 1
            item = gallery.items[0]
            assert item.path.is_file() and item.profile == "art" and item.width == 1024
            assert "a lighthouse" in str(gallery.query_one("#gallery-meta", Static).render())
            await pilot.press("d")
            await shown(pilot, "ConfirmModal", "#confirm")
            await pilot.click("#confirm")
            await settle(pilot)
            assert gallery.items == [] and gallery.query_one(DataTable).row_count == 0
        assert not item.path.exists()
    from quilltap_tui.ui.gallery_data import load_page

    assert load_page(ctx) == []


async def test_new_form_preselects_the_key_stored_for_its_provider(make_app: Any, ctx: Any) -> None:
    """A new user who just added a key finds it chosen; switching provider picks that provider's key."""
    keys.add_key(ctx, provider="openai", label="work", secret=TEST_KEYS["openai"])
    keys.add_key(ctx, provider="grok", label="xai", secret="xai-test-0000000000000000wxyz")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open_new_form(app, pilot, "f3")
        key = app.screen.query_one("#key", Select)
        assert key.value == "work"
        app.screen.query_one("#provider", Select).value = "grok"
        await settle(pilot)
        assert key.value == "xai"
        app.screen.query_one("#provider", Select).value = "google"  # no Google key: an xAI key never fits
        await settle(pilot)
        assert key.value == ""


async def test_the_first_profile_of_a_kind_starts_as_the_default(make_app: Any, ctx: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open_new_form(app, pilot, "f4")
        assert app.screen.query_one("#default", Switch).value is True
    profiles.create(ctx, profiles.CHAT, name="main", provider="ollama", model="llama3.2")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open_new_form(app, pilot, "f4")
        assert app.screen.query_one("#default", Switch).value is False


async def test_the_first_chat_profile_saved_shows_whole_with_its_star(make_app: Any, ctx: Any) -> None:
    """Bug: the first chat profile showed its model cut (`gpt-4` for gpt-4o-mini) and no ★ until F4 was left."""
    keys.add_key(ctx, provider="openai", label="work", secret=TEST_KEYS["openai"])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open_new_form(app, pilot, "f4")
        form = app.screen
        form.query_one("#name", Input).value = "assistant"
        form.query_one("#model", Input).value = "gpt-4o-mini"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "ProfilesScreen"
        table = app.screen.query_one(DataTable)
        assert table.get_row_at(0)[:4] == ["★", "assistant", "OpenAI", "gpt-4o-mini"]
        model = list(table.columns.values())[3]
        assert model.get_render_width(table) - 2 * table.cell_padding >= len("gpt-4o-mini")


async def test_the_cursor_stays_on_the_profile_just_saved(make_app: Any, ctx: Any) -> None:
    """Bug: after saving, the list's cursor jumped to the top and the next enter opened the wrong profile."""
    for name in ("alpha", "beta", "gamma"):
        profiles.create(ctx, profiles.CHAT, name=name, provider="ollama", model="llama3.2")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert app.screen.query_one("#name", Input).value == "gamma"
        app.screen.query_one("#model", Input).value = "llama3.3"
        await pilot.press("ctrl+s")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.cursor_row == 2 and table.get_row_at(2)[3] == "llama3.3"
        app.refresh_snapshot()  # any later reload (a key validated, a default set) keeps it there too
        await settle(pilot)
        assert table.cursor_row == 2


async def test_built_in_models_are_offered_when_the_live_list_fails(make_app: Any, ctx: Any) -> None:
    """Bug: a failed live listing left the discovered-models list empty."""
    keys.add_key(ctx, provider="openai", label="wrong", secret="sk-refused-000000000000000000000000")
    with FakeOpenAIImages() as fake:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await _open_new_form(app, pilot, "f3")
            form = app.screen
            form.query_one("#key", Select).value = "wrong"
            form.query_one("#base_url", Input).value = fake.base_url
            await pilot.press("tab")
            for _ in range(3):
                await settle(pilot)
            status = str(form.query_one("#form-status", Static).render())
            choices = [value for _label, value in form.query_one("#model-choices", Select)._options]
            assert "gpt-image-1" in choices and "dall-e-3" in choices
            assert "Could not list models" in status and "built-in" in status


async def test_every_field_error_shows_at_once_in_the_forms_words(make_app: Any, ctx: Any) -> None:
    """Bugs: one error at a time, the base URL's only in the status line, internal names (`base_url`)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open_new_form(app, pilot, "f3")
        form = app.screen
        form.query_one("#base_url", Input).value = "ftp://example.com"
        form.query_one("#max_images_per_day", Input).value = "lots"
        form.query_one("#base_url", Input).focus()
        await pilot.press("tab")  # leaving the base URL lists the models there: its error goes beside the field
        await settle(pilot)
        assert str(form.query_one("#err-base_url", Static).render()).startswith("Base URL must start")
        await pilot.press("ctrl+s")
        await settle(pilot)
        errors = {name: str(form.query_one(f"#err-{name}", Static).render())
                  for name in ("name", "model", "base_url", "max_images_per_day")}
        assert errors["name"] == "Name is required."
        assert errors["model"].startswith("Model is required")
        assert errors["base_url"].startswith("Base URL must start with http:// or https://")
        assert errors["max_images_per_day"].startswith("Images per day must be a whole number")
        assert "4 fields" in str(form.query_one("#form-status", Static).render())
        assert form.focused is form.query_one("#name", Input)
    assert profiles.list_profiles(ctx, profiles.IMAGE) == []


async def test_esc_on_unsaved_changes_asks_first(make_app: Any, ctx: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open_new_form(app, pilot, "f4")
        await pilot.press("escape")  # nothing changed: straight back
        await settle(pilot)
        assert type(app.screen).__name__ == "ProfilesScreen"
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press(*"draft")
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfirmModal"
        await pilot.press("escape")  # keep editing
        await settle(pilot)
        assert type(app.screen).__name__ == "ProfileFormScreen"
        assert app.screen.query_one("#name", Input).value == "draft"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.click("#confirm")
        await settle(pilot)
        assert type(app.screen).__name__ == "ProfilesScreen"
    assert profiles.list_profiles(ctx, profiles.CHAT) == []


async def test_save_and_cancel_stay_in_view_and_the_form_is_in_sections(make_app: Any, ctx: Any) -> None:
    """At 80x24 the image form is taller than the screen: Save and Cancel were at its very end, scrolled away."""
    from textual.containers import VerticalScroll
    from textual.widgets import Button, Label

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_new_form(app, pilot, "f3")
        form = app.screen
        scroll = form.query_one("#form", VerticalScroll)
        assert scroll.max_scroll_y > 0  # the fields do not fit: the form scrolls
        sections = [str(label.render()) for label in form.query(Label) if label.has_class("section")]
        assert sections[:4] == ["Profile", "Connection", "Model", "Parameters"]
        for button_id in ("save", "cancel"):
            button = form.query_one(f"#{button_id}", Button)
            assert button not in scroll.query(Button)
            assert 0 <= button.region.y < 24 and button.region.right <= 80  # whole and on screen
        scroll.scroll_end(animate=False)
        await pilot.pause()
        assert form.query_one("#save", Button).region.y < 24
        await pilot.click("#save")
        await settle(pilot)
        assert str(form.query_one("#err-name", Static).render()) == "Name is required."


async def test_typing_in_a_parameter_field_survives_the_fields_following_the_model(make_app: Any) -> None:
    """The parameter fields are rebuilt a moment after the model is typed; a user who has already tabbed
    into one and goes on typing keeps the focus and every key (they went nowhere before)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open_new_form(app, pilot, "f3")
        form = app.screen
        form.query_one("#model", Input).value = "gpt-image-2"
        await until(pilot, lambda: form._fields_current() and form.query("#param-count"), "gpt-image-2's fields")
        form.query_one("#model", Input).focus()
        await pilot.press("backspace", "1")  # gpt-image-1: its fields follow after a typing pause
        before = form.query_one("#param-count", Input)
        before.focus()
        await pilot.press("3")
        # Between the old fields' removal and the new ones' mount there is no field at all: wait for the new one.
        await until(pilot, lambda: form.fields and form.query("#param-count")
                    and form.query("#param-count")[0] is not before, "the fields rebuilt for the new model")
        await pilot.press("4")
        await settle(pilot)
        assert app.focused is form.query_one("#param-count", Input)
        assert form.query_one("#param-count", Input).value == "34"
