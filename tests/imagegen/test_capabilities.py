"""The built-in model table, family patterns and the live-list filter."""

from __future__ import annotations

import json

import pytest

from quilltap_tui.errors import Invalid
from quilltap_tui.imagegen.capabilities import (
    EXTRA_RANGES,
    EXTRA_VALUES,
    ModelSpec,
    family_spec,
    is_image_model,
    known_models,
    spec_for,
)

# provider, model, family, api, max_n, retired, shutdown_date, replacement (as of 2026-12-02)
BUILT_IN = [
    ("openai", "gpt-image-2.6-sunburst", "gpt-image-2.6", "openai-images", 10, False, None, None),
    ("openai", "gpt-image-2.6-flare", "gpt-image-2.6", "openai-images", 10, False, None, None),
    ("openai", "gpt-image-2.5-sunburst", "gpt-image-2.5", "openai-images", 10, False, None, None),
    ("openai", "gpt-image-2.5-flare-2026-09-08", "gpt-image-2.5", "openai-images", 10, False, None, None),
    ("openai", "gpt-image-2", "gpt-image-2", "openai-images", 10, False, None, None),
    ("openai", "gpt-image-2-2026-04-21", "gpt-image-2", "openai-images", 10, False, None, None),
    ("openai", "gpt-image-1.5", "gpt-image", "openai-images", 10, True, "2026-12-01", "gpt-image-2.6-sunburst"),
    ("openai", "gpt-image-1.5-2025-12-16", "gpt-image", "openai-images", 10, True, "2026-12-01",
     "gpt-image-2.6-sunburst"),
    ("openai", "gpt-image-1", "gpt-image", "openai-images", 10, True, "2026-10-23", "gpt-image-2.5-sunburst"),
    ("openai", "gpt-image-1-mini", "gpt-image", "openai-images", 10, True, "2026-12-01", "gpt-image-2.6-flare"),
    ("openai", "chatgpt-image-latest", "gpt-image", "openai-images", 10, True, "2026-12-01",
     "gpt-image-2.6-sunburst"),
    ("openai", "dall-e-3", "dall-e-3", "openai-images", 1, True, "2026-05-12", "gpt-image-2"),
    ("openai", "dall-e-2", "dall-e-2", "openai-images", 10, True, "2026-05-12", "gpt-image-2"),
    ("grok", "grok-imagine-image", "grok-imagine", "xai-images", 10, False, None, None),
    ("grok", "grok-imagine-image-2.0", "grok-imagine-2", "xai-images", 10, False, None, None),
    ("grok", "grok-imagine-image-quality", "grok-imagine", "xai-images", 10, True, "2026-11-02",
     "grok-imagine-image-2.0"),
    ("grok", "grok-imagine-image-pro", "grok-imagine", "xai-images", 10, True, "2026-05-15", "grok-imagine-image-2.0"),
    ("grok", "grok-2-image", "grok-2-image", "xai-images", 10, True, None, "grok-imagine-image-2.0"),
    ("google", "gemini-nano-banana-2.1", "nano-banana", "gemini-generate-content", 1, False, None, None),
    ("google", "gemini-3.1-flash-lite-image", "gemini-flash-lite-image", "gemini-generate-content", 1, False,
     None, None),
    ("google", "gemini-2.5-flash-image", "gemini-image", "gemini-generate-content", 1, True, "2026-10-02",
     "gemini-nano-banana-2.1"),
    ("google", "gemini-3-pro-image", "gemini-image", "gemini-generate-content", 1, False, None, None),
    ("google", "gemini-3-pro-image-preview", "gemini-image", "gemini-generate-content", 1, True, "2026-06-25",
     "gemini-3-pro-image"),
    ("google", "gemini-3.1-flash-image", "gemini-image", "gemini-generate-content", 1, False, None,
     "gemini-nano-banana-2.1"),
    ("google", "gemini-3.1-flash-image-preview", "gemini-image", "gemini-generate-content", 1, True, "2026-06-25",
     "gemini-nano-banana-2.1"),
    ("google", "imagen-4.0-generate-001", "imagen", "imagen-predict", 4, True, "2026-08-17", "gemini-nano-banana-2.1"),
    ("google", "imagen-4.0-ultra-generate-001", "imagen", "imagen-predict", 4, True, "2026-08-17",
     "gemini-nano-banana-2.1"),
    ("google", "imagen-4.0-fast-generate-001", "imagen", "imagen-predict", 4, True, "2026-08-17",
     "gemini-nano-banana-2.1"),
]
FIELDS = ("provider", "model", "family", "api", "max_n", "retired", "shutdown", "replacement")


