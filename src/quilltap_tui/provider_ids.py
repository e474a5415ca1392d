"""Provider ids as the rest of the app asks for them, read from the one provider registry.

Ids are case-insensitive; each unit's aliases and the seed's upper-case enum names (``OPENAI``, ``GROK``,
``GOOGLE_IMAGEN``, ``ANTHROPIC``, ``OPENROUTER``, ``OLLAMA``, ``OPENAI_COMPATIBLE``) are accepted too.
The facts themselves live in the provider units (:mod:`quilltap_tui.providers`); this module only asks
the registry, so a plug-in's provider is accepted everywhere a built-in one is.
"""

from __future__ import annotations

from typing import Any, Literal

from quilltap_tui.errors import Invalid, NotFound
from quilltap_tui.providers.registry import any_unit, registry
from quilltap_tui.providers.unit import ProviderUnit


def image_ids() -> tuple[str, ...]:
    """Every image provider id, built-ins first."""
    return registry().ids("image")


def chat_ids() -> tuple[str, ...]:
    """Every chat provider id, built-ins first."""
    return registry().ids("chat")


def key_ids() -> tuple[str, ...]:
    """Every provider a key may be stored for."""
    return registry().key_ids()


def info(provider: str) -> ProviderUnit:
    """The unit of a chat or image provider (aliases accepted)."""
    return any_unit(provider)


def title(provider: str) -> str:
    """The provider's display name ("xAI Grok"); the id itself for an unknown provider."""
    try:
        return any_unit(provider).title
    except Invalid:  # a profile of a plug-in that is no longer installed still has to be shown
        return provider


def badge(provider: str) -> str:
    """The provider's short label in profile lists ("xAI"); the id itself for an unknown provider."""
    try:
        return any_unit(provider).short_label
    except Invalid:
        return provider


def normalize_image(value: str) -> str:
    return registry().normalize(value, "image")


def normalize_chat(value: str) -> str:
    return registry().normalize(value, "chat")


def normalize_key_provider(value: str) -> str:
    return registry().normalize(value, None)


def base_url_for(provider: str, base_url: str | None) -> str:
    """The base URL to call: the profile's own, else the provider's documented default.

    A provider that is no longer installed (a removed plug-in) has no default: the profile's own URL, or "".
    """
    try:
        return any_unit(provider).base_url(base_url)
    except Invalid:
        return (base_url or "").rstrip("/")


def installed(provider: str, kind: Literal["image", "chat"]) -> bool:
    """Whether a stored profile's provider can still be used (False for a removed plug-in's id)."""
    # The lookup first: a built-in id is answered without looking up the plug-ins (the listing does).
    return _alias_of(provider, kind) or (provider or "").strip().lower() in registry().ids(kind)


def _alias_of(provider: str, kind: Literal["image", "chat"]) -> bool:
    try:
        registry().normalize(provider, kind)
    except Invalid:
        return False
    return True


def require_installed(provider: str, kind: Literal["image", "chat"], profile: str) -> None:
    """Refuse (exit 3) to use a profile whose provider is not installed, in one sentence saying what to do."""
    if installed(provider, kind):
        return
    raise NotFound(
        "provider", provider,
        f"The {kind} profile {profile!r} uses the provider {provider!r}, which is not installed (a removed "
        f"plug-in?): reinstall it, or switch the profile with `quilltap-tui {kind}-profiles edit {profile} "
        "--provider ID`.",
    )


def __getattr__(name: str) -> Any:
    """The old constant names, computed from the registry when asked for."""
    if name == "IMAGE_PROVIDERS":
        return image_ids()
    if name == "CHAT_PROVIDERS":
        return chat_ids()
    if name == "KEY_PROVIDERS":
        return key_ids()
    if name == "PROVIDERS":
        return {pid: any_unit(pid) for pid in key_ids()}
    raise AttributeError(name)
