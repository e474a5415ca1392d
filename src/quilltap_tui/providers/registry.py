"""One registry of provider units, built from the built-in units and from entry-point plug-ins.

Plug-ins declare an entry point in the group ``quilltap_tui.image_providers`` (a unit with an
``image`` facet) or ``quilltap_tui.chat_providers`` (a unit with a ``chat`` facet), pointing at a
:class:`~quilltap_tui.providers.unit.ProviderUnit`. The built-in units go through the same
:meth:`Registry.load` as the plug-ins. A plug-in that fails to load, lacks the facet of its group or
reuses a taken id is skipped with a note (``doctor`` shows the notes): one broken plug-in never stops
the app. A plug-in's alias never takes a provider's id either.

The plug-ins are looked up at the first question the built-in units cannot answer (an id or alias none of
them has) and before any listing: a built-in id means the same with or without them, and the lookup
(every installed distribution's entry points read twice) cost each command about 15-30 ms.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, Literal

from quilltap_tui.errors import Invalid
from quilltap_tui.providers.unit import ProviderUnit, resolve

IMAGE_GROUP = "quilltap_tui.image_providers"
CHAT_GROUP = "quilltap_tui.chat_providers"
Kind = Literal["image", "chat"]
GROUPS: dict[Kind, str] = {"image": IMAGE_GROUP, "chat": CHAT_GROUP}
# The built-in units, in the order lists show them. Loaded through the same function as plug-ins.
BUILTIN = tuple(
    f"quilltap_tui.providers.{name}:UNIT"
    for name in ("openai", "anthropic", "grok", "google", "openrouter", "ollama", "openai_compatible",
                 "comfyui", "fal", "bfl", "automatic1111", "together",
                 "stability", "replicate")
)



class Registry:
    """Provider units by kind and id, with their aliases."""

    def __init__(self) -> None:
        self._units: dict[Kind, dict[str, ProviderUnit]] = {"image": {}, "chat": {}}
        self.aliases: dict[str, str] = {}
        self._notes: list[str] = []
        self._plugins: Callable[[], None] | None = None  # the deferred plug-in lookup, until it has run
        # Another thread's question waits while the plug-ins load; the loading thread's own (a plug-in
        # asking the registry as it is imported) is answered from what is loaded so far.
        self._plugins_lock = threading.RLock()
        self._loading = False

    @property
    def units(self) -> dict[Kind, dict[str, ProviderUnit]]:
        """Every unit by kind and id, plug-ins included."""
        self._complete()
        return self._units

    @property
    def notes(self) -> list[str]:
        """What went wrong loading plug-ins, one sentence each."""
        self._complete()
        return self._notes

    def defer_entry_points(self) -> None:
        """Look the plug-ins up only when a question needs them (see the module doc)."""
        self._plugins = self.load_entry_points

    def _complete(self) -> None:
        if self._plugins is None:
            return
        with self._plugins_lock:
            plugins = self._plugins
            if plugins is None or self._loading:
                return
            self._loading = True
            try:
                plugins()
            finally:
                self._plugins = None
                self._loading = False

    def load(self, ref: str | ProviderUnit, *, kinds: Iterable[Kind] = ("image", "chat"),
             origin: str = "built-in") -> None:
        """Register the unit ``ref`` names (``"module:attr"``) for each of ``kinds`` it has a facet for."""
        unit = ref if isinstance(ref, ProviderUnit) else _load_ref(ref)
        if origin != "built-in":
            unit = replace(unit, origin=origin)
        for kind in kinds:
            if getattr(unit, kind) is not None:
                self._add(kind, unit)
            elif origin != "built-in":
                self._notes.append(f"Plug-in {unit.id} from {origin} declares no {kind} support; skipped.")

    def _add(self, kind: Kind, unit: ProviderUnit) -> None:
        taken = self._units[kind].get(unit.id) or self._units[kind].get(self.aliases.get(unit.id, ""))
        if taken is not None and taken is not unit:
            self._notes.append(f"Plug-in {unit.id} from {unit.origin} reuses the {kind} provider id "
                               f"{unit.id!r} of {taken.origin}; skipped.")
            return
        self._units[kind][unit.id] = unit
        for alias in unit.aliases:
            name = alias.lower()
            if unit.origin != "built-in" and name != unit.id and any(name in units for units in self._units.values()):
                # Else the id would mean the built-in provider until the plug-ins load, and theirs after.
                self._notes.append(f"Plug-in {unit.id} from {unit.origin} declares the alias {alias!r}, which is"
                                   " another provider's id; the alias is ignored.")
                continue
            self.aliases.setdefault(name, unit.id)

    def load_entry_points(self, entry_points: Callable[..., Any] | None = None) -> None:
        """Register every plug-in of both groups (``entry_points`` is injectable for tests)."""
        if entry_points is None:
            from importlib import metadata  # about 50 ms: only when a provider is first looked up

            entry_points = metadata.entry_points
        for kind, group in GROUPS.items():
            for point in entry_points(group=group):
                dist = getattr(point, "dist", None)
                origin = str(dist.name) if dist is not None else str(point.value)
                try:
                    unit = point.load()
                    if not isinstance(unit, ProviderUnit):
                        raise TypeError(f"{point.value} is not a ProviderUnit")
                    self.load(unit, kinds=(kind,), origin=origin)
                except Exception as exc:  # a broken plug-in is reported, never fatal
                    self._notes.append(f"Plug-in {point.name} from {origin} failed to load: {exc}.")

    def ids(self, kind: Kind) -> tuple[str, ...]:
        """Provider ids of one kind, in registration order."""
        return tuple(self.units[kind])

    def key_ids(self) -> tuple[str, ...]:
        """Every provider a key may be stored for (chat providers first, as lists show them)."""
        return tuple(dict.fromkeys([*self.units["chat"], *self.units["image"]]))

    def normalize(self, value: str, kind: Kind | None, field: str = "provider") -> str:
        """The canonical id for ``value`` (any case, alias or seed spelling) or :class:`Invalid`."""
        raw = (value or "").strip()
        found = self._known(raw.lower(), kind)
        if found is None and self._plugins is not None:
            self._complete()
            found = self._known(raw.lower(), kind)
        if found is None:
            allowed = self.ids(kind) if kind else self.key_ids()
            raise Invalid(field, f"Unknown {field} {raw!r}: use one of {', '.join(allowed)}.")
        return found

    def _known(self, key: str, kind: Kind | None) -> str | None:
        """The id ``key`` names among the units loaded so far, or None."""
        key = self.aliases.get(key, key)
        kinds: tuple[Kind, ...] = (kind,) if kind else ("chat", "image")
        return key if any(key in self._units[k] for k in kinds) else None

    def unit(self, provider_id: str, kind: Kind | None = None) -> ProviderUnit:
        """The unit for a canonical or aliased id (the chat unit first when ``kind`` is not given)."""
        pid = self.normalize(provider_id, kind)
        if kind is not None:
            return self._units[kind][pid]
        return self._units["chat"].get(pid) or self._units["image"][pid]

    def warm_modules(self, chat_ids: Iterable[str]) -> list[str]:
        """What a first turn imports: every image provider's module, and the given chat providers' SDKs."""
        modules = [unit.image.factory.partition(":")[0] for unit in self.units["image"].values()
                   if unit.image is not None and isinstance(unit.image.factory, str)]
        for pid in chat_ids:
            unit = self.units["chat"].get(pid)
            if unit is not None and unit.chat is not None and unit.chat.sdk_module:
                modules.append(unit.chat.sdk_module)
        return list(dict.fromkeys(modules))


def _load_ref(ref: str) -> ProviderUnit:
    module, _, attr = ref.partition(":")
    import importlib

    unit = getattr(importlib.import_module(module), attr)
    if not isinstance(unit, ProviderUnit):
        raise TypeError(f"{ref} is not a ProviderUnit")
    return unit


@functools.cache
def registry() -> Registry:
    """The process-wide registry: the built-in units, then the installed plug-ins."""
    built = Registry()
    for ref in BUILTIN:
        built.load(ref)
    built.defer_entry_points()
    return built


def reset() -> None:
    """Forget the registry (tests that install a plug-in call this before and after)."""
    registry.cache_clear()


def image_unit(provider_id: str) -> ProviderUnit:
    """The image unit for ``provider_id`` (aliases accepted); :class:`Invalid` when unknown."""
    return registry().unit(provider_id, "image")


def chat_unit(provider_id: str) -> ProviderUnit:
    """The chat unit for ``provider_id`` (aliases accepted); :class:`Invalid` when unknown."""
    return registry().unit(provider_id, "chat")


def any_unit(provider_id: str) -> ProviderUnit:
    """The unit a key of ``provider_id`` belongs to (chat or image)."""
    return registry().unit(provider_id)


def catalogue_id(provider_id: str) -> str:
    """The catalogue provider id whose model facts an image provider uses."""
    unit = image_unit(provider_id)
    assert unit.image is not None
    return unit.image.catalogue or unit.id


def build_image(provider_id: str, **kwargs: Any) -> Any:
    """An image provider instance for ``provider_id``; ``kwargs`` go to the unit's factory."""
    unit = image_unit(provider_id)
    assert unit.image is not None
    return resolve(unit.image.factory)(unit=unit, **kwargs)


def classifier(provider_id: str) -> Callable[..., Any]:
    """The image error classifier of ``provider_id``."""
    unit = image_unit(provider_id)
    assert unit.image is not None
    return resolve(unit.image.classifier)
