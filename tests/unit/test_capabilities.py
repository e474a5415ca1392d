"""The built-in model table, family patterns and the live-list filter."""

from __future__ import annotations

import json

import pytest

from quilltap_tui.errors import Invalid
from quilltap_tui.imagegen.capabilities import (
    EXTRA_RANGES,
    EXTRA_VALUES,
    FAMILIES,
    is_image_model,
    known_models,
    spec_for,
)

# provider, model, family, api, max_n, retired, note
BUILT_IN = [
    ("openai", "gpt-image-2", "gpt-image-2", "openai-images", 10, False, None),
    ("openai", "gpt-image-2-2026-04-21", "gpt-image-2", "openai-images", 10, False, None),
    ("openai", "gpt-image-1.5", "gpt-image", "openai-images", 10, False, "shuts down 2026-12-01"),
    ("openai", "gpt-image-1", "gpt-image", "openai-images", 10, False, None),
    ("openai", "gpt-image-1-mini", "gpt-image", "openai-images", 10, False, "shuts down 2026-12-01"),
    ("openai", "chatgpt-image-latest", "gpt-image", "openai-images", 10, False, "shuts down 2026-12-01"),
    ("openai", "dall-e-3", "dall-e-3", "openai-images", 1, True, "since 2026-05-12"),
    ("openai", "dall-e-2", "dall-e-2", "openai-images", 10, True, "since 2026-05-12"),
    ("grok", "grok-imagine-image", "grok-imagine", "xai-images", 10, False, None),
    ("grok", "grok-imagine-image-2.0", "grok-imagine-2", "xai-images", 10, False, None),
    (
        "grok",
        "grok-imagine-image-quality",
        "grok-imagine",
        "xai-images",
        10,
        True,
        "since 2026-11-02; xAI serves grok-imagine-image-2.0",
    ),
    ("grok", "grok-imagine-image-pro", "grok-imagine", "xai-images", 10, True, "since 2026-05-15"),
    ("grok", "grok-2-image", "grok-2-image", "xai-images", 10, True, "no longer offered since about 2026-02"),
    ("google", "gemini-2.5-flash-image", "gemini-image", "gemini-generate-content", 1, False, None),
    ("google", "gemini-3-pro-image", "gemini-image", "gemini-generate-content", 1, False, None),
    ("google", "gemini-3-pro-image-preview", "gemini-image", "gemini-generate-content", 1, False, None),
    ("google", "gemini-3.1-flash-image", "gemini-image", "gemini-generate-content", 1, False, None),
    ("google", "gemini-3.1-flash-image-preview", "gemini-image", "gemini-generate-content", 1, False, None),
    ("google", "imagen-4.0-generate-001", "imagen", "imagen-predict", 4, True, "since 2026-08-17"),
    ("google", "imagen-4.0-ultra-generate-001", "imagen", "imagen-predict", 4, True, "since 2026-08-17"),
    ("google", "imagen-4.0-fast-generate-001", "imagen", "imagen-predict", 4, True, "since 2026-08-17"),
]


@pytest.mark.parametrize(("provider", "model", "family", "api", "max_n", "retired", "note"), BUILT_IN)
def test_every_built_in_model_has_its_documented_facts(
    provider: str, model: str, family: str, api: str, max_n: int, retired: bool, note: str | None
) -> None:
    spec = spec_for(provider, model)
    assert (spec.provider, spec.family, spec.api, spec.max_n) == (provider, family, api, max_n)
    assert (spec.retired, spec.retired_note) == (retired, note)
    assert model in dict(known_models(provider))


@pytest.mark.parametrize(("provider", "model", "family", "api", "max_n", "retired", "note"), BUILT_IN)
def test_describe_is_json_and_matches_the_spec(
    provider: str, model: str, family: str, api: str, max_n: int, retired: bool, note: str | None
) -> None:
    summary = json.loads(json.dumps(spec_for(provider, model).describe()))
    assert summary["family"] == family
    assert summary["max_images_per_request"] == max_n
    assert summary["retired"] is retired
    assert summary["negative_prompt"] is False and summary["seed"] is False


