"""``ask`` without the ORM: the chat, the turn's setup and its storage with plain ``sqlite3``.

Measured cold, ``ask --no-images hi`` took twice a bare SDK script making the same request, and most of
the difference was importing SQLAlchemy, sqlmodel and the models (and the image stack a chat without
images never uses) to read two profiles and write a handful of rows. This path does the same reads and
writes with the standard library, when it does exactly what the ORM path would:

* the database is the SQLite file at the current schema (:func:`plain_reads.connect`), and the sweep
  of killed runs' leftovers has nothing to do (:func:`plain_reads.nothing_to_sweep`), so skipping it
  changes nothing;
* no ``--attach`` (attaching reads the gallery), no ``--tag`` (tags may create rows), and with
  ``--chat`` no profile switch: each of these takes the ORM path, which does everything as before.

The image tools are declared from the image profile's row, and the generation service (HTTP client,
Pillow) is imported only when the model actually calls one. Its rows (profile, reservation, audit, images)
go through the plain ``sqlite3`` generation store (:mod:`services.plain_generation_store`) as ``generate``'s
do: importing the ORM for them put about 0.4 s of a cold run between the tool call and its image request.
Rows and ``--json`` documents equal the ORM path's (tests/services/test_plain_turn.py).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from quilltap_tui import provider_ids
from quilltap_tui.chat.events import EventSink
from quilltap_tui.chat.loop import TurnResult, TurnSetup, run_turn
from quilltap_tui.chat.spec import ChatProvider, ImageBlock
from quilltap_tui.errors import Invalid, NotFound
from quilltap_tui.services import key_rules, plain_reads
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.plain_sqlite import open_for_run
from quilltap_tui.services.plain_turn_store import PlainTurnStore, as_json, immediate, new_id, stamp
from quilltap_tui.tools import catalogue
from quilltap_tui.tools.call import ToolContext
from quilltap_tui.tools.ports import ImageToolProfile
from quilltap_tui.tools.registry import ToolRegistry

if TYPE_CHECKING:
    from quilltap_tui.imagegen.options import GenerateOptions
    from quilltap_tui.services.generation import GenerationOutcome, GenerationService
    from quilltap_tui.services.plain_generation_store import PlainGenerationStore

def open_store(ctx: AppContext) -> PlainTurnStore | None:
    """A store on the SQLite file when this path may run (see the module doc), else None."""
    conn = open_for_run(ctx)  # the checks, then the run lock: a streaming reply is an open row
    if conn is None:
        return None
    return PlainTurnStore(conn)


def chat_for(
    store: PlainTurnStore, *, chat: str | None, chat_profile: str | None, image_profile: str | None,
    no_images: bool, tags: Sequence[str],
) -> str | None:
    """The chat ``ask`` talks in (``--chat``, or a new one as ``chats.create_chat`` makes it); None when
    the ORM path must do it (tags, or profile switches on an existing chat)."""
    if tags:
        return None
    if chat:
        if chat_profile or image_profile or no_images:
            return None
        return plain_reads.find_chat(store.conn, chat)
    with store._lock, immediate(store.conn) as conn:
        profile_id = _chat_profile(conn, chat_profile)
        image_id = None if no_images else _image_profile(conn, image_profile)
        chat_id, now = new_id(), stamp()
        conn.execute(
            "INSERT INTO chat (id, title, chat_profile_id, image_profile_id, enabled_tools, show_images,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
            (chat_id, "New chat", profile_id, image_id, as_json(catalogue.default_ids(images=not no_images)), now,
             stamp()),
        )
    return chat_id


def _chat_profile(conn: sqlite3.Connection, name: str | None) -> str:
    """As ``chats._chat_profile``: the named chat profile's id, else the default's."""
    if name:
        row = conn.execute("SELECT id, provider, name FROM chat_profile WHERE name = ?", (name.strip(),)).fetchone()
        if row is None:
            raise NotFound("chat profile", name)
    else:
        row = conn.execute("SELECT id, provider, name FROM chat_profile WHERE is_default IS 1").fetchone()
        if row is None:
            raise Invalid("chat_profile", "No chat profile given and none is the default: pass --chat-profile NAME.")
    provider_ids.require_installed(row[1], "chat", row[2])
    return str(row[0])


def _image_profile(conn: sqlite3.Connection, name: str | None) -> str | None:
    """As ``chats._pick_image_profile`` without tags: the named image profile's id, else the default's."""
    if name:
        row = conn.execute("SELECT id FROM image_profile WHERE name = ?", (name.strip(),)).fetchone()
        if row is None:
            raise NotFound("image profile", name)
        return str(row[0])
    row = conn.execute("SELECT id FROM image_profile WHERE is_default IS 1").fetchone()
    return str(row[0]) if row else None


async def ask(
    ctx: AppContext, store: PlainTurnStore, chat_id: str, text: str, emit: EventSink, *, show_images: bool = False,
) -> TurnResult:
    """``chat_turn.ask`` on this path: one turn of ``chat_id`` with ``text`` as the user's message.

    The command line runs it on an event loop of its own, so its storage runs inline (``inline_storage``):
    each thread hop waited for the interpreter lock while the SDK was still being imported.
    """
    generation = ToolGeneration(ctx)
    try:
        setup = prepare_turn(ctx, store, chat_id, show_images, generation)
        setup.inline_storage = True
        return await run_turn(setup, text, emit)
    finally:
        try:
            await generation.aclose()
        finally:
            store.close()


def prepare_turn(ctx: AppContext, store: PlainTurnStore, chat_id: str, show_images: bool = False,
                 generation: GenerationService | ToolGeneration | None = None) -> TurnSetup:
    """As ``chat_turn.prepare_turn``: the setup of the next turn from the chat's current profiles.

    ``generation``: the service the image tools use (the TUI's turns share one), or a :class:`ToolGeneration`
    that makes it at their first call (the caller closes it); None: one of those nobody closes.
    """
    with store._lock:
        conn = store.conn
        chat_id = plain_reads.find_chat(conn, chat_id)
        profile_id, image_id, enabled, chat_shows = conn.execute(
            "SELECT chat_profile_id, image_profile_id, enabled_tools, show_images FROM chat WHERE id = ?", (chat_id,)
        ).fetchone()
        profile = conn.execute("SELECT name, provider, model, api_key_id, base_url, parameters, system_prompt"
                               " FROM chat_profile WHERE id = ?", (profile_id,)).fetchone() if profile_id else None
        image = conn.execute("SELECT name, provider, model, parameters, max_images_per_call FROM image_profile"
                             " WHERE id = ?", (image_id,)).fetchone() if image_id else None
    if profile is None:
        raise NotFound("chat profile", "(none)",
                       f"Chat {chat_id[:8]} has no chat profile (it was deleted); pick one with --chat-profile NAME.")
    name, provider, model, key_id, base_url, parameters, system = profile
    provider_ids.require_installed(provider, "chat", name)
    # An image profile whose provider was uninstalled offers no tool; `generate` says why in one sentence.
    binding = catalogue.ToolBinding()
    if image is not None and provider_ids.installed(image[1], "image"):
        made = ToolGeneration(ctx) if generation is None else generation
        port = LazyProfileImages(image[0], made.service if isinstance(made, ToolGeneration) else partial(_given, made))
        binding = catalogue.ToolBinding(ImageToolProfile(image[0], image[1], image[2], _json(image[3]) or {},
                                                         image[4]), port)
    shown = show_images or bool(chat_shows) or ctx.settings.show_images_to_model
    return TurnSetup(
        store=store,
        chat_id=chat_id,
        model=model,
        open_provider=partial(open_provider, ctx, provider, key_id, base_url),
        tools=ToolRegistry(catalogue.build_tools(_json(enabled) or [], binding)),
        params=dict(_json(parameters) or {}),
        system=system,
        max_rounds=ctx.settings.max_tool_rounds,
        show_images=partial(_shown_images, ctx) if shown else None,
        attached=partial(_attached_images, ctx),
    )


def open_provider(ctx: AppContext, provider: str, key_id: str | None, base_url: str | None) -> ChatProvider:
    """As ``chat_turn.open_provider``, reading the key's vault reference with plain ``sqlite3``."""
    from quilltap_tui.chat.registry import get_chat_provider

    secret: str | None
    if key_id:
        reference = plain_reads.key_reference(ctx, key_id)
        if reference is None:  # the file changed under us (a migration): the ORM path reads it
            from quilltap_tui.services.chat_turn import open_provider as orm_open_provider

            return orm_open_provider(ctx, provider, key_id, base_url)
        # A profile saved before keys were bound to providers may hold another provider's key.
        key_rules.check_key_fits(provider, reference.label, reference.provider, what="a chat profile")
        secret = ctx.vault.get(key_id, reference.backend, reference.env_var)
    else:
        secret = key_rules.env_secret(ctx, provider)
    return get_chat_provider(
        provider,
        api_key=secret,
        base_url=base_url,
        max_retries=ctx.settings.max_retries,
        timeout=ctx.settings.http_timeout,
    )


class ToolGeneration:
    """The generation service of one ``ask`` turn on this path, made at the model's first image tool call.

    A chat whose model never calls an image tool pays nothing for the image stack. The service's rows go
    through the plain ``sqlite3`` generation store on a connection of its own: this path runs only where that
    store may (the SQLite file at the current schema, nothing for the sweep to do, the run lock held), as
    checked when the turn's store was opened. Checking the sweep again at the tool call would see this turn's
    own open rows (its streaming reply, its pending call) as a killed run's; so only the file and its schema
    are checked again, and when they changed meanwhile the ORM's store takes the rows.

    Inline (``GenerationService(inline=True)``): ``ask`` runs its turn on an event loop of its own, whose
    storage already runs inline (see :func:`ask`).
    """

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._service: GenerationService | None = None
        self._store: PlainGenerationStore | None = None

    def service(self) -> GenerationService:
        if self._service is None:
            from quilltap_tui.services import plain_generation_store
            from quilltap_tui.services.generation import GenerationService

            self._store = plain_generation_store.open_in_run(self.ctx)
            self._service = GenerationService(self.ctx, inline=self._store is not None, store=self._store)
        return self._service

    async def aclose(self) -> None:
        """Close the service's HTTP client and the store's connection (once the turn is over)."""
        try:
            if self._service is not None:
                await self._service.aclose()
        finally:
            if self._store is not None:
                self._store.close()


class LazyProfileImages:
    """``chat_turn_tools.ProfileImages``, whose generation service (and its imports) is asked for at the first
    call (``get_service``)."""

    def __init__(self, profile: str, get_service: Callable[[], GenerationService]) -> None:
        self.profile = profile
        self._get_service = get_service

    def _port(self) -> Any:
        from quilltap_tui.services.chat_turn_tools import ProfileImages

        return ProfileImages(self._get_service(), self.profile)

    async def generate(self, prompt: str, options: GenerateOptions, context: ToolContext) -> GenerationOutcome:
        outcome: GenerationOutcome = await self._port().generate(prompt, options, context)
        return outcome

    async def edit(
        self, prompt: str, images: Sequence[str], options: GenerateOptions, context: ToolContext
    ) -> GenerationOutcome:
        outcome: GenerationOutcome = await self._port().edit(prompt, images, options, context)
        return outcome


def _given(service: GenerationService) -> GenerationService:
    return service


def _shown_images(ctx: AppContext, call_row_ids: Sequence[str]) -> dict[str, list[ImageBlock]]:
    from quilltap_tui.services import shown_images

    return shown_images.images_for_calls(ctx, call_row_ids)


def _attached_images(ctx: AppContext, image_ids: Sequence[str]) -> dict[str, ImageBlock]:
    from quilltap_tui.services import shown_images

    return shown_images.attachment_loader(ctx)(image_ids)


def _json(stored: str | None) -> Any:
    return None if stored is None else json.loads(stored)
