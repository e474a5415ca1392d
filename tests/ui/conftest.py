"""Fixtures for the TUI tests: an isolated QUILLTAP_HOME, a fast file vault, and a settle helper."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import PASSPHRASE

SIZE = (120, 40)


@pytest.fixture
def ui_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Environment of a fresh home using the file vault (passphrase given), previews off, UTC clock."""
    for name in list(os.environ):
        if name.startswith(("QUILLTAP_", "SSH_")) or name.endswith("_API_KEY") or name == "TMUX":
            monkeypatch.delenv(name, raising=False)
    env = {
        "QUILLTAP_HOME": str(tmp_path / "home"),
        "QUILLTAP_VAULT": "file",
        "QUILLTAP_VAULT_PASSPHRASE": PASSPHRASE,
        "QUILLTAP_IMAGES": "off",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield env
    monkeypatch.undo()
    time.tzset()


def make_ctx(env: dict[str, str]) -> Any:
    """An AppContext whose file vault uses a cheap scrypt cost (tests only)."""
    from quilltap_tui.secrets import Vault
    from quilltap_tui.services.context import AppContext

    ctx = AppContext(environ=env)
    ctx.__dict__["vault"] = Vault(ctx.paths, ctx.settings, environ=ctx.environ, _scrypt_n=2**10)
    return ctx


@pytest.fixture
def ctx(ui_env: dict[str, str]) -> Any:
    """The services' context the app under test shares (so tests can arrange and assert through it)."""
    context = make_ctx(ui_env)
    yield context
    context.close()


@pytest.fixture
def make_app(ui_env: dict[str, str], ctx: Any) -> Callable[..., Any]:
    """Build the app on the shared context. ``welcome=False`` skips the first-run guide."""
    from quilltap_tui.ui.app import QuilltapApp

    def build(*, welcome: bool = False, **kwargs: Any) -> QuilltapApp:
        kwargs.setdefault("environ", ui_env)
        app = QuilltapApp(ctx, **kwargs)
        app._welcomed = not welcome
        return app

    return build


async def settle(pilot: Any, rounds: int = 3) -> None:
    """Wait until workers finish and their messages are handled (a handler may start another worker)."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def screen_text(app: Any) -> str:
    """All text of the visible Static/Label widgets of the current screen."""
    from textual.widgets import Static

    return "\n".join(str(w.render()) for w in app.screen.query(Static))
