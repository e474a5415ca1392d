"""What each image model accepts, as data.

Every fact about a model (sizes or aspect ratios, quality words, images per request, extras it takes,
whether its provider retired it) lives in the tables below; code elsewhere reads a :class:`ModelSpec`
and never tests model names. Sources: shared/reference/provider-wire.md sections 1.4, 2.1-2.3 and 4.

An unknown model of a known family (``gpt-image-9``, ``grok-imagine-image-3.0``,
``gemini-4-flash-image``) gets its family's spec by pattern; anything else gets the provider's default
family, because a compatible server may name its models freely.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from quilltap_tui.provider_ids import normalize_image


@dataclass(frozen=True)
class FreeSize:
    """A model that takes any ``WxH`` within limits (gpt-image-2)."""

    multiple_of: int = 16
    min_ratio: float = 1 / 3  # width / height
    max_ratio: float = 3.0
    max_pixels: int = 3840 * 2160
    max_side: int = 3840
    min_pixels: int = 0

    def describe(self) -> dict[str, Any]:
        """JSON-able summary of the limits."""
        return {
            "multiple_of": self.multiple_of,
            "min_ratio": round(self.min_ratio, 4),
            "max_ratio": self.max_ratio,
            "max_pixels": self.max_pixels,
            "max_side": self.max_side,
            "min_pixels": self.min_pixels,
        }


def _frozen(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class ModelSpec:
    """Capabilities of one image model (or model family)."""

    provider: str  # 'openai' | 'grok' | 'google'
    family: str
    api: str  # 'openai-images' | 'xai-images' | 'gemini-generate-content' | 'imagen-predict'
    sizes: tuple[str, ...] = ()  # fixed WxH list, may include 'auto'
    free_size: FreeSize | None = None
    aspect_ratios: tuple[str, ...] = ()  # may include 'auto'
    resolutions: tuple[str, ...] = ()  # native spelling: xAI '1k', Gemini '1K', 3.1 flash also '512'
    qualities: tuple[str, ...] = ()  # native words
    quality_map: Mapping[str, str] = field(default_factory=_frozen)  # other vocabularies -> native
    # For models with no quality field but resolution tiers (Gemini, Imagen): quality word -> tier.
    quality_resolution: Mapping[str, str] = field(default_factory=_frozen)
    styles: tuple[str, ...] = ()
    max_n: int = 1
    negative_prompt: bool = False
    seed: bool = False
    output_formats: tuple[str, ...] = ()  # what the model can return
    extras: tuple[str, ...] = ()  # provider extras passed through (see mapping.EXTRA_VALUES)
    max_prompt_chars: int | None = None
    retired: bool = False  # known retired by its provider (still sent: compatible servers serve it)
    retired_note: str | None = None  # e.g. 'since 2026-05-12' or, not yet retired, 'shuts down ...'

    @property
    def takes_size(self) -> bool:
        """True when the model is addressed by WxH (fixed list or free size)."""
        return bool(self.sizes) or self.free_size is not None

    @property
    def takes_aspect_ratio(self) -> bool:
        """True when the model is addressed by an aspect ratio."""
        return bool(self.aspect_ratios)

    def describe(self) -> dict[str, Any]:
        """JSON-able capability summary for ``models`` output and the UI."""
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
            "styles": list(self.styles),
            "max_images_per_request": self.max_n,
            "negative_prompt": self.negative_prompt,
            "seed": self.seed,
            "output_formats": list(self.output_formats),
            "extras": list(self.extras),
            "max_prompt_chars": self.max_prompt_chars,
            "retired": self.retired,
            "retired_note": self.retired_note,
        }


PROVIDER_TITLES = {"openai": "OpenAI", "grok": "xAI", "google": "Google"}

# Allowed values of provider extras, where known (lower-case; providers convert to their wire case).
EXTRA_VALUES: dict[str, tuple[str, ...]] = {
    "output_format": ("png", "jpeg", "webp"),
    "background": ("auto", "transparent", "opaque"),
    "moderation": ("auto", "low"),
    "person_generation": ("dont_allow", "allow_adult"),
    "safety_filter_level": ("block_low_and_above", "block_medium_and_above", "block_only_high"),
    "language": ("auto", "en", "ja", "ko", "hi", "zh", "pt", "es"),
}
# Numeric extras: (lowest, highest, integers only).
EXTRA_RANGES: dict[str, tuple[float, float, bool]] = {
    "output_compression": (0, 100, True),
    "guidance_scale": (0, 100, False),
}

_GPT_EXTRAS = ("output_format", "background", "moderation", "output_compression", "user")
_XAI_RATIOS: tuple[str, ...] = ("1:1", "3:4", "4:3", "9:16", "16:9", "2:3", "3:2", "9:19.5", "19.5:9")
_XAI_RATIOS += ("9:20", "20:9", "1:2", "2:1", "auto")
_GEMINI_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
_SHUTS_DOWN = "shuts down 2026-12-01"

# Family base specs. Table entries below are these with a few fields replaced.
FAMILIES: dict[str, ModelSpec] = {
    "gpt-image": ModelSpec(
        "openai", "gpt-image", "openai-images",
        sizes=("1024x1024", "1536x1024", "1024x1536", "auto"),
        qualities=("low", "medium", "high", "auto"),
        quality_map=_frozen({"draft": "low", "standard": "medium", "hd": "high"}),
        max_n=10, output_formats=("png", "jpeg", "webp"), extras=_GPT_EXTRAS, max_prompt_chars=32000,
    ),
    "gpt-image-2": ModelSpec(
        "openai", "gpt-image-2", "openai-images",
        sizes=("1024x1024", "1536x1024", "1024x1536", "auto"),
        # min_pixels: a third-party measurement (about 1024x640); the rest is provider-wire 2.1.1.
        free_size=FreeSize(min_pixels=655_360),
        qualities=("low", "medium", "high", "auto"),
        quality_map=_frozen({"draft": "low", "standard": "medium", "hd": "high"}),
        max_n=10, output_formats=("png", "jpeg", "webp"), extras=_GPT_EXTRAS, max_prompt_chars=32000,
    ),
    "dall-e-3": ModelSpec(
        "openai", "dall-e-3", "openai-images",
        sizes=("1024x1024", "1792x1024", "1024x1792"),
        qualities=("standard", "hd"),
        quality_map=_frozen({"draft": "standard", "low": "standard", "medium": "standard", "high": "hd"}),
        styles=("vivid", "natural"), max_n=1, output_formats=("png",), extras=("user",),
        max_prompt_chars=4000, retired=True, retired_note="since 2026-05-12",
    ),
    "dall-e-2": ModelSpec(
        "openai", "dall-e-2", "openai-images",
        sizes=("256x256", "512x512", "1024x1024"),
        qualities=("standard",),
        quality_map=_frozen({k: "standard" for k in ("draft", "low", "medium", "high", "hd")}),
        max_n=10, output_formats=("png",), extras=("user",),
        max_prompt_chars=1000, retired=True, retired_note="since 2026-05-12",
    ),
    "grok-imagine": ModelSpec(
        "grok", "grok-imagine", "xai-images",
        aspect_ratios=_XAI_RATIOS, resolutions=("1k", "2k"), max_n=10,
        output_formats=("jpeg",), extras=("user",),
    ),
    "grok-imagine-2": ModelSpec(
        "grok", "grok-imagine-2", "xai-images",
        aspect_ratios=(*_XAI_RATIOS, "21:9", "5:2"), resolutions=("1k", "2k"),
        qualities=("low", "medium"),
        quality_map=_frozen({"draft": "low", "standard": "medium", "high": "medium", "hd": "medium"}),
        max_n=10, output_formats=("jpeg",), extras=("user",),
    ),
    "grok-2-image": ModelSpec(
        "grok", "grok-2-image", "xai-images", max_n=10, output_formats=("jpeg",), extras=("user",),
        retired=True, retired_note="no longer offered since about 2026-02",
    ),
    "gemini-image": ModelSpec(
        "google", "gemini-image", "gemini-generate-content",
        aspect_ratios=_GEMINI_RATIOS, resolutions=("1K", "2K", "4K"),
        quality_resolution=_frozen({"draft": "1K", "low": "1K", "standard": "1K", "medium": "1K",
                                    "high": "2K", "hd": "2K"}),
        max_n=1, output_formats=("png", "jpeg"),
    ),
    "imagen": ModelSpec(
        "google", "imagen", "imagen-predict",
        aspect_ratios=("1:1", "3:4", "4:3", "9:16", "16:9"), resolutions=("1K", "2K"),
        quality_resolution=_frozen({"draft": "1K", "low": "1K", "standard": "1K", "medium": "1K",
                                    "high": "2K", "hd": "2K"}),
        max_n=4, output_formats=("png", "jpeg"),
        extras=("guidance_scale", "person_generation", "safety_filter_level", "language"),
        retired=True, retired_note="since 2026-08-17",
    ),
}


def _entry(family: str, **changes: Any) -> ModelSpec:
    return replace(FAMILIES[family], **changes)


_GEMINI_31 = ("512", "1K", "2K", "4K")
_IMAGEN_FAST = {"resolutions": (), "quality_resolution": _frozen()}

MODELS: dict[str, dict[str, ModelSpec]] = {
    "openai": {
        "gpt-image-2": _entry("gpt-image-2"),
        "gpt-image-2-2026-04-21": _entry("gpt-image-2"),
        "gpt-image-1.5": _entry("gpt-image", retired_note=_SHUTS_DOWN),
        "gpt-image-1": _entry("gpt-image"),
        "gpt-image-1-mini": _entry("gpt-image", retired_note=_SHUTS_DOWN),
        "chatgpt-image-latest": _entry("gpt-image", retired_note=_SHUTS_DOWN),
        "dall-e-3": _entry("dall-e-3"),
        "dall-e-2": _entry("dall-e-2"),
    },
    "grok": {
        "grok-imagine-image": _entry("grok-imagine"),
        "grok-imagine-image-2.0": _entry("grok-imagine-2"),
        "grok-imagine-image-quality": _entry(
            "grok-imagine", retired=True, retired_note="since 2026-11-02; xAI serves grok-imagine-image-2.0"
        ),
        "grok-imagine-image-pro": _entry("grok-imagine", retired=True, retired_note="since 2026-05-15"),
        "grok-2-image": _entry("grok-2-image"),
        "grok-2-image-1212": _entry("grok-2-image"),
    },
    "google": {
        "gemini-2.5-flash-image": _entry("gemini-image", resolutions=(), quality_resolution=_frozen()),
        "gemini-3-pro-image": _entry("gemini-image"),
        "gemini-3-pro-image-preview": _entry("gemini-image"),
        "gemini-3.1-flash-image": _entry("gemini-image", resolutions=_GEMINI_31,
                                         aspect_ratios=(*_GEMINI_RATIOS, "1:4", "4:1", "1:8", "8:1")),
        "gemini-3.1-flash-image-preview": _entry("gemini-image", resolutions=_GEMINI_31,
                                                 aspect_ratios=(*_GEMINI_RATIOS, "1:4", "4:1", "1:8", "8:1")),
        "imagen-4.0-generate-001": _entry("imagen"),
        "imagen-4.0-ultra-generate-001": _entry("imagen"),
        "imagen-4.0-fast-generate-001": _entry("imagen", **_IMAGEN_FAST),
    },
}

# (provider, regex on the bare model id, family). First match wins, so specific patterns come first.
PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("openai", r"gpt-image-([2-9]|\d\d)", "gpt-image-2"),  # newer than 2 behaves like 2
    ("openai", r"(gpt-image|chatgpt-image)", "gpt-image"),
    ("openai", r"dall-e-3", "dall-e-3"),
    ("openai", r"dall-e-2", "dall-e-2"),
    # A numbered grok-imagine-image version (2.0, 3.0, ...) behaves like the newest known one.
    ("grok", r"grok-imagine-image-\d", "grok-imagine-2"),
    ("grok", r"grok-imagine-image", "grok-imagine"),
    ("grok", r"grok-2-image", "grok-2-image"),
    ("google", r"imagen-", "imagen"),
    ("google", r"gemini-.*image", "gemini-image"),
)
DEFAULT_FAMILY = {"openai": "gpt-image", "grok": "grok-imagine", "google": "gemini-image"}


def _bare(model: str) -> str:
    """``models/gemini-x`` or ``vendor/gpt-image-1`` -> the id after the last slash, lower-cased."""
    return model.strip().rsplit("/", 1)[-1].lower()


def _family_match(provider: str, model: str) -> str | None:
    bare = _bare(model)
    for prov, pattern, family in PATTERNS:
        if prov == provider and re.match(pattern, bare):
            return family
    return None


def spec_for(provider: str, model: str) -> ModelSpec:
    """The spec for ``model``: exact table entry, else its family by pattern, else the provider default."""
    prov = normalize_image(provider)
    exact = MODELS[prov].get(_bare(model))
    if exact is not None:
        return exact
    return FAMILIES[_family_match(prov, model) or DEFAULT_FAMILY[prov]]


def known_models(provider: str) -> list[tuple[str, ModelSpec]]:
    """The built-in table for a provider, retired models included (flagged on their spec)."""
    return list(MODELS[normalize_image(provider)].items())


def is_image_model(provider: str, model_id: str) -> bool:
    """True when a live model id names an image model we can drive (filters e.g. OpenAI /v1/models)."""
    prov = normalize_image(provider)
    return _bare(model_id) in MODELS[prov] or _family_match(prov, model_id) is not None
