"""The profile form's key picker lists only the keys the provider may use (issue 12 bug 3).

A key belongs to its provider; only an ``openai-compatible`` profile takes any key. Choosing another
provider's key used to send it to that vendor at once (model discovery).
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Select

from quilltap_tui.services import keys
from tests.fakes.image_servers import TEST_KEYS
from tests.ui.conftest import SIZE, settle
from tests.ui.test_profiles_ui import _open_new_form


def _labels(app: Any) -> list[str]:
    select = app.screen.query_one("#key", Select)
    return [str(value) for _, value in select._options]


async def test_the_key_picker_lists_the_provider_s_keys_only(make_app: Any, ctx: Any) -> None:
    keys.add_key(ctx, provider="openai", label="work", secret=TEST_KEYS["openai"])
    keys.add_key(ctx, provider="grok", label="xai", secret=TEST_KEYS["grok"])
    keys.add_key(ctx, provider="anthropic", label="claude", secret="sk-ant-test-00000000000000000000")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open_new_form(app, pilot, "f3")
        assert _labels(app) == ["", "work"]
        app.screen.query_one("#provider", Select).value = "grok"
        await settle(pilot)
        assert _labels(app) == ["", "xai"]
        assert app.screen.query_one("#key", Select).value == "xai"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await _open_new_form(app, pilot, "f4")
        assert _labels(app) == ["", "work"]  # a chat profile starts on openai
        app.screen.query_one("#provider", Select).value = "openai-compatible"
        await settle(pilot)
        assert sorted(_labels(app)) == ["", "claude", "work", "xai"]  # its own server: any key
