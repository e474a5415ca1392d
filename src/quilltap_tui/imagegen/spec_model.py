"""The shape of one image model's facts (:class:`ModelSpec`) and how a catalogue entry becomes one.

The facts themselves live in ``catalogue.toml`` (and the user's ``models.toml``); this module only knows
their names. ``describe()`` gives the ``capabilities`` object of ``models --json``, whose names are also
the field names a catalogue entry uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any


def frozen(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """A read-only copy of ``mapping`` (specs are shared, so nobody may change one in place)."""
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class FreeSize:
    """A model that takes any ``WxH`` within limits (gpt-image-2, generic compatible servers)."""

    multiple_of: int = 16
    min_ratio: float = 1 / 3  # width / height
    max_ratio: float = 3.0
    max_pixels: int = 3840 * 2160
    max_side: int = 3840
    min_pixels: int = 0
    # Long and short side of the box an aspect ratio is fitted into (gpt-image: 1536x1024).
    aspect_box: tuple[int, int] = (1024, 1024)

    def describe(self) -> dict[str, Any]:
        """JSON-able summary of the limits."""
        return {
            "aspect_box": f"{self.aspect_box[0]}x{self.aspect_box[1]}",
            "multiple_of": self.multiple_of,
            "min_ratio": round(self.min_ratio, 4),
            "max_ratio": self.max_ratio,
            "max_pixels": self.max_pixels,
            "max_side": self.max_side,
            "min_pixels": self.min_pixels,
        }


@dataclass(frozen=True)
class ModelSpec:
    """Capabilities and lifecycle of one image model (or model family)."""

    provider: str
    family: str
    api: str  # 'openai-images' | 'xai-images' | 'gemini-generate-content' | 'imagen-predict'
    sizes: tuple[str, ...] = ()  # fixed WxH list, may include 'auto'
    free_size: FreeSize | None = None
    aspect_ratios: tuple[str, ...] = ()  # may include 'auto'
    resolutions: tuple[str, ...] = ()  # native spelling: xAI '1k', Gemini '1K', 3.1 flash also '512'
    qualities: tuple[str, ...] = ()  # native words
    quality_map: Mapping[str, str] = field(default_factory=frozen)  # other vocabularies -> native
    # For models with no quality field but resolution tiers (Gemini, Imagen): quality word -> tier.
    quality_resolution: Mapping[str, str] = field(default_factory=frozen)
    styles: tuple[str, ...] = ()
    max_n: int = 1
    negative_prompt: bool = False
    seed: bool = False
    output_formats: tuple[str, ...] = ()  # what the model can return
    single_image_formats: tuple[str, ...] = ()  # output formats made one image per request (SVG)
    extras: tuple[str, ...] = ()  # provider extras passed through (see mapping)
    max_prompt_chars: int | None = None
    max_input_images: int | None = None  # reference images per request, where known; None or 0: no edits
    mask: bool = False  # edits take a mask PNG (transparent pixels mark what may change)
    markup: bool = False  # edits take a markup overlay PNG (OpenAI gpt-image-2.6)
    # Partial images the model can stream while it generates (OpenAI ``stream`` + ``partial_images``, 0-3).
    partial_images: int = 0
    response_format: str | None = None  # sent as ``response_format`` by OpenAI-style providers
    retired: bool = False  # shut down by its provider (still sent: compatible servers serve it)
    deprecated: bool = False  # shutdown announced, or replaced, but still served
    shutdown_date: str | None = None  # YYYY-MM-DD
    replacement: str | None = None
    redirect: str | None = None  # what the provider serves in a retired slug's place
    note: str | None = None
    source: str | None = None  # where these facts come from
    checked: str | None = None  # YYYY-MM-DD they were last verified

    @property
    def can_edit(self) -> bool:
        """True when the model takes reference images (an edit endpoint or inline input parts)."""
        return bool(self.max_input_images)

    @property
    def takes_size(self) -> bool:
        """True when the model is addressed by WxH (fixed list or free size)."""
        return bool(self.sizes) or self.free_size is not None

    @property
    def takes_aspect_ratio(self) -> bool:
        """True when the model is addressed by an aspect ratio."""
        return bool(self.aspect_ratios)

    def describe(self) -> dict[str, Any]:
        """The ``capabilities`` object of ``models --json``: the names a catalogue entry uses too."""
        return {
            "provider": self.provider,
            "family": self.family,
            "api": self.api,
            "sizes": list(self.sizes),
            "free_size": self.free_size.describe() if self.free_size else None,
            "aspect_ratios": list(self.aspect_ratios),
            "resolutions": list(self.resolutions),
            "qualities": list(self.qualities),
            "quality_aliases": dict(self.quality_map),
            "quality_resolution": dict(self.quality_resolution),
            "styles": list(self.styles),
            "max_images_per_request": self.max_n,
            "negative_prompt": self.negative_prompt,
            "seed": self.seed,
            "output_formats": list(self.output_formats),
            "single_image_formats": list(self.single_image_formats),
            "extras": list(self.extras),
            "max_prompt_chars": self.max_prompt_chars,
            "max_input_images": self.max_input_images,
            "mask": self.mask,
            "markup": self.markup,
            "partial_images": self.partial_images,
            "response_format": self.response_format,
            "deprecated": self.deprecated,
            "redirect": self.redirect,
            "note": self.note,
            "checked": self.checked,
            "reference": self.source,
        }


# Catalogue field name -> ModelSpec attribute, where they differ.
ATTRIBUTE = {"max_images_per_request": "max_n", "quality_aliases": "quality_map"}
LIFECYCLE = ("retired", "deprecated", "shutdown_date", "replacement", "redirect", "note", "source", "checked")
_SPEC_FIELDS = frozenset(f.name for f in fields(ModelSpec))


def build_spec(
    base: ModelSpec | None, provider: str, family: str | None, entry: Mapping[str, Any],
    existing: ModelSpec | None = None,
) -> ModelSpec:
    """A spec from ``base``'s capabilities with ``entry``'s fields applied.

    Lifecycle facts are never inherited from the base (a new model of a retired family is not retired);
    an entry re-declaring a known model keeps that model's lifecycle unless it says otherwise.
    """
    changes = {ATTRIBUTE.get(k, k): v for k, v in entry.items() if ATTRIBUTE.get(k, k) in _SPEC_FIELDS}
    lifecycle = {name: getattr(existing, name) for name in LIFECYCLE} if existing else {}
    if base is None:
        start = ModelSpec(provider=provider, family=family or "", api=str(changes.get("api", "")))
    else:
        start = replace(base, provider=provider, **{name: _default(name) for name in LIFECYCLE})
    if family is not None:
        start = replace(start, family=family)
    return replace(start, **{**lifecycle, **changes})


def _default(name: str) -> Any:
    return next(f.default for f in fields(ModelSpec) if f.name == name)
