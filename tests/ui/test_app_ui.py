"""App-wide behaviour: first run, palette, theme memory, remapped keys, help, header, generation."""

from __future__ import annotations

import tomllib
from typing import Any

from textual.widgets import DataTable, Input

from quilltap_tui.services import keys, profiles
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.ui.conftest import SIZE, screen_text, settle, shown, until


async def test_first_run_guides_to_a_key(make_app: Any, ctx: Any) -> None:
    app = make_app(welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "WelcomeScreen"
        await pilot.click("#add-key")
        await shown(pilot, "AddKeyModal", "#label")
        app.screen.query_one("#label", Input).value = "first"
        app.screen.query_one("#secret", Input).value = "sk-first-key-000000000000abcd"
        await pilot.click("#add")
        await settle(pilot)
        assert type(app.screen).__name__ == "WelcomeScreen"
        assert "1 stored" in screen_text(app)
    assert [k.label for k in keys.list_keys(ctx)] == ["first"]


async def _palette_hits(pilot: Any, query: str) -> list[str]:
    """Type ``query`` into the open palette; the entries it lists once its search workers are done."""
    from textual.command import CommandList

    await pilot.press(*query)
    await settle(pilot)
    found = pilot.app.screen.query_one(CommandList)
    return [str(found.get_option_at_index(i).prompt).split("\n")[0] for i in range(found.option_count)]


async def test_one_theme_command_picks_from_every_theme_and_is_remembered(make_app: Any, ctx: Any) -> None:
    user_themes = ctx.paths.config / "themes"
    user_themes.mkdir(parents=True)
    (user_themes / "my-dusk.toml").write_text('primary = "#aa5500"\ndark = true\n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "quilltap-dark"
        await pilot.press("ctrl+p")
        await settle(pilot)
        hits = await _palette_hits(pilot, "theme")
        assert [hit for hit in hits if "theme" in hit.lower()] == ["Theme"]  # one command, not one per theme
        await pilot.press("enter")
        await settle(pilot)
        themes = await _palette_hits(pilot, "")
        # The themes folder's (built-in and the user's own) and Textual's built-ins, in one list.
        assert {"quilltap-dark", "quilltap-light", "quilltap-mono", "my-dusk", "nord"} <= set(themes)
        await pilot.press(*"quilltap-light")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "quilltap-light"
    saved = tomllib.loads(ctx.paths.settings_file.read_text())
    assert saved["theme"] == "quilltap-light"


async def test_keys_table_remaps_a_binding(make_app: Any, ctx: Any) -> None:
    ctx.paths.settings_file.write_text('[keys]\nopen_gallery = "f9"\n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        await pilot.press("f9")
        await settle(pilot)
        assert type(app.screen).__name__ == "GalleryScreen"
        await pilot.press("f1")
        help_table = (await shown(pilot, "HelpScreen", "#help-table")).query_one(DataTable)
        await until(pilot, lambda: help_table.row_count, "the help's rows")
        rows = [help_table.get_row_at(i) for i in range(help_table.row_count)]
        gallery_row = next(r for r in rows if r[3] == "open_gallery")
        assert gallery_row[0] == "f9"
        assert any(r[3] == "copy" for r in rows)  # the gallery's own keys come first


async def test_header_shows_default_profiles_and_ssh_host(make_app: Any, ctx: Any, ui_env: dict[str, str]) -> None:
    profiles.create(ctx, profiles.IMAGE, name="art", provider="openai", model="gpt-image-1", default=True)
    app = make_app(environ={**ui_env, "SSH_CONNECTION": "10.0.0.1 5555 10.0.0.2 22"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.sub_title.startswith("chat: none · image: art · ")
        assert "@" in app.sub_title


async def test_generate_from_the_palette_opens_the_gallery(make_app: Any, ctx: Any) -> None:
    with FakeOpenAIImages() as fake:
        keys.add_key(ctx, provider="openai", label="work", secret=TEST_KEYS["openai"])
        profiles.create(ctx, profiles.IMAGE, name="art", provider="openai", model="gpt-image-1", key="work",
                        base_url=fake.base_url, default=True)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+g")
            await shown(pilot, "GenerateModal", "#prompt")
            app.screen.query_one("#prompt", Input).value = "a red kite over the sea"
            await pilot.press("enter")
            await settle(pilot, rounds=5)
            assert type(app.screen).__name__ == "GalleryScreen"
            assert [i.prompt for i in app.screen.items] == ["a red kite over the sea"]
            assert any("Saved 1 image with art" in str(n.message) for n in app._notifications)


async def test_copy_path_sends_osc52_wrapped_for_tmux(make_app: Any, ctx: Any, ui_env: dict[str, str]) -> None:
    from quilltap_tui.ui.clipboard import osc52, sequences, tmux_wrap

    bare = osc52("/tmp/a.png")
    assert bare == "\x1b]52;c;L3RtcC9hLnBuZw==\a"
    assert tmux_wrap(bare) == "\x1bPtmux;\x1b\x1b]52;c;L3RtcC9hLnBuZw==\a\x1b\\"
    assert sequences("/tmp/a.png", {"TMUX": "/tmp/tmux-0/default,1,0"}) == [bare, tmux_wrap(bare)]
    assert sequences("/tmp/a.png", {}) == [bare]
    app = make_app(environ={**ui_env, "TMUX": "x"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.copy_to_clipboard("/tmp/a.png")
        assert app.clipboard == "/tmp/a.png"

        class Terminal:  # stands in for the driver of a real terminal (run_test's headless one is not told)
            written: list[str] = []

            def write(self, data: str) -> None:
                self.written.append(data)

        app.terminal = Terminal()  # type: ignore[assignment]
        app.copy_to_clipboard("/tmp/a.png")  # Textual's own copy writes the bare OSC 52 through its driver
        assert Terminal.written == [tmux_wrap(bare)]


async def test_ctrl_c_says_how_to_quit_in_plain_words(make_app: Any, ctx: Any) -> None:
    """Bug: ctrl+c showed the raw markup 'Press [b]ctrl+q[/b] to quit the app'."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await until(pilot, lambda: app._notifications, "the toast")
        messages = [n.message for n in app._notifications]
        assert "Press ctrl+q to quit the app." in messages
        assert not any("[b]" in m for m in messages)


async def test_question_mark_opens_help_but_types_in_a_field(make_app: Any, ctx: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape", "f2", "ctrl+n")
        await settle(pilot)
        await pilot.press("w", "question_mark")
        assert app.screen.query_one("#label", Input).value == "w?"
