"""A provider as one self-describing unit: who it is, how to reach it, and how to build its clients.

A unit is plain data plus references to code. Code references are either callables or ``"module:attr"``
strings, resolved on first use, so reading every unit (the CLI's choices, the profile forms, ``doctor``)
never imports an SDK or an HTTP stack. A unit module exports one :class:`ProviderUnit` named ``UNIT``;
the registry (:mod:`quilltap_tui.providers.registry`) loads the built-in ones and the plug-ins through the
same function.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

# A callable, or "package.module:attribute" naming one (imported when first needed).
Ref = str | Callable[..., Any]


def resolve(ref: Ref) -> Callable[..., Any]:
    """The callable ``ref`` names (imports its module when ``ref`` is a ``"module:attr"`` string)."""
    if not isinstance(ref, str):
        return ref
    module, _, attr = ref.partition(":")
    target: Any = importlib.import_module(module)
    for part in attr.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise TypeError(f"{ref} is not callable")
    return target  # type: ignore[no-any-return]


def _frozen(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class ImageFacet:
    """How a unit makes images.

    ``factory(unit=..., client=, max_retries=, timeout=, on_retry=, sleep=)`` returns an
    :class:`~quilltap_tui.imagegen.spec.ImageProvider`. ``classifier(response, provider=, secrets=)``
    turns an error answer into a :class:`~quilltap_tui.errors.ProviderError`. ``catalogue`` is the
    catalogue provider id whose model facts this unit's models use (the catalogue owns the facts).
    """

    factory: Ref
    classifier: Ref = "quilltap_tui.imagegen.providers.errors:classify_openai"
    catalogue: str = ""
    validation_path: str = "/models"
    requires_base_url: bool = False  # no default server (the generic compatible provider)


@dataclass(frozen=True)
class ChatFacet:
    """How a unit chats.

    ``factory(unit=..., api_key=, base_url=, http_client=, timeout=)`` returns a
    :class:`~quilltap_tui.chat.spec.ChatProvider`. ``compat_suffix`` is appended to the base URL to reach
    an OpenAI-compatible layer (Gemini: ``/openai``); ``default_headers`` go with every request;
    ``include_usage`` asks for ``stream_options.include_usage`` (servers that do not know it may refuse
    it); ``validation_path`` is the cheap authenticated call ``keys validate`` makes; ``sdk_module`` is
    imported by the TUI's warm-up before the first turn.
    """

    factory: Ref = "quilltap_tui.chat.providers.openai_compat:OpenAICompatProvider"
    sdk_module: str = "openai"
    compat_suffix: str = ""
    default_headers: Mapping[str, str] = field(default_factory=_frozen)
    include_usage: bool = False
    validation_path: str = "/models"


@dataclass(frozen=True)
class ProviderUnit:
    """Everything the app knows about one provider, in one place.

    ``title`` names it in lists and forms ("xAI Grok"); ``name`` names it in sentences ("xAI is rate
    limiting requests"). ``auth_header``/``auth_scheme`` say how a key travels (``Authorization: Bearer
    KEY`` unless the provider wants another header). ``any_key`` marks a provider whose profiles may use a
    key stored for any provider (a self-hosted compatible server takes whatever its owner set up).
    """

    id: str
    title: str
    default_base_url: str
    name: str = ""
    badge: str = ""  # the short label of profile lists; ``name`` when empty
    aliases: tuple[str, ...] = ()
    env_vars: tuple[str, ...] = ()  # read-only key sources, first wins
    needs_key: bool = True
    auth_header: str = "Authorization"
    auth_scheme: str = "Bearer "
    any_key: bool = False
    image: ImageFacet | None = None
    chat: ChatFacet | None = None
    origin: str = "built-in"  # or the distribution a plug-in came from

    @property
    def sentence_name(self) -> str:
        """The provider as named inside messages."""
        return self.name or self.title

    @property
    def short_label(self) -> str:
        """The provider's badge in profile lists."""
        return self.badge or self.sentence_name

    def auth_headers(self, api_key: str | None) -> dict[str, str]:
        """The header carrying ``api_key``; none at all for a key-less call."""
        return {self.auth_header: f"{self.auth_scheme}{api_key}"} if api_key else {}

    def base_url(self, given: str | None) -> str:
        """The base URL to call: the profile's own, else the provider's documented default."""
        return (given or self.default_base_url).rstrip("/")

    def is_default_host(self, url: str | None) -> bool:
        """True when ``url`` (or no URL) means the provider's own API."""
        return self.base_url(url) == self.default_base_url.rstrip("/")