@pytest.mark.parametrize(FIELDS, BUILT_IN)
def test_every_built_in_model_has_its_documented_facts(
    provider: str, model: str, family: str, api: str, max_n: int, retired: bool, shutdown: str | None,
    replacement: str | None,
) -> None:
    spec = spec_for(provider, model)
    assert (spec.provider, spec.family, spec.api, spec.max_n) == (provider, family, api, max_n)
    assert (spec.retired, spec.shutdown_date, spec.replacement) == (retired, shutdown, replacement)
    assert spec.source and spec.checked == "2026-12-02"
    assert model in dict(known_models(provider))


@pytest.mark.parametrize(FIELDS, BUILT_IN)
def test_describe_is_json_and_matches_the_spec(
    provider: str, model: str, family: str, api: str, max_n: int, retired: bool, shutdown: str | None,
    replacement: str | None,
) -> None:
    summary = json.loads(json.dumps(spec_for(provider, model).describe()))
    assert summary["family"] == family
    assert summary["max_images_per_request"] == max_n
    assert "retired" not in summary  # lifecycle is beside the capabilities, not inside
    assert summary["negative_prompt"] is False and summary["seed"] is False


def test_every_catalogue_model_is_in_this_table() -> None:
    listed = {(p, m) for p, m, *_ in BUILT_IN}
    for provider in ("openai", "grok", "google"):
        missing = {m for m, _ in known_models(provider)} - {m for p, m in listed if p == provider}
        assert missing <= {"gpt-image-2.5-sunburst-2026-09-08", "gpt-image-2.5-flare", "grok-2-image-1212"}


def test_size_models_and_aspect_models_say_what_they_take() -> None:
    assert spec_for("openai", "gpt-image-1").sizes == ("1024x1024", "1536x1024", "1024x1536", "auto")
    assert spec_for("openai", "dall-e-3").sizes == ("1024x1024", "1792x1024", "1024x1792")
    assert spec_for("openai", "dall-e-3").styles == ("vivid", "natural")
    free = spec_for("openai", "gpt-image-2").describe()["free_size"]
    assert free["multiple_of"] == 16 and free["max_pixels"] == 3840 * 2160 and free["max_ratio"] == 3.0
    grok2 = spec_for("grok", "grok-imagine-image-2.0")
    assert {"21:9", "5:2"} <= set(grok2.aspect_ratios) and grok2.qualities == ("low", "medium", "auto")
    assert "21:9" not in spec_for("grok", "grok-imagine-image").aspect_ratios
    assert spec_for("grok", "grok-imagine-image").resolutions == ("1k", "2k")
    assert spec_for("google", "gemini-3.1-flash-image").resolutions == ("512", "1K", "2K", "4K")
    assert spec_for("google", "gemini-3-pro-image").resolutions == ("1K", "2K", "4K")
    assert spec_for("google", "gemini-2.5-flash-image").resolutions == ()
    assert spec_for("google", "imagen-4.0-fast-generate-001").resolutions == ()
    assert spec_for("grok", "grok-2-image").output_formats == ("jpeg",)
    nano = spec_for("google", "gemini-nano-banana-2.1")
    assert nano.resolutions == ("1K", "2K", "4K") and len(nano.aspect_ratios) == 14 and nano.max_input_images == 14
    assert {"1:4", "4:1", "1:8", "8:1"} <= set(nano.aspect_ratios)
    lite = spec_for("google", "gemini-3.1-flash-lite-image")
    assert lite.resolutions == ("1K",) and len(lite.aspect_ratios) == 10 and not lite.quality_resolution
    flare = spec_for("openai", "gpt-image-2.6-flare")
    assert {"xhigh", "max"} <= set(flare.qualities) and "complexity" in flare.extras
    assert {"gif", "svg"} <= set(flare.output_formats) and flare.single_image_formats == ("svg",)
    sunburst25 = spec_for("openai", "gpt-image-2.5-sunburst")
    assert {"xhigh", "max"} <= set(sunburst25.qualities) and "complexity" not in sunburst25.extras
    assert "xhigh" not in spec_for("openai", "gpt-image-2").qualities
    generic = spec_for("openai-compatible", "flux-dev")
    assert generic.seed and generic.negative_prompt and generic.free_size is not None
    assert {"steps", "guidance_scale"} <= set(generic.extras)


