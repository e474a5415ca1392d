"""Fixtures for the TUI tests: an isolated QUILLTAP_HOME, a fast file vault, the in-process scripted chat
provider, pacing with no waits, and helpers that wait on the app's own state (never on the clock)."""

from __future__ import annotations

import asyncio
import fcntl
import math
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support import PASSPHRASE

SIZE = (120, 40)
SNAP_ROOT = Path("/tmp/quilltap-tui-snapshots")


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


@contextmanager
def fixed_home(name: str) -> Iterator[Path]:
    """An empty home at a fixed path (snapshots show absolute paths), removed after, held under a lock for
    the test: two pytest processes on one machine (a helper's file run beside a full run) otherwise wiped
    each other's home halfway through a test."""
    SNAP_ROOT.mkdir(parents=True, exist_ok=True)
    with (SNAP_ROOT / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        home = SNAP_ROOT / name
        shutil.rmtree(home, ignore_errors=True)
        try:
            yield home
        finally:
            shutil.rmtree(home, ignore_errors=True)


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
    """Wait until workers finish and their messages are handled (a handler may start another worker).

    The rounds alone counted on each hop of a chain (key -> worker -> message -> next worker) starting within
    a pause, which a loaded machine does not keep to; so it ends only once the app is quiet as well."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await drain(pilot)


def screen_text(app: Any) -> str:
    """All text of the visible Static/Label widgets of the current screen."""
    from textual.widgets import Static

    return "\n".join(str(w.render()) for w in app.screen.query(Static))


@pytest.fixture
def scripted_chat() -> Iterator[Any]:
    """The in-process chat provider ``scripted`` (see ``tests/ui/scripted.py``), registered as a plug-in
    for this test only; chat profiles with ``provider="scripted"`` talk to it."""
    from quilltap_tui.providers import registry
    from tests.ui.scripted import ScriptedChat

    chat = ScriptedChat()
    registry.reset()
    registry.registry().load(chat.unit(), kinds=("chat",), origin="tests")
    yield chat
    registry.reset()


@pytest.fixture
def instant_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The UI's pacing constants at zero: streamed text is handed over and drawn as soon as it arrives, drafts
    are saved at once. What the pacing protects (a responsive screen under a fast stream) is measured by
    bench/tui.py, not here; here only the order and the final state matter."""
    from quilltap_tui.ui.screens import chat_draft, chat_live
    from quilltap_tui.ui.widgets import message

    # Textual's timers divide by their delay: a millisecond is the smallest pacing, as in the app itself.
    monkeypatch.setattr(chat_live, "TEXT_BATCH", 0.001)
    monkeypatch.setattr(message, "MIN_INTERVAL", 0.0)
    monkeypatch.setattr(message, "COST_FACTOR", 0.0)
    monkeypatch.setattr(message, "BLOCK_CHARS_PER_SECOND", math.inf)
    monkeypatch.setattr(chat_draft, "DEBOUNCE", 0.001)


GIVE_UP = 30.0  # seconds: only turns a hang into a failure that says what never happened


async def until(pilot: Any, condition: Callable[[], Any], what: str) -> None:
    """Let the app run until ``condition()`` holds (checked after each short turn of the event loop).

    The test goes on as soon as the state it waits for is there, never after a guessed delay.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GIVE_UP
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"waited {GIVE_UP:g} s for {what}")
        await asyncio.sleep(0.002)  # hand the loop to the app (and the GIL to worker threads) for a moment
    del pilot  # taken so a call reads like Pilot's own waits; the condition reaches the app itself


async def shown(pilot: Any, screen: str, *selectors: str) -> Any:
    """Wait until a screen of class ``screen`` is on top with every one of ``selectors`` in it; return it.

    For a screen a key, a click or a dialog's callback pushes: Pilot's pause ends once the process looks
    idle (its CPU time stalls), which a loaded machine, not scheduling the process, fakes before the push."""
    app = pilot.app

    def there() -> bool:
        return type(app.screen).__name__ == screen and all(app.screen.query(s) for s in selectors)

    await until(pilot, there, f"the {screen}" + (f" with {', '.join(selectors)}" if selectors else ""))
    return app.screen


def quiet(app: Any) -> bool:
    """Nothing left to do: no worker running, no message waiting in the app or any widget of the screen, and
    on a chat screen no turn, no undelivered reply text and no message still streaming."""
    if any(not worker.is_finished for worker in app.workers):
        return False
    screen = app.screen
    pumps = (app, *screen.walk_children(with_self=True))
    if any(pump._message_queue.qsize() for pump in pumps):
        return False
    # A frame still to come: the screen lays out, scrolls and paints on its update timer, a frame after it was
    # asked (later on a loaded machine), and what waits for that refresh (call_after_refresh) runs after it.
    # Without this a page just mounted read as settled with the view not yet moved by the pass that places it.
    if (screen._layout_required or screen._scroll_required or screen._repaint_required or screen._dirty_widgets
            or screen._callbacks):
        return False
    if getattr(screen, "turn_worker", None) is not None or getattr(screen, "_inbox", None):
        return False
    if getattr(screen, "_drain_timer", None) is not None:
        return False
    from quilltap_tui.ui.widgets.message import MessageView

    # A finished reply's last render runs in a worker of its view (counted above).
    return not any(view.live or view._pending or view._flush_timer is not None for view in screen.query(MessageView))


async def drain(pilot: Any, what: str = "the app to finish what it is doing") -> None:
    """Wait until :func:`quiet` holds twice in a row (a handler that starts more work shows up in between)."""
    for _ in range(2):
        await until(pilot, lambda: quiet(pilot.app), what)
        await asyncio.sleep(0)


def flushed(view: Any) -> bool:
    """A streaming message has handed all its text to its Markdown (none pending, no flush timer set)."""
    return not view._pending and view._flush_timer is None


def markdown_drawn(*widgets: Any) -> bool:
    """Every Markdown widget under ``widgets`` has parsed its text (in an executor) and mounted its blocks."""
    from textual.widgets import Markdown

    return all(bool(md.children) or not md.source for widget in widgets for md in widget.query(Markdown))
