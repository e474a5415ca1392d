"""The gaps around the chat: an image profile made from a chat profile, and direct generation's status line."""

from __future__ import annotations

from typing import Any

from quilltap_tui.services import keys, profiles
from quilltap_tui.ui.widgets.status import StatusLine
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.fakes.server import Reply
from tests.ui.conftest import SIZE, settle, until


async def test_image_profile_from_chat_profile_reuses_key_url_and_tags(make_app: Any, ctx: Any) -> None:
    keys.add_key(ctx, provider="openai", label="work", secret=TEST_KEYS["openai"])
    profiles.create(ctx, profiles.CHAT, name="gpt", provider="openai", model="gpt-4.1", key="work",
                    base_url="http://127.0.0.1:9/v1", tags=["daily"])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert [r.name for r in app.screen._all] == ["gpt images"]
        await pilot.press("i")  # not offered on the image profiles list
        await settle(pilot)
        assert [p.name for p in profiles.list_profiles(ctx, profiles.IMAGE)] == ["gpt images"]
    made = profiles.show(ctx, profiles.IMAGE, "gpt images")
    assert (made.provider, made.model, made.key) == ("openai", "gpt-image-2", "work")
    assert made.base_url == "http://127.0.0.1:9/v1" and made.tags == ("daily",)


async def test_direct_generation_shows_elapsed_time_and_esc_cancels(make_app: Any, ctx: Any) -> None:
    with FakeOpenAIImages() as fake:
        fake.script(Reply(status=500, delay=20.0))  # long enough to look at the status line and cancel
        keys.add_key(ctx, provider="openai", label="work", secret=TEST_KEYS["openai"])
        profiles.create(ctx, profiles.IMAGE, name="art", provider="openai", model="gpt-image-1", key="work",
                        base_url=fake.base_url, default=True)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+g")
            await settle(pilot)
            await pilot.press(*"a red kite")
            await pilot.press("enter")
            await until(pilot, lambda: fake.requests_to("/images/generations"), "the request at the provider")
            status = app.screen.query_one(StatusLine)
            assert type(app.screen).__name__ == "GeneratingModal"
            assert "Generating with art" in status.text() and "esc to cancel" in status.text()
            await pilot.press("escape")
            await settle(pilot)
            assert app.generation is None and type(app.screen).__name__ == "HomeScreen"
    from quilltap_tui.ui.gallery_data import load_page

    assert load_page(ctx) == []
