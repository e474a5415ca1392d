"""Running a user turn in a stored chat: the chat's profiles become a provider, a model and tools.

Everything that can fail before the user's message is stored (the chat or its chat profile is
missing) fails here, fast, with nothing written. Everything after (reading the key from the vault,
building the provider, the requests) happens inside the turn, so its failures are saved in the chat
next to the user's message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import partial

from quilltap_tui import provider_ids
from quilltap_tui.chat.events import EventSink
from quilltap_tui.chat.loop import TurnResult, TurnSetup, run_turn
from quilltap_tui.chat.spec import ChatProvider
from quilltap_tui.db.models import ChatProfile, ImageProfile
from quilltap_tui.errors import NotFound
from quilltap_tui.services import key_rules, keys, shown_images
from quilltap_tui.services.chat_turn_store import SqlTurnStore
from quilltap_tui.services.chat_turn_tools import ProfileImages, tool_profile
from quilltap_tui.services.chats import find
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.generation import GenerationService
from quilltap_tui.services.generation_profile import env_secret
from quilltap_tui.tools import catalogue
from quilltap_tui.tools.registry import ToolRegistry


async def ask(
    ctx: AppContext,
    chat_id: str,
    text: str,
    emit: EventSink,
    *,
    generation: GenerationService | None = None,
    show_images: bool = False,
    attachments: Sequence[str] = (),
    show_partials: bool = False,
    own_loop: bool = False,
) -> TurnResult:
    """Run one turn of ``chat_id`` with ``text`` as the user's message, reporting events to ``emit``.

    ``show_images`` shows the images tools made to the model for this turn, whatever the chat's setting
    (the ``show_images_to_model`` setting does so for every chat).
    ``attachments``: gallery ids of images attached to the message (see :mod:`services.attachments`).
    ``own_loop``: the caller runs this on an event loop nothing else uses, so storage may block it.
    """
    # On a loop of its own nothing else waits: no thread hop (each waited to be scheduled on a busy machine,
    # between Enter and the first request).
    setup = (prepare_turn(ctx, chat_id, generation, show_images) if own_loop
             else await asyncio.to_thread(prepare_turn, ctx, chat_id, generation, show_images))
    setup.show_partials = show_partials  # partial images cost tokens: only asked for when someone shows them
    setup.inline_storage = own_loop  # nothing else waits on this loop (services.chat_turn_thread)
    return await run_turn(setup, text, emit, attachments)


def prepare_turn(
    ctx: AppContext, chat_id: str, generation: GenerationService | None = None, show_images: bool = False
) -> TurnSetup:
    """The setup of the next turn from the chat's current profiles (blocking: run it in a thread)."""
    with ctx.db.session() as session:
        chat = find(session, chat_id)
        profile = session.get(ChatProfile, chat.chat_profile_id) if chat.chat_profile_id else None
        if profile is None:
            raise NotFound(
                "chat profile",
                "(none)",
                f"Chat {chat.id[:8]} has no chat profile (it was deleted); pick one with --chat-profile NAME.",
            )
        provider_ids.require_installed(profile.provider, "chat", profile.name)
        image = session.get(ImageProfile, chat.image_profile_id) if chat.image_profile_id else None
        # An image profile whose provider was uninstalled offers no tool; `generate` says why in one sentence.
        usable = image is not None and provider_ids.installed(image.provider, "image")
        binding = catalogue.ToolBinding()
        if image is not None and usable:
            port = ProfileImages(generation or GenerationService(ctx), image.name)
            binding = catalogue.ToolBinding(tool_profile(image), port)
        tools = ToolRegistry(catalogue.build_tools(chat.enabled_tools, binding))
        return TurnSetup(
            store=SqlTurnStore(ctx.db),
            chat_id=chat.id,
            model=profile.model,
            open_provider=partial(open_provider, ctx, profile.provider, profile.api_key_id, profile.base_url),
            tools=tools,
            params=dict(profile.parameters),
            system=profile.system_prompt,
            max_rounds=ctx.settings.max_tool_rounds,
            show_images=shown_images.loader(ctx)
            if show_images or chat.show_images or ctx.settings.show_images_to_model else None,
            attached=shown_images.attachment_loader(ctx),
        )


def open_provider(ctx: AppContext, provider: str, key_id: str | None, base_url: str | None) -> ChatProvider:
    """The chat provider with the profile's key, else the provider's environment variable (blocking)."""
    from quilltap_tui.chat.registry import get_chat_provider

    if key_id:  # a profile saved before keys were bound to providers may hold another provider's key
        key_rules.check_stored_key(ctx, key_id, provider, what="a chat profile")
    secret = keys.secret_for(ctx, key_id) if key_id else env_secret(ctx, provider)
    return get_chat_provider(
        provider,
        api_key=secret,
        base_url=base_url,
        max_retries=ctx.settings.max_retries,
        timeout=ctx.settings.http_timeout,
    )
