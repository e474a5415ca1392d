"""The generate_image and edit_image JSON schemas, pinned whole (key order included) for model shapes.

This is what an LLM is told it may send. The model facts are made up here (not read from the catalogue)
so that a catalogue update never moves the pin: only a change in how schemas are built does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from quilltap_tui.imagegen import capabilities
from quilltap_tui.imagegen.spec_model import FreeSize, ModelSpec, frozen
from quilltap_tui.tools import edit_image, generate_image
from quilltap_tui.tools.generate_image import ImageToolProfile
from tests.golden import check_json

GOLDEN = Path(__file__).parent / "golden" / "option_schemas.json"

SPECS = {
    # fixed sizes, quality and style words, one image per request, a prompt limit (dall-e-3's shape)
    "fixed-sizes": ModelSpec("openai", "fixed", "openai-images", sizes=("1024x1024", "1792x1024", "1024x1792"),
                             qualities=("standard", "hd"), styles=("vivid", "natural"), max_prompt_chars=4000),
    # free WxH with a listed few, quality words, edits (gpt-image's shape)
    "free-size": ModelSpec("openai", "free", "openai-images", sizes=("auto", "1024x1024", "1536x1024"),
                           free_size=FreeSize(multiple_of=16, max_side=3840), qualities=("low", "medium", "high"),
                           max_n=10, max_input_images=16, quality_map=frozen({"hd": "high"}),
                           output_formats=("png", "jpeg", "webp"), extras=("output_format",)),
    # aspect ratios and resolution tiers, no quality words (Gemini's shape)
    "aspect": ModelSpec("google", "aspect", "gemini-generate-content", aspect_ratios=("1:1", "16:9", "9:16"),
                        resolutions=("1K", "2K"), quality_resolution=frozen({"hd": "2K"}), max_input_images=3),
    # negative prompt and seed on the wire (a compatible server's shape)
    "seeded": ModelSpec("openai-compatible", "seeded", "openai-images", free_size=FreeSize(multiple_of=8),
                        negative_prompt=True, seed=True, max_n=4),
    # nothing to choose at all
    "bare": ModelSpec("openai", "bare", "openai-images"),
}

PARAMETERS: dict[str, dict[str, Any]] = {
    "none": {},
    "defaults": {"size": "1792x1024", "aspect_ratio": "16:9", "resolution": "2K", "quality": "hd",
                 "style": "vivid", "count": 2, "seed": 7, "negative_prompt": "text"},
    "free-default": {"size": "1280x720", "quality": "high", "count": 9},
    "restricted": {"allowed_sizes": ["1024x1024", "512x512"], "allowed_aspect_ratios": ["1:1"],
                   "allowed_qualities": ["standard", "high"], "allowed_styles": ["natural"], "size": "1024x1024"},
}


@pytest.fixture(autouse=True)
def _made_up_models(monkeypatch: pytest.MonkeyPatch) -> None:
    def spec_for(provider: str, model: str) -> ModelSpec:
        return SPECS[model]

    monkeypatch.setattr(capabilities, "spec_for", spec_for)
    for module in (generate_image, edit_image):
        monkeypatch.setattr(module, "spec_for", spec_for, raising=False)


def test_generate_and_edit_schemas_are_unchanged() -> None:
    pinned: dict[str, Any] = {}
    for model, spec in SPECS.items():
        for label, parameters in PARAMETERS.items():
            for per_call in (1, 4, 10):
                profile = ImageToolProfile("art", spec.provider, model, parameters, per_call)
                key = f"{model} {label} max{per_call}"
                pinned[f"generate_image {key}"] = generate_image.input_schema(profile)
                if edit_image.can_edit(profile):
                    pinned[f"edit_image {key}"] = edit_image.input_schema(profile)
    check_json(GOLDEN, pinned)


def test_tool_declarations_carry_the_schema() -> None:
    profile = ImageToolProfile("art", "openai", "free-size", {"quality": "high"}, 4)
    assert generate_image.build_spec(profile).input_schema == generate_image.input_schema(profile)
    assert edit_image.build_spec(profile).input_schema == edit_image.input_schema(profile)
