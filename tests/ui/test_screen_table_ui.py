"""The screen table (ui/screens/registry.py) is the one place a screen is declared: the app's keys, the
palette, the home screen's "Go to" panel and the help screen all come from it, with the keys as remapped."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from quilltap_tui.ui.commands import commands
from quilltap_tui.ui.screens.registry import SCREENS
from tests.ui.conftest import SIZE, settle


async def test_every_table_row_is_a_key_a_palette_entry_and_a_home_line(make_app: Any, ctx: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        ids = {b.id: b.key for b in app.BINDINGS}
        titles = [title for title, _help, _run in commands(app)]
        navigation = str(app.screen.query_one("#navigation", Static).render())
        for entry in SCREENS:
            assert f"Open {entry.title}" in titles
            if entry.key:
                assert ids[entry.binding_id] == entry.key
                assert f"{entry.key.upper():<7} {entry.title}" in navigation
        await pilot.press("f1")
        await settle(pilot)
        listed = str(app.screen.query_one("#help-screens", Static).render())
        assert all(entry.help in listed for entry in SCREENS)


async def test_home_and_help_show_a_remapped_key(make_app: Any, ctx: Any) -> None:
    """Bug: the home screen's "Go to" text was hard-coded and still said F5 after open_gallery was remapped."""
    ctx.paths.settings_file.write_text('[keys]\nopen_gallery = "f9"\ngenerate = "ctrl+y"\n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        navigation = str(app.screen.query_one("#navigation", Static).render())
        assert "F9      gallery" in navigation and "F5 " not in navigation
        assert "ctrl+y  generate an image" in navigation
        await pilot.press("f1")
        await settle(pilot)
        assert "F9" not in str(app.screen.query_one("#help-screens", Static).render())  # keys as typed there
        assert "f9      gallery" in str(app.screen.query_one("#help-screens", Static).render())
        await pilot.press("escape")
        await pilot.press("f9")
        await settle(pilot)
        assert type(app.screen).__name__ == "GalleryScreen"
