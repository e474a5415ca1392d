"""What each image model accepts, read from the model catalogue.

Every fact about a model (sizes or aspect ratios, quality words, images per request, extras it takes,
whether its provider retired it and what replaces it) lives in ``catalogue.toml`` and the user's
``models.toml``; code reads a :class:`ModelSpec` and never tests model names.

An unknown model of a known family (``gpt-image-9``, ``grok-imagine-image-3.0``,
``gemini-nano-banana-3``) gets its family's spec by pattern; anything else gets the provider's default
family, because a compatible server may name its models freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from quilltap_tui.imagegen import catalogue
from quilltap_tui.imagegen.spec_model import FreeSize, ModelSpec


def normalize_image(provider: str) -> str:
    """The catalogue provider id whose facts ``provider``'s models use (a plug-in names one in its unit).

    Raises :class:`~quilltap_tui.errors.Invalid` (field ``provider``) for an unknown image provider.
    """
    from quilltap_tui.providers.registry import catalogue_id

    return catalogue_id(provider)

__all__ = [
    "EXTRA_RANGES", "EXTRA_VALUES", "FreeSize", "ModelSpec", "extra_choices", "family_spec",
    "is_image_model", "known_models", "origin_of", "provider_name", "spec_for", "suggested_model", "suggested_models",
]



def provider_name(provider: str) -> str:
    """The provider as named in a sentence ("xAI"), from its unit; the id itself when unknown."""
    from quilltap_tui.errors import Invalid
    from quilltap_tui.providers.registry import image_unit

    try:
        return image_unit(provider).sentence_name
    except Invalid:
        return provider

# The vocabulary of provider extras, from the catalogue (read-only views for the UI and the mapping).
EXTRA_VALUES: Mapping[str, tuple[str, ...]] = MappingProxyType(catalogue.built_in().extra_values)
EXTRA_RANGES: Mapping[str, tuple[float, float, bool]] = MappingProxyType(catalogue.built_in().extra_ranges)


def _bare(model: str) -> str:
    """``models/gemini-x`` or ``vendor/gpt-image-1`` -> the id after the last slash, lower-cased."""
    return model.strip().rsplit("/", 1)[-1].lower()


def _exact(cat: catalogue.Catalogue, provider: str, model: str) -> ModelSpec | None:
    """A catalogue entry under the whole id (OpenRouter's ``vendor/model`` slugs), else under the bare id."""
    table = cat.models.get(provider, {})
    return table.get(model.strip().lower()) or table.get(_bare(model))


def _family_match(cat: catalogue.Catalogue, provider: str, model: str) -> str | None:
    bare = _bare(model)
    for prov, pattern, family in cat.patterns:
        if prov == provider and pattern.match(bare):
            return family
    return None


def spec_for(provider: str, model: str) -> ModelSpec:
    """The spec for ``model``: its catalogue entry, else its family by pattern, else the provider default."""
    prov = normalize_image(provider)
    cat = catalogue.current()
    exact = _exact(cat, prov, model)
    if exact is not None:
        return exact
    family = _family_match(cat, prov, model) or cat.defaults.get(prov)
    # A plug-in whose unit names no catalogue facts: a plain spec (one image, nothing else adjustable).
    return cat.families[(prov, family)] if family else ModelSpec(provider=prov, family="", api="")


def family_spec(provider: str, family: str) -> ModelSpec:
    """A family's own spec (for tests and the docs)."""
    return catalogue.current().families[(normalize_image(provider), family)]


def known_models(provider: str) -> list[tuple[str, ModelSpec]]:
    """The catalogue's models for a provider, retired ones included (flagged on their spec)."""
    return list(catalogue.current().models.get(normalize_image(provider), {}).items())


def origin_of(provider: str, model: str) -> tuple[str, ...]:
    """Where a catalogue model's facts come from: ``built-in``, ``catalogue`` (models.toml), or both."""
    origins = catalogue.current().origins
    prov = normalize_image(provider)
    return origins.get((prov, model.strip().lower())) or origins.get((prov, _bare(model)), ())


def is_image_model(provider: str, model_id: str) -> bool:
    """True when a live model id names an image model we can drive (filters e.g. OpenAI /v1/models)."""
    prov = normalize_image(provider)
    cat = catalogue.current()
    return _exact(cat, prov, model_id) is not None or _family_match(cat, prov, model_id) is not None


def extra_choices(spec: ModelSpec, extra: str) -> tuple[str, ...] | None:
    """The words an extra takes on this model (``output_format``: the model's own formats), if a list."""
    if extra == "output_format":
        return spec.output_formats or None
    return EXTRA_VALUES.get(extra)


def suggested_models() -> list[dict[str, str]]:
    """What the app suggests per provider: ``chat_provider``, ``image_provider``, ``model``."""
    return [dict(item) for item in catalogue.current().suggested]


def suggested_model(image_provider: str) -> str | None:
    """The model a new image profile of this provider starts with, if the catalogue suggests one."""
    prov = normalize_image(image_provider)
    return next((s["model"] for s in catalogue.current().suggested if s["image_provider"] == prov), None)
