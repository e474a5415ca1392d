"""Provider id -> image provider, and model discovery (live list merged with the built-in table)."""

from __future__ import annotations

from typing import Any

from quilltap_tui.imagegen.capabilities import known_models, spec_for
from quilltap_tui.imagegen.providers.google import GoogleImages
from quilltap_tui.imagegen.providers.grok import GrokImages
from quilltap_tui.imagegen.providers.openai import OpenAIImages
from quilltap_tui.imagegen.spec import ImageProvider, ModelInfo
from quilltap_tui.provider_ids import PROVIDERS, base_url_for, normalize_image

# Every concrete provider satisfies spec.ImageProvider and can also be closed (``aclose``).
AnyImageProvider = OpenAIImages | GrokImages | GoogleImages

_CLASSES: dict[str, type[AnyImageProvider]] = {
    "openai": OpenAIImages,
    "grok": GrokImages,
    "google": GoogleImages,
}


def get_image_provider(provider_id: str, **kwargs: Any) -> AnyImageProvider:
    """A provider instance for ``provider_id`` (aliases accepted); ``kwargs`` go to its constructor.

    Raises :class:`~quilltap_tui.errors.Invalid` (field ``provider``) for an unknown id.
    """
    return _CLASSES[normalize_image(provider_id)](**kwargs)


async def discover_models(
    provider_id: str,
    *,
    api_key: str | None,
    base_url: str | None,
    provider: ImageProvider | None = None,
) -> list[ModelInfo]:
    """The image models a provider offers: the live list merged with the built-in table.

    The live list is asked for when a key is given, or when ``base_url`` points somewhere other than the
    provider's own API (a keyless compatible server). When asked for, its failure is raised: returning
    the table alone would look like a working key.
    """
    pid = normalize_image(provider_id)
    live = await _live_ids(pid, api_key, base_url, provider)
    table = dict(known_models(pid))
    ordered = list(dict.fromkeys([*live, *table]))
    infos = []
    for model in ordered:
        spec = table.get(model) or spec_for(pid, model)
        source = tuple(label for label, present in (("live", model in live), ("built-in", model in table))
                       if present)
        infos.append(ModelInfo(id=model, source=source, retired=spec.retired, capabilities=spec.describe()))
    return infos


async def _live_ids(
    pid: str, api_key: str | None, base_url: str | None, provider: ImageProvider | None
) -> list[str]:
    root = base_url_for(pid, base_url)
    custom_server = root != PROVIDERS[pid].default_base_url.rstrip("/")
    if not api_key and not custom_server:
        return []
    if provider is not None:
        return await provider.list_models(api_key=api_key, base_url=root)
    owned = get_image_provider(pid)
    try:
        return await owned.list_models(api_key=api_key, base_url=root)
    finally:
        await owned.aclose()
