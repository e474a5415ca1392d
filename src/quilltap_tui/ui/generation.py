"""The TUI's calls into the generation and provider-check services (run in async workers)."""

from __future__ import annotations

from typing import Any

from quilltap_tui.services.context import AppContext


async def generate(ctx: AppContext, prompt: str, profile: str | None) -> Any:
    """Generate with ``profile`` (or the default image profile); returns a GenerationOutcome."""
    from quilltap_tui.services.generation import GenerationService

    return await GenerationService(ctx).generate(prompt, profile=profile, source="tui")


async def validate_key(ctx: AppContext, label: str, base_url: str | None = None) -> dict[str, Any]:
    """Check a key against its provider; the verdict is remembered on the key."""
    from quilltap_tui.services.provider_checks import validate_key as check

    return await check(ctx, label, base_url=base_url)


async def list_models(
    ctx: AppContext, provider: str, key: str | None, base_url: str | None, chat: bool
) -> list[dict[str, Any]]:
    """Models the provider offers (live when a key or custom server is given, else the built-in table)."""
    from quilltap_tui.services.provider_checks import list_models as discover

    return await discover(ctx, provider, key=key, base_url=base_url, chat=chat)
