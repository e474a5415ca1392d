"""Key vault journeys through the real screens and services (file vault, loopback fakes)."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Input, Static

from quilltap_tui.secrets import Vault
from quilltap_tui.services import keys, profiles
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.ui.conftest import SIZE, settle, shown

SECRET = "sk-test-ui-abcdefghijklmnop1234"


async def test_add_key_through_the_modal_stores_it_masked(make_app: Any, ctx: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await shown(pilot, "AddKeyModal", "#label")
        app.screen.query_one("#label", Input).value = "work"
        app.screen.query_one("#secret", Input).value = SECRET
        await pilot.click("#add")
        await settle(pilot)
        stored = keys.list_keys(ctx)
        assert [(k.label, k.provider, k.masked, k.backend) for k in stored] == [("work", "openai", "…1234", "file")]
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        assert table.get_row_at(0)[:3] == ["work", "OpenAI", "…1234"]  # the provider as the profile lists name it
        assert SECRET not in "".join(str(n.message) for n in app._notifications)
    assert SECRET.encode() not in ctx.paths.vault_file.read_bytes()  # encrypted at rest
    assert keys.secret_for(ctx, stored[0].id) == SECRET


async def test_duplicate_label_is_shown_beside_the_field(make_app: Any, ctx: Any) -> None:
    keys.add_key(ctx, provider="openai", label="work", secret=SECRET)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2", "ctrl+n")
        await shown(pilot, "AddKeyModal", "#label")
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
        await shown(pilot, "ConfirmModal", "#confirm-body")
        body = str(app.screen.query_one("#confirm-body", Static).render())
        assert "art" in body
        await pilot.click("#confirm")
        await settle(pilot)
    assert keys.list_keys(ctx) == []
    assert profiles.show(ctx, profiles.IMAGE, "art").key is None


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


def _no_passphrase_app(ui_env: dict[str, str], monkeypatch: Any) -> tuple[Any, Any]:
    """A first run with the file vault and no QUILLTAP_VAULT_PASSPHRASE: the app must ask for one."""
    from quilltap_tui.ui.app import QuilltapApp
    from tests.ui.conftest import make_ctx

    monkeypatch.delenv("QUILLTAP_VAULT_PASSPHRASE")
    env = {k: v for k, v in ui_env.items() if k != "QUILLTAP_VAULT_PASSPHRASE"}
    context = make_ctx(env)
    return QuilltapApp(context, environ=env), context


async def test_first_key_is_stored_once_the_passphrase_is_chosen(ui_env: dict[str, str], monkeypatch: Any) -> None:
    """Bug: Add asked for a passphrase with a toast of command-line advice, then the key was not stored."""
    from quilltap_tui.ui.screens.unlock import UnlockModal

    app, context = _no_passphrase_app(ui_env, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "WelcomeScreen"
        await pilot.click("#add-key")
        await shown(pilot, "AddKeyModal", "#label")
        app.screen.query_one("#label", Input).value = "first"
        app.screen.query_one("#secret", Input).value = SECRET
        await pilot.click("#add")
        await settle(pilot)
        assert isinstance(app.screen, UnlockModal)
        assert app.screen.query("#repeat")  # a new vault's passphrase is typed twice
        await pilot.press(*"horse", "enter", *"horsf", "enter")  # a typo: refused, nothing created
        await settle(pilot)
        assert isinstance(app.screen, UnlockModal)
        assert "differ" in str(app.screen.query_one("#err-passphrase", Static).render())
        assert not context.paths.vault_file.exists()
        await pilot.press(*"horse", "enter", *"horse", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "WelcomeScreen"  # the Add dialog finished by itself
        toasts = " ".join(str(n.message) for n in app._notifications)
        assert "QUILLTAP_VAULT_PASSPHRASE" not in toasts and "Key first stored" in toasts
    assert [k.label for k in keys.list_keys(context)] == ["first"]
    assert keys.secret_for(context, keys.list_keys(context)[0].id) == SECRET
    context.close()


async def test_locked_vault_opens_the_dialog_without_command_line_advice(
        ui_env: dict[str, str], monkeypatch: Any, ctx: Any) -> None:
    """Bug: a locked vault in the TUI said 'set QUILLTAP_VAULT_PASSPHRASE or run in a terminal'."""
    from quilltap_tui.ui.screens.unlock import UnlockModal

    keys.add_key(ctx, provider="openai", label="work", secret=SECRET)  # the vault exists, with a passphrase
    app, context = _no_passphrase_app(ui_env, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, UnlockModal)
        assert not app.screen.query("#repeat")  # an existing vault: one passphrase
        await pilot.press("escape", "f2")
        await settle(pilot)
        await pilot.press("v")  # validating needs the secret: the vault must be opened
        await settle(pilot)
        assert isinstance(app.screen, UnlockModal)
        assert "QUILLTAP_VAULT_PASSPHRASE" not in " ".join(str(n.message) for n in app._notifications)
    context.close()


async def test_dialog_errors_start_under_their_field(make_app: Any, ctx: Any) -> None:
    """Bug: error lines in dialogs were indented ~29 columns (the form's label column) and wrapped mid-word."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await shown(pilot, "AddKeyModal", "#secret")
        app.screen.query_one("#secret", Input).value = SECRET
        await pilot.click("#add")
        await settle(pilot)
        error = app.screen.query_one("#err-label", Static)
        field = app.screen.query_one("#label", Input)
        assert error.display and str(error.render())
        assert abs(error.content_region.x - field.region.x) <= 2


async def test_the_cursor_stays_on_its_key_when_the_list_reloads(make_app: Any, ctx: Any) -> None:
    """Bug: validating a key reloaded the list with the cursor on the first row."""
    for label in ("a", "b", "c"):
        keys.add_key(ctx, provider="openai", label=label, secret=SECRET)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("down", "down")
        app.refresh_snapshot()  # what a validation does when it ends
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.cursor_row == 2 and table.get_row_at(2)[0] == "c"


async def test_validate_a_key_at_a_base_url_typed_in_the_vault(make_app: Any, ctx: Any) -> None:
    """As `keys validate --base-url`: b asks where, a bad URL is refused beside the field, a good one is used."""
    with FakeOpenAIImages() as fake:
        keys.add_key(ctx, provider="openai", label="good", secret=TEST_KEYS["openai"])
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f2")
            await settle(pilot)
            await pilot.press("b")
            await settle(pilot)
            field = app.screen.query_one("#base_url", Input)
            field.value = "ftp://nowhere"
            await pilot.press("enter")
            await settle(pilot)
            assert str(app.screen.query_one("#err-base_url", Static).render()).startswith("Base URL must start")
            field.value = fake.base_url
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen.query_one(DataTable).get_row_at(0)[4].startswith("valid")
        assert fake.requests_to("/models")
