"""Long chat titles and prompts are clipped to the table instead of pushing columns off screen."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable

from quilltap_tui.services import chats, profiles
from quilltap_tui.ui.widgets.fit import clip, fit_rows
from tests.ui.conftest import SIZE, settle


def test_clip_counts_terminal_cells_and_marks_the_cut() -> None:
    assert clip("short", 10) == "short"
    assert clip("a lighthouse at dusk", 10) == "a lightho…"
    assert clip("日本語のタイトル", 7) == "日本語…"  # wide characters take two cells


def test_only_the_free_column_gives_way() -> None:
    rows = [("x" * 200, "main", "2026-11-24 02:39")]
    [row] = fit_rows(60, ("Title", "Profile", "Updated"), rows, free=0)
    assert row[1:] == rows[0][1:] and row[0].endswith("…")
    assert len(row[0]) == 60 - 2 - 2 - (len("Profile") + 2) - (16 + 2)  # scrollbar, own padding, the others


async def test_a_long_title_does_not_hide_the_other_columns(make_app: Any, ctx: Any) -> None:
    profiles.create(ctx, profiles.CHAT, name="main", provider="ollama", model="llama3.2", default=True)
    chats.create_chat(ctx, title=("An extremely long chat title " * 3).strip())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#chat-table", DataTable)
        assert table.virtual_size.width <= table.size.width  # no horizontal scrolling
        title = str(table.get_row_at(0)[0])
        assert title.endswith("…") and ("An extremely long chat title " * 3).startswith(title[:-1].rstrip())


async def test_home_at_80x24_drops_columns_instead_of_scrolling(make_app: Any, ctx: Any) -> None:
    """Bug: at 80x24 the chat table scrolled sideways (a stray bar at its foot) and titles were stubs."""
    profiles.create(ctx, profiles.CHAT, name="assistant", provider="ollama", model="llama3.2", default=True)
    profiles.create(ctx, profiles.IMAGE, name="watercolor", provider="openai", model="gpt-image-1", default=True)
    for title in ("a fox in the snow", "a red bicycle leaning on a wall"):
        chats.create_chat(ctx, title=title, chat_profile="assistant")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#chat-table", DataTable)
        assert table.virtual_size.width <= table.size.width  # no horizontal scrolling
        assert table.max_scroll_x == 0
        headers = [str(column.label) for column in table.columns.values()]
        assert headers == ["Title", "Chat profile"]  # the least needed columns went first
        titles = sorted(str(table.get_row_at(i)[0]) for i in range(table.row_count))
        assert titles[0] == "a fox in the snow" and titles[1].startswith("a red bicycle lean")


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_home_setup_lines_keep_each_default_and_its_key_on_one_line(
    make_app: Any, ctx: Any, size: tuple[int, int]
) -> None:
    """Bug: at 80 and 120 columns "N image profiles, default: watercolor (F3)" wrapped in the side panel, its
    second half ("watercolor (F3)") starting at the panel's edge, under the check marks."""
    from textual.widgets import Static

    from tests.ui.columns import cells

    profiles.create(ctx, profiles.CHAT, name="assistant", provider="ollama", model="llama3.2", default=True)
    profiles.create(ctx, profiles.IMAGE, name="watercolor", provider="openai", model="gpt-image-1", default=True)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        setup = app.screen.query_one("#setup", Static)
        rows = ["".join(char for char, _style in row).strip() for row in cells(app, setup)]
        assert any("default: watercolor (F3)" in row for row in rows), rows
        assert any("default: assistant (F4)" in row for row in rows), rows
        assert "1 image profile" in " ".join(rows) and "1 chat profile" in " ".join(rows)
