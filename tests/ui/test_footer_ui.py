"""The footer follows the focused widget's keys, but a burst of unchanged binding signals rebuilds nothing."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from quilltap_tui.ui.widgets.footer import Footer


class Left(Input):
    BINDINGS = [Binding("f5", "noop", "Left key", id="left")]


class Right(Input):
    BINDINGS = [Binding("f6", "noop", "Right key", id="right")]


class Keys(App[None]):
    def compose(self) -> ComposeResult:
        yield Left(id="left")
        yield Right(id="right")
        yield Footer()


def _shown(app: Any) -> list[str]:
    return [str(key.description) for key in app.screen.query("FooterKey")]


async def test_footer_follows_focus_and_skips_unchanged_rebuilds(monkeypatch: Any) -> None:
    app = Keys()
    async with app.run_test() as pilot:
        await pilot.pause()
        app.query_one("#left").focus()
        await pilot.pause()
        assert "Left key" in _shown(app) and "Right key" not in _shown(app)
        rebuilds: list[int] = []
        footer = app.query_one(Footer)
        original = footer.recompose

        async def counted() -> None:
            rebuilds.append(1)
            await original()

        monkeypatch.setattr(footer, "recompose", counted)
        for _ in range(5):  # what opening a screen sends: the same keys, signalled again and again
            app.screen.refresh_bindings()
        await pilot.pause()
        assert rebuilds == [] and "Left key" in _shown(app)
        app.query_one("#right").focus()
        await pilot.pause()
        await pilot.pause()
        assert rebuilds == [1]  # two signals (focus, then after the refresh), one rebuild
        assert "Right key" in _shown(app) and "Left key" not in _shown(app)


async def test_footer_shows_the_screens_own_keys_first_and_only_whole_keys(make_app: Any, ctx: Any) -> None:
    """Bug: at 80 columns the home footer ran off the edge mid-key ("f2 K")."""
    from tests.ui.conftest import settle

    for width, f_keys in ((80, []), (160, ["f2", "f3", "f4", "f5", "f6"])):
        app = make_app()
        async with app.run_test(size=(width, 24)) as pilot:
            await settle(pilot)
            keys = list(app.screen.query("FooterKey"))
            shown = [(k.key, str(k.description)) for k in keys if not k.has_class("-command-palette")]
            assert shown[:4] == [("ctrl+n", "New chat"), ("r", "Rename"), ("delete", "Delete"), ("slash", "Filter")]
            assert [k for k, _d in shown if k.startswith("f") and k[1:].isdigit() and k != "f1"] == f_keys
            right = max(k.region.right for k in keys if not k.has_class("-command-palette"))
            palette = next(k for k in keys if k.has_class("-command-palette"))
            assert right <= palette.region.x  # every key whole, left of the palette key
            assert all(k.region.width == len(k.key_display) + 2 + len(str(k.description)) + 1 for k in keys
                       if not k.has_class("-command-palette"))
