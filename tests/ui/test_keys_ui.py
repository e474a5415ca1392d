"""Key vault journeys through the real screens and services (file vault, loopback fakes)."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Input, Static

from quilltap_tui.secrets import Vault
from quilltap_tui.services import keys, profiles
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.ui.conftest import SIZE, settle

SECRET = "sk-test-ui-abcdefghijklmnop1234"


async def test_add_key_through_the_modal_stores_it_masked(make_app: Any, ctx: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        app.screen.query_one("#label", Input).value = "work"
        app.screen.query_one("#secret", Input).value = SECRET
        await pilot.click("#add")
        await settle(pilot)
        stored = keys.list_keys(ctx)
        assert [(k.label, k.provider, k.masked, k.backend) for k in stored] == [("work", "openai", "…1234", "file")]
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        assert table.get_row_at(0)[:3] == ["work", "openai", "…1234"]
        assert SECRET not in "".join(str(n.message) for n in app._notifications)
    assert SECRET.encode() not in ctx.paths.vault_file.read_bytes()  # encrypted at rest
    assert keys.secret_for(ctx, stored[0].id) == SECRET


async def test_duplicate_label_is_shown_beside_the_field(make_app: Any, ctx: Any) -> None:
    keys.add_key(ctx, provider="openai", label="work", secret=SECRET)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2", "ctrl+n")
        await pilot.pause()
        app.screen.query_one("#label", Input).value = "work"
        app.screen.query_one("#secret", Input).value = "sk-other-0000000000009999"
        await pilot.click("#add")
        await settle(pilot)
        error = str(app.screen.query_one("#err-label", Static).render())
        assert "already exists" in error
        # The pasted key is kept (masked, never drawn) so fixing the label does not mean pasting it again.
        assert app.screen.query_one("#secret", Input).value == "sk-other-0000000000009999"
        assert "sk-other" not in app.export_screenshot()
        app.screen.query_one("#label", Input).value = "other"
        await pilot.click("#add")
        await settle(pilot)
        assert type(app.screen).__name__ != "AddKeyModal"
    assert sorted(k.label for k in keys.list_keys(ctx)) == ["other", "work"]
    assert keys.secret_for(ctx, keys.get_key(ctx, "other").id) == "sk-other-0000000000009999"


async def test_delete_key_confirm_lists_profiles_losing_it(make_app: Any, ctx: Any) -> None:
    keys.add_key(ctx, provider="openai", label="work", secret=SECRET)
    profiles.create(ctx, profiles.IMAGE, name="art", provider="openai", model="gpt-image-1", key="work")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("delete")
        await pilot.pause()
        body = str(app.screen.query_one("#confirm-body", Static).render())
        assert "art" in body
        await pilot.click("#confirm")
        await settle(pilot)
    assert keys.list_keys(ctx) == []
    assert profiles.show(ctx, profiles.IMAGE, "art")["key"] is None


async def test_validate_key_against_the_fake_marks_it(make_app: Any, ctx: Any) -> None:
    with FakeOpenAIImages() as fake:
        keys.add_key(ctx, provider="openai", label="good", secret=TEST_KEYS["openai"])
        keys.add_key(ctx, provider="openai", label="bad", secret="sk-wrong-0000000000000000")
        for label in ("good", "bad"):
            profiles.create(ctx, profiles.IMAGE, name=f"p-{label}", provider="openai", model="gpt-image-1",
                            key=label, base_url=fake.base_url)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f2")
            await settle(pilot)
            table = app.screen.query_one(DataTable)
            for row in range(2):  # rows are sorted by label: bad, good
                table.move_cursor(row=row)
                await pilot.press("v")
                await settle(pilot)
            rows = {table.get_row_at(i)[0]: table.get_row_at(i)[4] for i in range(2)}
            assert rows["good"].startswith("valid")
            assert rows["bad"].startswith("refused")
            messages = [str(n.message) for n in app._notifications]
            assert any("works" in m for m in messages)
            assert not any("sk-wrong-0000000000000000" in m for m in messages)
        assert fake.requests_to("/models")
    verdicts = {k.label: k.valid for k in keys.list_keys(ctx)}
    assert verdicts == {"good": True, "bad": False}


async def test_unlock_modal_wrong_then_right_passphrase(make_app: Any, ctx: Any, monkeypatch: Any) -> None:
    keys.add_key(ctx, provider="openai", label="work", secret=SECRET)  # creates the vault (env passphrase)
    env = dict(ctx.environ)
    env.pop("QUILLTAP_VAULT_PASSPHRASE")
    monkeypatch.delenv("QUILLTAP_VAULT_PASSPHRASE")
    ctx.environ = env
    ctx.__dict__["vault"] = Vault(ctx.paths, ctx.settings, environ=env, _scrypt_n=2**10)
    app = make_app(environ=env)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "UnlockModal"
        app.screen.query_one("#passphrase", Input).value = "not the passphrase"
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "UnlockModal"
        assert "Wrong passphrase" in str(app.screen.query_one("#err-passphrase", Static).render())
        app.screen.query_one("#passphrase", Input).value = "correct horse battery staple"
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert app.snapshot is not None and not app.snapshot.vault_locked
    assert keys.secret_for(ctx, keys.list_keys(ctx)[0].id) == SECRET
