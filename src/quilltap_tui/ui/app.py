"""The Textual application shell: screens, app-wide keys, header, themes, toasts and shared state.

The first screen is drawn before any database or keyring work: the shared :class:`Snapshot` (vault
status, keys, profiles) is loaded by a thread worker and arrives as a message; every screen on the
stack is then told about it. Nothing heavy (SQLModel, provider SDKs, Pillow) is imported before the
first paint.
"""

from __future__ import annotations

import gc
import getpass
import logging
import os
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import App
from textual.binding import Binding, Keymap
from textual.driver import Driver
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker

from quilltap_tui.textsafe import inert
from quilltap_tui.ui.commands import QuilltapCommands
from quilltap_tui.ui.key_order import KeyOrderedApp
from quilltap_tui.ui.screens import registry
from quilltap_tui.ui.tasks import START_MODULES, Failed, async_work, blocking_work
from quilltap_tui.ui.warmup import IdleCollector
from quilltap_tui.ui.warmup import freeze as warmup_freeze

if TYPE_CHECKING:
    from quilltap_tui.config import Settings
    from quilltap_tui.services.chat_views import ChatView
    from quilltap_tui.services.context import AppContext
    from quilltap_tui.services.generation import GenerationOutcome
    from quilltap_tui.ui.early_input import EarlyInput
    from quilltap_tui.ui.state import Snapshot

log = logging.getLogger(__name__)
DEFAULT_THEME = "quilltap-dark"


