"""A malformed models.toml: the TUI shows the same one-sentence warning as the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui.conftest import SIZE, settle


async def test_a_malformed_models_toml_is_a_warning_toast(make_app: Any, ctx: Any, ui_env: dict[str, str]) -> None:
    path = Path(ui_env["QUILLTAP_HOME"]) / "models.toml"
    path.write_text('[[image_models]]\nprovider = "openai"\nid = "x-1"\nqualities = "high"\n', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        messages = [str(n.message) for n in app._notifications]
        assert any(str(path) in m and "line 4" in m and "qualities" in m and "built-in model table" in m
                   for m in messages), messages


async def test_no_models_toml_no_warning(make_app: Any, ctx: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not any("model table" in str(n.message) for n in app._notifications)
