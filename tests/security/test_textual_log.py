"""Under ``TEXTUAL_LOG`` the key dialog wrote ``Input.Changed(... value='sk-...')`` for every keystroke,
ending with the whole key. Now neither the typed key nor any part of it reaches Textual's log file,
nor our own log file (issue 16 item 3)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from textual import constants

from quilltap_tui.services import keys
from tests.ui.conftest import SIZE, settle, shown, until

SECRET = "skTYPEDq1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6"


async def test_typing_a_key_logs_neither_the_key_nor_its_keystrokes(
    make_app: Any, ctx: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_file = tmp_path / "textual.log"
    monkeypatch.setattr(constants, "LOG_FILE", str(log_file))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await shown(pilot, "AddKeyModal", "#label")
        await until(pilot, lambda: app.focused is not None and app.focused.id == "label", "the label's focus")
        await pilot.press(*"work", "tab")  # label, then on to the key input
        assert app.focused is not None and app.focused.id == "secret"
        await pilot.press(*SECRET)
        await pilot.press("enter")
        await settle(pilot)
        assert [k.label for k in keys.list_keys(ctx)] == ["work"]
        # Once stored the key is known: anything that logs it afterwards is redacted.
        app.log("a library logs the key", key=SECRET)  # Textual's own logger, as a widget would
        logging.getLogger("some.library").warning("header x-api-key: %s", SECRET)
    text = log_file.read_text(encoding="utf-8")
    assert "Changed(" in text and "value='<hidden>'" in text, "the dialog's messages were logged"
    typed = [SECRET[:n] for n in range(6, len(SECRET) + 1)]
    assert not [t for t in typed if f"'{t}'" in text], "a keystroke's value reached TEXTUAL_LOG"
    assert SECRET[:12] not in text and SECRET[-12:] not in text