def test_size_models_and_aspect_models_say_what_they_take() -> None:
    assert spec_for("openai", "gpt-image-1").sizes == ("1024x1024", "1536x1024", "1024x1536", "auto")
    assert spec_for("openai", "dall-e-3").sizes == ("1024x1024", "1792x1024", "1024x1792")
    assert spec_for("openai", "dall-e-3").styles == ("vivid", "natural")
    free = spec_for("openai", "gpt-image-2").describe()["free_size"]
    assert free["multiple_of"] == 16 and free["max_pixels"] == 3840 * 2160 and free["max_ratio"] == 3.0
    grok2 = spec_for("grok", "grok-imagine-image-2.0")
    assert {"21:9", "5:2"} <= set(grok2.aspect_ratios) and grok2.qualities == ("low", "medium")
    assert "21:9" not in spec_for("grok", "grok-imagine-image").aspect_ratios
    assert spec_for("grok", "grok-imagine-image").resolutions == ("1k", "2k")
    assert spec_for("google", "gemini-3.1-flash-image").resolutions == ("512", "1K", "2K", "4K")
    assert spec_for("google", "gemini-3-pro-image").resolutions == ("1K", "2K", "4K")
    assert spec_for("google", "gemini-2.5-flash-image").resolutions == ()
    assert spec_for("google", "imagen-4.0-fast-generate-001").resolutions == ()
    assert spec_for("grok", "grok-2-image").output_formats == ("jpeg",)


@pytest.mark.parametrize(
    ("provider", "model", "family"),
    [
        ("openai", "gpt-image-9", "gpt-image-2"),
        ("openai", "gpt-image-2.6-sunburst", "gpt-image-2"),
        ("openai", "gpt-image-1-2025-12-16", "gpt-image"),
        ("openai", "chatgpt-image-2027", "gpt-image"),
        ("openai", "dall-e-3-preview", "dall-e-3"),
        ("openai", "my-local-sdxl", "gpt-image"),  # compatible server: provider default
        ("grok", "grok-imagine-image-3.0", "grok-imagine-2"),
        ("grok", "grok-imagine-image-lite", "grok-imagine"),
        ("grok", "grok-2-image-latest", "grok-2-image"),
        ("google", "gemini-4-flash-image", "gemini-image"),
        ("google", "imagen-5.0-generate-001", "imagen"),
        ("google-imagen", "models/imagen-4.0-generate-001", "imagen"),
        ("GOOGLE", "models/gemini-3-pro-image", "gemini-image"),
        ("xai", "GROK-IMAGINE-IMAGE-2.0", "grok-imagine-2"),
    ],
)
def test_unknown_models_get_their_family_spec(provider: str, model: str, family: str) -> None:
    assert spec_for(provider, model).family == family


def test_an_unknown_provider_is_refused_naming_the_field() -> None:
    with pytest.raises(Invalid) as info:
        spec_for("stability", "sd3")
    assert info.value.field == "provider"


@pytest.mark.parametrize(
    ("provider", "model_id", "expected"),
    [
        ("openai", "gpt-image-1", True),
        ("openai", "gpt-image-2-2026-04-21", True),
        ("openai", "chatgpt-image-latest", True),
        ("openai", "dall-e-2", True),
        ("openai", "gpt-4o", False),
        ("openai", "whisper-1", False),
        ("openai", "text-embedding-3-small", False),
        ("openai", "chatgpt-4o-latest", False),
        ("grok", "grok-imagine-image", True),
        ("grok", "grok-2-image-1212", True),
        ("grok", "grok-4", False),
        ("google", "models/gemini-2.5-flash-image", True),
        ("google", "models/gemini-3.1-flash-image-preview", True),
        ("google", "models/imagen-4.0-generate-001", True),
        ("google", "models/gemini-2.5-flash", False),
        ("google", "models/text-embedding-004", False),
    ],
)
def test_live_lists_are_filtered_to_image_models(provider: str, model_id: str, expected: bool) -> None:
    assert is_image_model(provider, model_id) is expected


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_tables_are_self_consistent(family: str) -> None:
    spec = FAMILIES[family]
    assert set(spec.quality_map.values()) <= set(spec.qualities)
    assert set(spec.quality_resolution.values()) <= set(spec.resolutions)
    assert not (spec.sizes or spec.free_size) or not spec.aspect_ratios
    assert all(extra in EXTRA_VALUES or extra in EXTRA_RANGES or extra == "user" for extra in spec.extras)
    assert spec.max_n >= 1


def test_known_models_flags_retired_ones() -> None:
    retired = {model for model, spec in known_models("openai") if spec.retired}
    assert retired == {"dall-e-3", "dall-e-2"}
    assert all(spec.retired for model, spec in known_models("google") if model.startswith("imagen-"))
