"""Key validation and model discovery: cheap calls to a provider, shared by the CLI and the TUI.

The key service (and with it SQLAlchemy, sqlmodel and the models) is imported only where a stored key is
read: ``models --provider P`` without ``--key`` lists the built-in table (or a keyless server) and imported
the ORM for nothing.
"""

from __future__ import annotations

import asyncio

from quilltap_tui import provider_ids
from quilltap_tui.errors import AuthError
from quilltap_tui.imagegen.spec import ModelInfo
from quilltap_tui.services import key_rules
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.key_view import KeyCheck
from quilltap_tui.services.validation import base_url as check_base_url


async def validate_key(ctx: AppContext, label: str, *, base_url: str | None = None) -> KeyCheck:
    """Check the key against its provider (or a compatible server at ``base_url``) and remember the verdict.

    A refused key raises :class:`AuthError` after being marked invalid; an outage raises without
    changing what was known.
    """
    from quilltap_tui.services import keys as key_service

    view = await asyncio.to_thread(key_service.get_key, ctx, label)
    secret = await asyncio.to_thread(key_service.secret_for, ctx, view.id)
    root = provider_ids.base_url_for(view.provider, check_base_url(base_url))
    try:
        await _probe(view.provider, secret, root, ctx)
    except AuthError:
        await asyncio.to_thread(key_service.record_validation, ctx, view.id, False)
        raise
    await asyncio.to_thread(key_service.record_validation, ctx, view.id, True)
    return KeyCheck(
        label=view.label, provider=view.provider, base_url=root, valid=True,
        message=f"Key {view.label} works with {provider_ids.title(view.provider)} at {root}.",
    )


async def _probe(provider: str, secret: str, root: str, ctx: AppContext) -> None:
    if provider in provider_ids.image_ids():
        from quilltap_tui.imagegen.registry import get_image_provider

        image_provider = get_image_provider(provider, max_retries=ctx.settings.max_retries,
                                            timeout=ctx.settings.http_timeout)
        try:
            await image_provider.validate_key(api_key=secret, base_url=root)
        finally:
            await image_provider.aclose()
        return
    from quilltap_tui.chat.registry import get_chat_provider

    chat = get_chat_provider(provider, api_key=secret, base_url=root, max_retries=ctx.settings.max_retries,
                             timeout=ctx.settings.http_timeout)
    await chat.validate_key()


async def list_models(
    ctx: AppContext, provider: str, *, key: str | None = None, base_url: str | None = None, chat: bool = False
) -> list[ModelInfo]:
    """Models a provider offers: the live list (with a key or a custom server) merged with the table."""
    url = check_base_url(base_url)
    pid = provider_ids.normalize_chat(provider) if chat else provider_ids.normalize_image(provider)
    secret = None
    if key:
        from quilltap_tui.services import keys as key_service

        view = await asyncio.to_thread(key_service.get_key, ctx, key)
        # Checked before the secret is even read: a key is never sent on behalf of another provider.
        key_rules.check_key_fits(pid, view.label, view.provider, what="the model list")
        secret = await asyncio.to_thread(key_service.secret_for, ctx, view.id)
    if chat:
        return await _chat_models(ctx, pid, secret, url)
    from quilltap_tui.imagegen.registry import discover_models

    infos = await discover_models(pid, api_key=secret, base_url=url)
    return infos


async def _chat_models(ctx: AppContext, pid: str, secret: str | None, url: str | None) -> list[ModelInfo]:
    from quilltap_tui.chat.catalog import known_chat_models

    table = list(known_chat_models(pid))
    live: list[str] = []
    info = provider_ids.info(pid)
    custom = url is not None and not info.is_default_host(url)
    if secret or custom or not info.needs_key:
        from quilltap_tui.chat.registry import get_chat_provider

        chat = get_chat_provider(pid, api_key=secret, base_url=url, max_retries=ctx.settings.max_retries,
                                 timeout=ctx.settings.http_timeout)
        live = _without_image_models(pid, await chat.list_models())
    return _chat_rows(table, live)


async def builtin_models(provider: str, *, chat: bool = False) -> list[ModelInfo]:
    """The catalogue's models alone, without asking the provider: what a form still offers to pick from
    when the live list fails (the failure itself is reported beside it)."""
    if chat:
        from quilltap_tui.chat.catalog import known_chat_models

        return _chat_rows(list(known_chat_models(provider_ids.normalize_chat(provider))), [])
    from quilltap_tui.imagegen.registry import discover_models

    infos = await discover_models(provider_ids.normalize_image(provider), api_key=None, base_url=None)
    return infos


def _chat_rows(table: list[str], live: list[str]) -> list[ModelInfo]:
    ordered = list(dict.fromkeys([*live, *table]))
    return [
        ModelInfo(
            id=model,
            source=tuple(s for s, on in (("built-in", model in table), ("live", model in live)) if on),
            retired=False,
            capabilities={"tools": True} if model in table else {},
        )
        for model in ordered
    ]


def _without_image_models(chat_provider: str, ids: list[str]) -> list[str]:
    """Drop the image models (dall-e-3, gpt-image-*, imagen-*) a chat provider's live list also names.

    Which image provider shares a chat provider's model list is catalogue data (its ``suggested``
    entries), and what is an image model is the catalogue's families; a generic compatible server is
    never filtered, since any name may be a chat model there.
    """
    from quilltap_tui.imagegen.capabilities import is_image_model, suggested_models

    image_side = {s["image_provider"] for s in suggested_models() if s["chat_provider"] == chat_provider}
    return [i for i in ids if not any(is_image_model(p, i) for p in image_side)]
