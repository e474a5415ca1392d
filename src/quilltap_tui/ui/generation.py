"""The TUI's calls into the chat-turn, generation and provider-check services (run in async workers).

Async workers run on the event loop, so each first imports its service in a thread: those modules
pull in SQLAlchemy, the image stack and the provider SDKs, a second or more of work the first time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from quilltap_tui.lazy_imports import import_off_loop
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.key_view import KeyCheck
from quilltap_tui.services.profile_views import ProfileView

if TYPE_CHECKING:
    from quilltap_tui.errors import QuilltapError
    from quilltap_tui.imagegen.spec import ModelInfo
    from quilltap_tui.services.generation import GenerationOutcome


async def ask(ctx: AppContext, chat_id: str, text: str, sink: Any, attachments: tuple[str, ...] = ()) -> Any:
    """One chat turn (the reply, tool calls and images), reported to ``sink`` as it happens.

    ``attachments``: gallery ids of the images attached to the message.
    """
    await import_off_loop("quilltap_tui.services.chat_turn_thread")
    from quilltap_tui.services import chat_turn_thread

    # On the turn loop, not this one: its steps (tool call -> image request, image saved -> next request)
    # never wait behind a frame. The placeholder of an image tool call shows its partial images as they arrive.
    return await chat_turn_thread.ask(ctx, chat_id, text, sink, attachments=attachments, show_partials=True)


async def generate(ctx: AppContext, prompt: str, profile: str | None,
                   on_progress: Callable[[str], None] | None = None) -> GenerationOutcome:
    """Generate with ``profile`` (or the default image profile); returns a GenerationOutcome.

    ``on_progress``: a queueing provider's notes ("fal.ai: queue position 2"), for the generating dialog.
    """
    await import_off_loop("quilltap_tui.services.generation")
    from quilltap_tui.services.generation import GenerationService

    with _progress(on_progress):
        return await GenerationService(ctx).generate(prompt, profile=profile, source="tui")


async def edit(ctx: AppContext, prompt: str, profile: str | None, image_ids: list[str],
               on_progress: Callable[[str], None] | None = None) -> GenerationOutcome:
    """Edit gallery images (``image_ids``) with ``profile``; returns a GenerationOutcome."""
    await import_off_loop("quilltap_tui.services.generation")
    from quilltap_tui.services.edit_inputs import EditRequest
    from quilltap_tui.services.generation import GenerationService

    request = EditRequest(tuple(image_ids), gallery_only=True)
    with _progress(on_progress):
        return await GenerationService(ctx).edit(prompt, request, profile=profile, source="tui")


def _progress(listener: Callable[[str], None] | None) -> contextlib.AbstractContextManager[None]:
    from quilltap_tui.imagegen import progress

    return progress.listening(listener) if listener is not None else contextlib.nullcontext()


def edit_profiles(profiles: Sequence[ProfileView]) -> list[str]:
    """The names of the image profiles whose model takes input images (the "edit this" choices)."""
    from quilltap_tui.errors import QuilltapError
    from quilltap_tui.imagegen.capabilities import spec_for
    from quilltap_tui.providers.registry import catalogue_id

    names = []
    for profile in profiles:
        try:
            if spec_for(catalogue_id(profile.provider), profile.model).can_edit:
                names.append(profile.name)
        except (QuilltapError, KeyError):
            continue  # a plug-in provider without catalogue facts: not offered
    return names


async def validate_key(ctx: AppContext, label: str, base_url: str | None = None) -> KeyCheck:
    """Check a key against its provider; the verdict is remembered on the key."""
    await import_off_loop("quilltap_tui.services.provider_checks")
    from quilltap_tui.services.provider_checks import validate_key as check

    return await check(ctx, label, base_url=base_url)


async def list_models(
    ctx: AppContext, provider: str, key: str | None, base_url: str | None, chat: bool
) -> tuple[list[ModelInfo], QuilltapError | None]:
    """Models the provider offers (live when a key or custom server is given, else the built-in table),
    and why the live list failed, if it did: then the built-in models are still offered."""
    await import_off_loop("quilltap_tui.services.provider_checks")
    from quilltap_tui.errors import QuilltapError
    from quilltap_tui.services.provider_checks import builtin_models
    from quilltap_tui.services.provider_checks import list_models as discover

    try:
        return await discover(ctx, provider, key=key, base_url=base_url, chat=chat), None
    except QuilltapError as exc:
        return await builtin_models(provider, chat=chat), exc
