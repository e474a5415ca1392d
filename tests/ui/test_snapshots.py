"""Snapshot tests of the main screens: fixed data, fixed size, previews off, UTC clock.

The home directory is a fixed path (not tmp_path) because the vault banner and the gallery show
absolute paths. Update with ``pytest tests/ui/test_snapshots.py --snapshot-update`` after a
deliberate change, and look at the SVGs in ``__snapshots__`` before committing them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from quilltap_tui.db.models import GeneratedImageRecord
from quilltap_tui.services import keys, profiles
from tests.fakes.image_servers import make_image
from tests.ui.conftest import drain, fixed_home, make_ctx, settle

SIZE = (120, 36)


@pytest.fixture
def snap_ctx(request: pytest.FixtureRequest, ui_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    with fixed_home(request.node.name) as home:
        env = {**ui_env, "QUILLTAP_HOME": str(home)}
        monkeypatch.setenv("QUILLTAP_HOME", str(home))
        ctx = make_ctx(env)
        yield ctx
        ctx.close()


def _seed(ctx: Any) -> None:
    keys.add_key(ctx, provider="openai", label="work", secret="sk-snapshot-000000000000wxyz")
    keys.add_key(ctx, provider="anthropic", label="claude", secret="sk-ant-snapshot-0000000000abcd")
    profiles.create(ctx, profiles.IMAGE, name="art", provider="openai", model="dall-e-3", key="work",
                    parameters={"size": "1792x1024", "style": "natural"}, tags=["wide"], default=True)
    profiles.create(ctx, profiles.IMAGE, name="quick", provider="grok", model="grok-imagine-image")
    profiles.create(ctx, profiles.CHAT, name="main", provider="anthropic", model="claude-sonnet-4-5",
                    key="claude", default=True)


def _images(ctx: Any) -> None:
    made = [("a lighthouse on a cliff at dusk", "1", (1024, 1024)), ("a red kite over a grey sea", "2", (1792, 1024))]
    with ctx.db.session() as session:
        for prompt, n, (w, h) in made:
            rel = f"images/2025/01/snap{n}.png"
            target = ctx.paths.data / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            data = make_image(64, 64, seed=n)
            target.write_bytes(data)
            session.add(GeneratedImageRecord(
                id=f"snap{n}", file_path=rel, mime_type="image/png", width=w, height=h, bytes=len(data),
                sha256=n * 64, prompt=prompt, revised_prompt=f"{prompt}, painted", provider="openai",
                model="dall-e-3", profile_name="art", created_at=datetime(2025, 1, int(n), 12, 0, tzinfo=UTC),
            ))
        session.commit()


def _app(ctx: Any, welcome: bool = False) -> Any:
    from quilltap_tui.ui.app import QuilltapApp

    app = QuilltapApp(ctx, environ=dict(ctx.environ))
    app._welcomed = not welcome
    return app


def _keys_then(*keys_pressed: str) -> Callable[[Any], Any]:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        for key in keys_pressed:
            await pilot.press(key)
            await settle(pilot)
        await drain(pilot)  # the picture is taken now: every page, preview and list loaded and drawn

    return run_before


def test_home(snap_compare: Any, snap_ctx: Any) -> None:
    _seed(snap_ctx)
    assert snap_compare(_app(snap_ctx), terminal_size=SIZE, run_before=_keys_then())


def test_welcome(snap_compare: Any, snap_ctx: Any) -> None:
    assert snap_compare(_app(snap_ctx, welcome=True), terminal_size=SIZE, run_before=_keys_then())


def test_key_vault(snap_compare: Any, snap_ctx: Any) -> None:
    _seed(snap_ctx)
    assert snap_compare(_app(snap_ctx), terminal_size=SIZE, run_before=_keys_then("f2"))


def test_image_profiles(snap_compare: Any, snap_ctx: Any) -> None:
    _seed(snap_ctx)
    assert snap_compare(_app(snap_ctx), terminal_size=SIZE, run_before=_keys_then("f3"))


def test_image_profile_form(snap_compare: Any, snap_ctx: Any) -> None:
    _seed(snap_ctx)
    opened = _keys_then("f3", "enter")

    async def run_before(pilot: Any) -> None:
        await opened(pilot)
        from textual.widgets import Input

        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False  # a blinking cursor makes the picture depend on timing
        await settle(pilot)

    assert snap_compare(_app(snap_ctx), terminal_size=SIZE, run_before=run_before)


def test_gallery(snap_compare: Any, snap_ctx: Any) -> None:
    _seed(snap_ctx)
    _images(snap_ctx)
    assert snap_compare(_app(snap_ctx), terminal_size=SIZE, run_before=_keys_then("f5"))


def test_gallery_grid(snap_compare: Any, snap_ctx: Any) -> None:
    _seed(snap_ctx)
    _images(snap_ctx)
    assert snap_compare(_app(snap_ctx), terminal_size=SIZE, run_before=_keys_then("f5", "g", "right"))


def test_help(snap_compare: Any, snap_ctx: Any) -> None:
    _seed(snap_ctx)
    assert snap_compare(_app(snap_ctx), terminal_size=SIZE, run_before=_keys_then("f2", "f1"))
