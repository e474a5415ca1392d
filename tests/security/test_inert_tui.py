"""The TUI shows markup and escape sequences from stored text literally (as far as the TUI exists now):
a profile called ``[bold]x[/bold]`` and an image prompt full of escapes, in the profile list and gallery."""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any

from quilltap_tui.services import profiles
from quilltap_tui.services.generation import GenerationService
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.security.escapes import CORPUS
from tests.ui.conftest import SIZE, settle

NAME = "[bold]x[/bold] [link=https://evil.example]y[/link]"
PROMPT = "[red]p[/red] " + CORPUS["osc52-clipboard"] + CORPUS["csi-clear"]


def screen_text(app: Any) -> str:
    """What is on screen, as text, from the SVG screenshot (so rendering itself is checked)."""
    svg = app.export_screenshot()
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return html.unescape("".join(texts)).replace("\xa0", " ")


async def arrange(ctx: Any, name: str) -> None:
    ctx.environ = {**ctx.environ, "OPENAI_API_KEY": TEST_KEYS["openai"]}
    with FakeOpenAIImages() as fake:
        profiles.create(ctx, profiles.IMAGE, name=name, provider="openai", model="gpt-image-1",
                        base_url=fake.base_url, default=True)
        service = GenerationService(ctx)
        await service.generate(PROMPT)
        await service.aclose()


async def test_prompt_markup_and_escapes_are_shown_literally_in_the_gallery(make_app: Any, ctx: Any) -> None:
    await arrange(ctx, "plain")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await asyncio.sleep(0)
        shown = screen_text(app)
        assert "[red]p[/red]" in shown, shown
        assert "\x1b" not in shown and "\x07" not in shown


async def test_profile_name_markup_is_shown_literally(make_app: Any, ctx: Any) -> None:
    await arrange(ctx, NAME)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert NAME in screen_text(app)
        await pilot.press("f3")
        await settle(pilot)
        assert "[bold]x[/bold]" in screen_text(app)


async def test_toasts_chat_titles_and_header_show_names_literally(make_app: Any, ctx: Any) -> None:
    from quilltap_tui.services import chats

    await arrange(ctx, NAME)
    profiles.create(ctx, profiles.CHAT, name=NAME + " chat", provider="ollama", model="m", default=True)
    chat = chats.create_chat(ctx, chat_profile=None, image_profile=NAME, tags=[], title=NAME)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.notify("Saved [italic]toasted[/italic] [link=x]y \x1b[2J")
        await settle(pilot)
        # run_test() draws no toasts, so check the notification the Toast widget would render.
        note = list(app._notifications)[-1]
        assert note.markup is False
        assert "[italic]toasted[/italic] [link=x]y" in note.message and "\x1b" not in note.message
        app.update_header(chat="[b]head[/b]", image="[i]img[/i]")
        await settle(pilot)
        shown = screen_text(app)
        assert "[b]head[/b]" in shown and "[i]img[/i]" in shown
        assert chat.title == NAME