class QuilltapApp(KeyOrderedApp):
    """quilltap-tui: keys, profiles, gallery and (later) chats, in one keyboard-driven app."""

    TITLE = "quilltap-tui"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {QuilltapCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("ctrl+p", "command_palette", "Palette", id="command_palette", priority=True, show=False),
        Binding("f1", "help", "Help", id="help"),
        # "?" as in most terminal apps; a text field takes it as a character first, so typing stays possible.
        Binding("question_mark", "help", "Help", id="help_question", show=False),
        *registry.bindings(),  # F2 to F6: one per row of the screen table
        Binding("ctrl+g", "generate", "Generate", id="generate"),
    ]

    def __init__(
        self,
        ctx: AppContext | None = None,
        *,
        image_protocol: str = "off",
        environ: dict[str, str] | None = None,
        early_input: EarlyInput | None = None,
    ) -> None:
        from quilltap_tui.redact_sinks import install_log_redaction
        from quilltap_tui.ui import textual_log

        install_log_redaction()  # our log file and every library's log record: redacted
        textual_log.install()  # Textual's own log (TEXTUAL_LOG, devtools): redacted too
        super().__init__()
        self.environ = dict(os.environ if environ is None else environ)
        self._ctx = ctx
        self.image_protocol = image_protocol
        # Keys typed before the app read the terminal (launch read them: the graphics probe listened, or they
        # waited in the terminal's line buffer); the driver hands them on before anything it reads itself.
        self.early_input = early_input
        self.snapshot: Snapshot | None = None
        self.generation: Worker[None] | None = None  # the running generation worker, so esc/palette can cancel it
        self._theme_loaded = False
        self._welcomed = False
        self._unlock_open = False
        self.collector = IdleCollector()
        self._gc_thresholds: tuple[int, int, int] | None = None
        self._unmounted = False
        self.terminal: Driver | None = None  # the running terminal's driver, once the app runs in one
        self.key_overrides: dict[str, str] = {}  # the [keys] table: binding id -> key(s), as applied
        self.gallery_grid = False  # the gallery's view last chosen (g), kept while the app runs
        self.set_keymap(self._read_keymap())

    # -- context and settings ------------------------------------------------------------------

    @property
    def ctx(self) -> AppContext:
        """The services' context, built on first use (cheap: no database or keyring yet)."""
        if self._ctx is None:
            from quilltap_tui.services.context import AppContext

            self._ctx = AppContext(environ=self.environ)
        return self._ctx

    def set_keymap(self, keymap: Keymap) -> None:
        """Textual's keymap, remembered here too: help and the home screen show the keys as remapped."""
        super().set_keymap(keymap)
        self.key_overrides = dict(keymap)

    def update_keymap(self, keymap: Keymap) -> None:
        super().update_keymap(keymap)
        self.key_overrides = {**self.key_overrides, **keymap}

    def key_for(self, binding_id: str) -> str | None:
        """The key of the app binding ``binding_id`` as remapped (the first, when several), shown as typed."""
        default = next((b.key for b in self.BINDINGS if isinstance(b, Binding) and b.id == binding_id), None)
        keys = self.key_overrides.get(binding_id, default)
        return keys.split(",")[0].strip() if keys else None

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this platform, made to tell the app it is the one writing to the terminal
        (the tmux-wrapped clipboard copy is written through it; Textual keeps its own reference private)
        and to hand on the keys typed before it started (``early_input``) ahead of what it reads."""
        return _announcing(super().get_driver_class(), self)

    def _read_keymap(self) -> dict[str, str]:
        """The ``[keys]`` table of settings.toml: binding id -> key(s), e.g. ``open_gallery = "f9"``."""
        from quilltap_tui import config

        try:
            table = config.read_file(self.ctx.paths.settings_file).get("keys", {})
        except Exception:  # a broken settings file must not stop the app; the CLI reports it
            log.warning("Ignoring the [keys] table: the settings file could not be read", exc_info=True)
            return {}
        return {str(k): str(v) for k, v in table.items()} if isinstance(table, dict) else {}

    # -- start-up ------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        from quilltap_tui.ui.screens.home import HomeScreen

        return HomeScreen()

    def on_mount(self) -> None:
        self._apply_themes()
        self.update_header()
        self.refresh_snapshot()
        self._check_catalogue()

    class CatalogueChecked(Message, bubble=False):
        def __init__(self, warning: str | None) -> None:
            super().__init__()
            self.warning = warning

    @blocking_work(group="sweep_orphans")
    def _sweep_orphans(self) -> None:
        # Imported in the worker thread: the image store pulls in SQLAlchemy, which would delay the first paint.
        from quilltap_tui.services.image_store import sweep_orphans

        sweep_orphans(self.ctx)
        return None

    @blocking_work(group="catalogue_warning", preload=START_MODULES)
    def _check_catalogue(self) -> CatalogueChecked:
        from quilltap_tui.services.model_catalogue import catalogue_warning

        return self.CatalogueChecked(catalogue_warning())

    @on(CatalogueChecked)
    def _catalogue_checked(self, message: CatalogueChecked) -> None:
        """A malformed models.toml: the same one sentence the command line prints."""
        if message.warning:
            self.notify(message.warning, title="Model catalogue", severity="warning", timeout=10)

    def _apply_themes(self) -> None:
        from quilltap_tui.ui.themes import load_themes

        for theme in load_themes(self.ctx.paths.config).values():
            self.register_theme(theme)
        wanted = self.ctx.settings.theme
        self.theme = wanted if wanted in self.available_themes else DEFAULT_THEME
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self._theme_loaded = True

    def _remember_theme(self, theme: Any) -> None:
        if not self._theme_loaded or theme.name == self.ctx.settings.theme:
            return
        self._save_theme(theme.name)

    class ThemeSaved(Message, bubble=False):
        def __init__(self, settings: Settings) -> None:
            super().__init__()
            self.settings = settings

    @blocking_work(group="save_theme")
    def _save_theme(self, name: str) -> ThemeSaved:
        from quilltap_tui import config

        return self.ThemeSaved(config.save(self.ctx.paths, self.ctx.settings, theme=name))

    @on(ThemeSaved)
    def _theme_saved(self, message: ThemeSaved) -> None:
        self.ctx.settings = message.settings
        self.notify(f"Theme {message.settings.theme} will be used next time too.", timeout=3)

    # -- shared state --------------------------------------------------------------------------

    def refresh_snapshot(self) -> None:
        """Reload keys, profiles and vault status in a thread; screens hear about it when it lands."""
        self._load_snapshot()

    class SnapshotLoaded(Message, bubble=False):
        def __init__(self, snapshot: Snapshot) -> None:
            super().__init__()
            self.snapshot = snapshot

    @blocking_work(group="snapshot", preload=START_MODULES)
    def _load_snapshot(self) -> SnapshotLoaded:
        from quilltap_tui.ui.state import load_snapshot

        return self.SnapshotLoaded(load_snapshot(self.ctx))

    @on(SnapshotLoaded)
    def _snapshot_loaded(self, message: SnapshotLoaded) -> None:
        self.show_snapshot(message.snapshot)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """The shared state arrived: the header and every screen on the stack show it."""
        if self.snapshot is None:
            self.set_timer(0.5, lambda: self._after_start(snapshot))
        self.snapshot = snapshot
        self.update_header()
        from textual.css.query import NoMatches

        from quilltap_tui.ui.screens.base import BaseScreen

        for screen in self.screen_stack:
            if not isinstance(screen, BaseScreen):
                continue
            try:
                screen.show_snapshot(snapshot)
            except NoMatches:  # not composed yet: its on_mount reads app.snapshot
                continue
        self._hold_on = None  # the waiting action has opened its screen (or had nothing to open)
        self._first_run_checks(snapshot)

    def _after_start(self, snapshot: Snapshot) -> None:
        """Once the first screen is usable: work that would only have delayed it."""
        # Image files a killed run wrote but never committed (past the sweep's minimum age) are removed.
        self._sweep_orphans()
        self._warm_up(snapshot)

    def _warm_up(self, snapshot: Snapshot) -> None:
        """Load what the first chat turn needs while the user is still choosing a chat (see ``warmup``)."""
        from quilltap_tui.ui import warmup

        providers = [p.provider for p in snapshot.chat_profiles]
        modules = warmup.modules_for(providers, previews=self.image_protocol != "off")

        def warm() -> None:
            warmup.warm(modules)
            if not self._unmounted:  # and the first request's own first-time work, on the turns' loop
                from quilltap_tui.services import chat_turn_warm

                chat_turn_warm.warm(self.ctx, providers)
            if not self._unmounted:
                self.call_from_thread(self._collect_when_idle)

        self.run_worker(warm, thread=True, group="warm-up", exit_on_error=False)

    def _collect_when_idle(self) -> None:
        """After the warm-up, on the UI thread: freeze what is alive, then collect only when idle."""
        if self._unmounted:  # the app closed while the warm-up ran: leave the process's collector alone
            return
        self._gc_thresholds = gc.get_threshold()
        warmup_freeze()
        self.collector.enable()
        self.set_interval(1.0, self._idle_tick)

    def _idle_tick(self) -> None:
        from textual.worker import WorkerState

        busy = any(worker.state == WorkerState.RUNNING for worker in self.workers)
        if self.collector.tick(busy):
            log.debug("idle full collection done")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self.collector.touch()
        await super().on_event(event)

    def on_unmount(self) -> None:
        # Give the process its usual collector back (several apps run in one test process).
        self._unmounted = True
        if self._gc_thresholds is not None:
            gc.set_threshold(*self._gc_thresholds)
            gc.unfreeze()

    def _first_run_checks(self, snapshot: Snapshot) -> None:
        if snapshot.vault_locked:
            self.request_unlock()
        elif not self._welcomed and snapshot.is_first_run:
            self._welcomed = True
            from quilltap_tui.ui.screens.welcome import WelcomeScreen

            self.push_screen(WelcomeScreen())

    def update_header(self, chat: str | None = None, image: str | None = None) -> None:
        """Header: the active chat and image profile (defaults until a chat picks others), user@host over SSH."""
        snap = self.snapshot
        chat = chat or (snap.default_chat if snap else None)
        image = image or (snap.default_image if snap else None)
        parts = [f"chat: {chat or 'none'}", f"image: {image or 'none'}"] if snap else ["loading…"]
        if self.environ.get("SSH_CONNECTION"):
            parts.append(f"{getpass.getuser()}@{socket.gethostname()}")
        self.sub_title = inert(" · ".join(parts), keep_newlines=False)  # profile names: shown, never obeyed

    # -- errors and the vault ------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast shows its text as typed: toasts carry profile names, prompts and provider
        messages, which must never be read as markup (``[link=...]``) or reach the terminal as escapes."""
        super().notify(inert(message), title=inert(title), severity=severity, timeout=timeout, markup=False)

    def action_help_quit(self) -> None:
        """ctrl+c: say how to quit. Textual's own text is markup, which the plain-text toasts would show raw."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(f"Press {key} to quit the app.", title="Do you want to quit?")
                return

    def report_error(self, error: BaseException) -> None:
        """A toast for a failed call; a locked vault opens the unlock modal instead. Never a secret."""
        from quilltap_tui.errors import QuilltapError, VaultLocked

        if isinstance(error, VaultLocked):
            # The service's sentence is advice for the command line (set QUILLTAP_VAULT_PASSPHRASE); here the
            # dialog asks for the passphrase, and only a wrong one needs its own words.
            if not is_plain_lock(error):
                self.notify(str(error), title="Vault locked", severity="warning")
            self.request_unlock()
        elif isinstance(error, QuilltapError):
            self.notify(error.message, title=_title_for(error), severity="error", markup=False)
        else:
            self.notify(f"Unexpected {type(error).__name__}; details are in the log (F6).", severity="error")

    def request_unlock(self, then: Callable[[], None] | None = None) -> None:
        """Open the passphrase modal once; on success reload everything, then call ``then`` (a retry)."""
        if self._unlock_open:
            return
        from quilltap_tui.ui.screens.unlock import UnlockModal

        self._unlock_open = True

        def closed(unlocked: bool | None) -> None:
            self._unlock_open = False
            if unlocked:
                self.notify("Vault unlocked.", timeout=3)
                self.refresh_snapshot()
                if then is not None:
                    then()

        self.push_screen(UnlockModal(), closed)

    # -- navigation ----------------------------------------------------------------------------

    def action_open(self, name: str) -> None:
        """Open a top-level screen by name on top of the current one, so esc goes back where you came from
        (F3 from a chat, esc: the same chat, its scroll and prompt as they were). A screen already on the
        stack is gone back to, not opened twice; "home" goes back to the bottom."""
        if self.screen.is_modal:
            return
        factory = registry.BY_ID[name].factory
        from quilltap_tui.ui.screens.base import BaseScreen

        target: Screen[Any] | None = next(
            (s for s in self.screen_stack if isinstance(s, BaseScreen) and s.open_name == name), None)
        if factory is None:
            target = self.screen_stack[0]
        if target is not None:
            while self.screen is not target and len(self.screen_stack) > 1:
                self.pop_screen()
            return
        assert factory is not None
        screen = factory()
        screen.open_name = name
        self.push_screen(screen)

    def action_help(self) -> None:
        from quilltap_tui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_generate(self, profile: str | None = None) -> None:
        """Ask for a prompt (and a profile), then generate; the result opens in the gallery."""
        from quilltap_tui.ui.screens.generate import GenerateModal

        names = self.snapshot.image_profile_names if self.snapshot else []
        default = self.snapshot.default_image if self.snapshot else None
        self.push_screen(GenerateModal(names, profile or default), self._start_generation)

    def _start_generation(self, request: tuple[str, str | None] | None) -> None:
        if not request:
            return
        prompt, profile = request
        from quilltap_tui.ui.screens.generate import GeneratingModal

        self.generation = self._generate(prompt, profile)
        self.push_screen(GeneratingModal(profile, prompt))

    class Generated(Message, bubble=False):
        def __init__(self, outcome: GenerationOutcome) -> None:
            super().__init__()
            self.outcome = outcome

    class GenerationFailed(Failed):
        """Handled here: the "generating" dialog closes before the error is reported."""

    @async_work(group="generate", failure=GenerationFailed)
    async def _generate(self, prompt: str, profile: str | None, edit_ids: list[str] | None = None) -> Generated:
        from quilltap_tui.ui import generation

        if edit_ids is None:
            return self.Generated(await generation.generate(self.ctx, prompt, profile, self._generation_note))
        return self.Generated(await generation.edit(self.ctx, prompt, profile, edit_ids, self._generation_note))

    def action_edit_image(self, image_id: str) -> None:
        """"Edit this": a prompt and a profile that can edit, then the edit runs like a generation."""
        from functools import partial

        from quilltap_tui.ui.generation import edit_profiles
        from quilltap_tui.ui.screens.generate import GenerateModal

        names = edit_profiles(self.snapshot.image_profiles if self.snapshot else [])
        default = self.snapshot.default_image if self.snapshot else None
        modal = GenerateModal(names, default, title="Edit this image", verb="Edit",
                              placeholder="What to change (the same fox, twice as big)…",
                              empty="No image profile can edit: its model must take input images "
                                    "(gpt-image, grok-imagine-image, Gemini image models).")
        self.push_screen(modal, partial(self._start_edit, image_id))

    def _start_edit(self, image_id: str, request: tuple[str, str | None] | None) -> None:
        if not request:
            return
        prompt, profile = request
        from quilltap_tui.ui.screens.generate import GeneratingModal

        self.generation = self._generate(prompt, profile, [image_id])
        self.push_screen(GeneratingModal(profile, prompt, title="Editing an image", verb="Editing"))

    def _generation_note(self, note: str) -> None:
        """A queueing provider's note ("ComfyUI: step 6 of 20") on the generating dialog, while it is open."""
        from quilltap_tui.ui.screens.generate import GeneratingModal

        for screen in self.screen_stack:
            if isinstance(screen, GeneratingModal):
                screen.show_progress(note)

    @on(Generated)
    def _generated(self, message: Generated) -> None:
        outcome = message.outcome
        self.generation = None
        self._close_generating()
        count = len(outcome.images)
        note = f" ({len(outcome.warnings)} adjustments)" if outcome.warnings else ""
        self.notify(f"Saved {count} image{'s' if count != 1 else ''} with {outcome.profile}{note}.")
        from quilltap_tui.ui.screens.gallery import GalleryScreen

        first = outcome.images[0].id if outcome.images else None
        while len(self.screen_stack) > 1 and not self.screen.is_modal:
            self.pop_screen()
        self.push_screen(GalleryScreen(select_id=first))

    @on(GenerationFailed)
    def _generation_failed(self, message: GenerationFailed) -> None:
        message.stop()
        self.generation = None
        self._close_generating()
        self.report_error(message.error)

    def on_failed(self, message: Failed) -> None:
        """A feature worker's failure that its screen did not handle itself (see ``tasks``)."""
        message.stop()
        self.report_error(message.error)

    def _close_generating(self) -> None:
        from quilltap_tui.ui.screens.generate import GeneratingModal

        if isinstance(self.screen, GeneratingModal):
            self.screen.dismiss(None)

    def cancel_generation(self) -> None:
        if self.generation is not None:
            self.generation.cancel()
            self.generation = None
            self.notify("Generation cancelled.", timeout=3)

    def set_show_images(self, chat_id: str, on: bool) -> None:
        """Store the chat's show-images switch (a thread worker does the write)."""
        self._set_show_images(chat_id, on)

    class ShowImagesSet(Message, bubble=False):
        def __init__(self, view: ChatView) -> None:
            super().__init__()
            self.view = view

    @blocking_work(group="show_images")
    def _set_show_images(self, chat_id: str, on: bool) -> ShowImagesSet:
        from quilltap_tui.services import chats

        return self.ShowImagesSet(chats.set_show_images(self.ctx, chat_id, on))

    @on(ShowImagesSet)
    def _show_images_set(self, message: ShowImagesSet) -> None:
        from quilltap_tui.ui.screens.chat import ChatScreen

        view = message.view
        screen = self.screen
        if isinstance(screen, ChatScreen) and screen.chat is not None and screen.chat.id == view.id:
            screen.chat = view  # the palette's show-images entry reads the switch from here
        state = "now sees" if view.show_images else "no longer sees"
        self.notify(f"The chat model {state} the images the tools make.", timeout=4)

    def set_default_profile(self, kind: str, name: str) -> None:
        """Make ``name`` the default image or chat profile (a thread worker does the write)."""
        self._set_default(kind, name)

    class DefaultSet(Message, bubble=False):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    @blocking_work(group="set_default")
    def _set_default(self, kind: str, name: str) -> DefaultSet:
        from quilltap_tui.services import profiles

        view = profiles.set_default(self.ctx, profiles.IMAGE if kind == "image" else profiles.CHAT, name)
        return self.DefaultSet(view.name)

    @on(DefaultSet)
    def _default_set(self, message: DefaultSet) -> None:
        self.notify(f"{message.name} is now the default.", timeout=3)
        self.refresh_snapshot()

    def copy_to_clipboard(self, text: str) -> None:
        """OSC 52, plus tmux's passthrough wrapping when inside tmux (works over SSH too)."""
        from quilltap_tui.ui.clipboard import sequences

        super().copy_to_clipboard(text)  # the bare OSC 52, and the app's own clipboard
        if self.terminal is None:
            return
        for sequence in sequences(text, self.environ)[1:]:  # inside tmux: the passthrough-wrapped copy too
            self.terminal.write(sequence)