@pytest.mark.parametrize(
    ("provider", "model", "family"),
    [
        ("openai", "gpt-image-9", "gpt-image-2"),
        ("openai", "gpt-image-2.6-sunburst-2026-11-04", "gpt-image-2.6"),
        ("openai", "gpt-image-2.5-turbo", "gpt-image-2.5"),
        ("openai", "gpt-image-1-2025-12-16", "gpt-image"),
        ("openai", "chatgpt-image-2027", "gpt-image"),
        ("openai", "dall-e-3-preview", "dall-e-3"),
        ("openai", "my-local-sdxl", "gpt-image"),  # compatible server: provider default
        ("grok", "grok-imagine-image-3.0", "grok-imagine-2"),
        ("grok", "grok-imagine-image-lite", "grok-imagine"),
        ("grok", "grok-2-image-latest", "grok-2-image"),
        ("google", "gemini-4-flash-image", "gemini-image"),
        ("google", "gemini-nano-banana-3", "nano-banana"),
        ("google", "gemini-4.0-flash-lite-image", "gemini-flash-lite-image"),
        ("openai-compatible", "black-forest-labs/FLUX.1-dev", "generic"),
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
        spec_for("dreamhost-images", "sd3")
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
        ("google", "models/gemini-nano-banana-2.1", True),
        ("openai", "gpt-image-2.6-flare", True),
        ("google", "models/text-embedding-004", False),
    ],
)
def test_live_lists_are_filtered_to_image_models(provider: str, model_id: str, expected: bool) -> None:
    assert is_image_model(provider, model_id) is expected


FAMILIES = [("openai", f) for f in ("gpt-image-2.6", "gpt-image-2.5", "gpt-image-2", "gpt-image", "dall-e-3",
                                    "dall-e-2")]
FAMILIES += [("grok", f) for f in ("grok-imagine-2", "grok-imagine", "grok-2-image")]
FAMILIES += [("google", f) for f in ("imagen", "gemini-flash-lite-image", "nano-banana", "gemini-image")]
FAMILIES += [("openai-compatible", "generic")]


def _consistent(spec: ModelSpec) -> None:
    assert set(spec.quality_map.values()) <= set(spec.qualities)
    assert set(spec.quality_resolution.values()) <= set(spec.resolutions)
    assert not (spec.sizes or spec.free_size) or not spec.aspect_ratios
    assert all(extra in EXTRA_VALUES or extra in EXTRA_RANGES or extra in ("user", "output_format")
               for extra in spec.extras)
    assert set(spec.single_image_formats) <= set(spec.output_formats)
    assert spec.max_n >= 1


@pytest.mark.parametrize(("provider", "family"), FAMILIES)
def test_family_tables_are_self_consistent(provider: str, family: str) -> None:
    _consistent(family_spec(provider, family))


@pytest.mark.parametrize("provider", ["openai", "grok", "google"])
def test_model_tables_are_self_consistent(provider: str) -> None:
    for _model, spec in known_models(provider):
        _consistent(spec)
        assert not spec.retired or spec.replacement  # every retired model names what to use instead
        if spec.replacement:
            assert not spec_for(provider, spec.replacement).retired


def test_known_models_flags_retired_ones() -> None:
    retired = {model for model, spec in known_models("openai") if spec.retired}
    assert retired == {"dall-e-3", "dall-e-2", "gpt-image-1", "gpt-image-1.5", "gpt-image-1.5-2025-12-16",
                       "gpt-image-1-mini", "chatgpt-image-latest"}
    assert all(spec.retired for model, spec in known_models("google") if model.startswith("imagen-"))
