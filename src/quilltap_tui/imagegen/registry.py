"""Provider id -> image provider (through the provider units), and model discovery.

Discovery merges the live list with the catalogue's table. A key is only sent where it belongs: see
:func:`quilltap_tui.services.key_rules.may_send_key` (the caller decides; this module sends what it is
given).
"""

from __future__ import annotations

from typing import Any

from quilltap_tui.imagegen.capabilities import known_models, origin_of, spec_for
from quilltap_tui.imagegen.spec import ImageProvider, ModelInfo
from quilltap_tui.providers import registry


def get_image_provider(provider_id: str, **kwargs: Any) -> ImageProvider:
    """A provider instance for ``provider_id`` (aliases accepted); ``kwargs`` go to its unit's factory.

    Raises :class:`~quilltap_tui.errors.Invalid` (field ``provider``) for an unknown id.
    """
    provider: ImageProvider = registry.build_image(provider_id, **kwargs)
    return provider


async def discover_models(
    provider_id: str,
    *,
    api_key: str | None,
    base_url: str | None,
    provider: ImageProvider | None = None,
) -> list[ModelInfo]:
    """The image models a provider offers: the live list merged with the catalogue's table.

    The live list is asked for when a key is given, or when ``base_url`` points somewhere other than the
    provider's own API (a keyless compatible server). When asked for, its failure is raised: returning
    the table alone would look like a working key.
    """
    unit = registry.image_unit(provider_id)
    catalogue = registry.catalogue_id(unit.id)
    live = await _live_ids(unit.id, api_key, base_url, provider)
    table = dict(known_models(catalogue))
    ordered = list(dict.fromkeys([*live, *table]))
    infos = []
    for model in ordered:
        spec = table.get(model) or spec_for(catalogue, model)
        source = (*origin_of(catalogue, model), *(("live",) if model in live else ()))
        infos.append(ModelInfo(id=model, source=source, retired=spec.retired, capabilities=spec.describe(),
                               shutdown_date=spec.shutdown_date, replacement=spec.replacement))
    return infos


async def _live_ids(
    pid: str, api_key: str | None, base_url: str | None, provider: ImageProvider | None
) -> list[str]:
    unit = registry.image_unit(pid)
    root = unit.base_url(base_url)
    if not api_key and unit.is_default_host(root):
        return []
    if provider is not None:
        return await provider.list_models(api_key=api_key, base_url=root)
    owned = get_image_provider(pid)
    try:
        return await owned.list_models(api_key=api_key, base_url=root)
    finally:
        await owned.aclose()