def _announcing(base: type[Driver], app: QuilltapApp) -> type[Driver]:
    """``base`` (a Driver class) whose instances register themselves as ``app.terminal`` when made, and whose
    input thread (a terminal driver's) first hands on ``app.early_input``."""

    def __init__(driver: Driver, *args: Any, **kwargs: Any) -> None:
        base.__init__(driver, *args, **kwargs)
        app.terminal = driver

    members: dict[str, Any] = {"__init__": __init__, "__module__": base.__module__}
    reader = getattr(base, "run_input_thread", None)
    if reader is not None:

        def run_input_thread(driver: Driver) -> None:
            early, app.early_input = app.early_input, None
            if early is not None:  # posted from this thread before it reads the terminal: they stay first
                from quilltap_tui.ui.early_input import hand_on

                hand_on(driver, early, driver.fileno)  # type: ignore[attr-defined]  # a terminal driver's
            reader(driver)

        members["run_input_thread"] = run_input_thread
    return type(base.__name__, (base,), members)


def is_plain_lock(error: BaseException) -> bool:
    """True for "the vault is locked, no passphrase yet" (as opposed to a wrong passphrase)."""
    from quilltap_tui.secrets.file_vault import LOCKED_MESSAGE

    return str(error) == LOCKED_MESSAGE


def _title_for(error: BaseException) -> str:
    from quilltap_tui.errors import AuthError, Invalid, LimitExceeded, NotFound, ProviderError

    for kind, title in ((Invalid, "Invalid input"), (NotFound, "Not found"), (AuthError, "Key refused"),
                        (LimitExceeded, "Limit reached"), (ProviderError, "Provider error")):
        if isinstance(error, kind):
            return title
    return "Error"

