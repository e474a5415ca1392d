"""The generate_image tool: pinned schemas per model in every format, input checks, and the handler.

The pins are what each LLM is shown; a change here changes what models are told they may send.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quilltap_tui.chat.spec import ToolCallRequest, parse_arguments
from quilltap_tui.errors import Invalid
from quilltap_tui.services import audit
from quilltap_tui.services.chat_turn_tools import ProfileImages
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.generation import GenerationService
from quilltap_tui.tools.generate_image import GenerateImageTool, ImageToolProfile, build_spec, parse_input
from quilltap_tui.tools.registry import ToolContext, ToolRegistry
from quilltap_tui.tools.render import (
    GEMINI_SCHEMA_KEYS,
    to_anthropic,
    to_gemini,
    to_gemini_tools,
    to_mcp,
    to_openai_chat,
    to_openai_responses,
)
from tests.chat_support import add_image_profile, make_ctx
from tests.fakes.image_servers import FakeOpenAIImages

PROMPT = {"type": "string", "description": "A detailed description of the image to make."}
NEGATIVE = {
    "type": "string",
    "description": "What the image must not show. Added to the prompt as an 'Avoid:' line.",
}


def count(top: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": 1, "maximum": top, "description": "How many images."}


GPT_IMAGE = ImageToolProfile("art", "openai", "gpt-image-1", {"quality": "high"}, 4)
GPT_IMAGE_SCHEMA = {
    "prompt": {**PROMPT, "maxLength": 32000},
    "size": {"type": "string", "enum": ["1024x1024", "1536x1024", "1024x1536", "auto"],
             "description": "Image size in pixels (WIDTHxHEIGHT)."},
    "quality": {"type": "string", "enum": ["low", "medium", "high", "auto"], "description": "Rendering quality.",
                "default": "high"},
    "count": count(4),
    "negative_prompt": NEGATIVE,
}
DALLE = ImageToolProfile("dalle", "openai", "dall-e-3", {"size": "1792x1024", "style": "natural"}, 1)
DALLE_SCHEMA = {
    "prompt": {**PROMPT, "maxLength": 4000},
    "size": {"type": "string", "enum": ["1024x1024", "1792x1024", "1024x1792"],
             "description": "Image size in pixels (WIDTHxHEIGHT).", "default": "1792x1024"},
    "quality": {"type": "string", "enum": ["standard", "hd"], "description": "Rendering quality."},
    "style": {"type": "string", "enum": ["vivid", "natural"], "description": "Visual style.", "default": "natural"},
    "count": count(1),
    "negative_prompt": NEGATIVE,
}
GROK = ImageToolProfile("grok", "grok", "grok-imagine-image", {"aspect_ratio": "16:9"}, 2)
GROK_SCHEMA = {
    "prompt": PROMPT,
    "aspect_ratio": {
        "type": "string",
        "enum": ["1:1", "3:4", "4:3", "9:16", "16:9", "2:3", "3:2", "9:19.5", "19.5:9", "9:20", "20:9", "1:2", "2:1",
                 "auto"],
        "description": "Aspect ratio (WIDTH:HEIGHT).",
        "default": "16:9",
    },
    "resolution": {"type": "string", "enum": ["1k", "2k"], "description": "Resolution tier."},
    "count": count(2),
    "negative_prompt": NEGATIVE,
}
GEMINI = ImageToolProfile("nano", "google", "gemini-3-pro-image", {"resolution": "2K"}, 10)
GEMINI_SCHEMA = {
    "prompt": PROMPT,
    "aspect_ratio": {
        "type": "string",
        "enum": ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"],
        "description": "Aspect ratio (WIDTH:HEIGHT).",
    },
    "resolution": {"type": "string", "enum": ["1K", "2K", "4K"], "description": "Resolution tier.", "default": "2K"},
    "count": count(4),  # the profile allows 10 per call; the schema caps it at 4
    "negative_prompt": NEGATIVE,
}
PINS = [
    (GPT_IMAGE, GPT_IMAGE_SCHEMA, "OpenAI gpt-image-1"),
    (DALLE, DALLE_SCHEMA, "OpenAI dall-e-3"),
    (GROK, GROK_SCHEMA, "xAI grok-imagine-image"),
    (GEMINI, GEMINI_SCHEMA, "Google gemini-3-pro-image"),
]


def description(name: str, what: str) -> str:
    return (
        f'Generate images with the image profile "{name}" ({what}). The images are saved and shown to the '
        "user automatically: do not repeat file paths or explain how to open them. Write a complete, "
        "specific prompt. The result lists the saved images, the settings actually used and any "
        "adjustments made."
    )


@pytest.mark.parametrize(("profile", "properties", "what"), PINS, ids=lambda v: getattr(v, "model", ""))
def test_rendered_schema_is_pinned_for_every_format(
    profile: ImageToolProfile, properties: dict[str, Any], what: str
) -> None:
    spec = build_spec(profile)
    full = {"type": "object", "properties": properties, "required": ["prompt"], "additionalProperties": False}
    text = description(profile.name, what)
    assert to_openai_chat(spec) == {
        "type": "function", "function": {"name": "generate_image", "description": text, "parameters": full}
    }
    assert to_openai_responses(spec) == {
        "type": "function", "name": "generate_image", "description": text, "parameters": full
    }
    assert to_anthropic(spec) == {"name": "generate_image", "description": text, "input_schema": full}
    assert to_mcp(spec) == {"name": "generate_image", "description": text, "inputSchema": full}
    gemini = {"type": "object", "properties": properties, "required": ["prompt"]}
    assert to_gemini(spec) == {"name": "generate_image", "description": text, "parameters": gemini}
    assert to_gemini_tools([spec]) == [{"functionDeclarations": [to_gemini(spec)]}]
    assert _keys(to_gemini(spec)["parameters"]) <= GEMINI_SCHEMA_KEYS | set(properties)


def _keys(node: Any) -> set[str]:
    if not isinstance(node, dict):
        return set()
    found = set(node)
    for value in node.values():
        found |= _keys(value)
    return found


def test_style_and_seed_only_where_the_model_has_them() -> None:
    assert "style" not in build_spec(GPT_IMAGE).input_schema["properties"]
    assert "size" not in build_spec(GROK).input_schema["properties"]
    assert all("seed" not in build_spec(p).input_schema["properties"] for p, _, _ in PINS)


def test_quoted_numbers_and_the_seed_vocabulary_are_accepted() -> None:
    prompt, options = parse_input(
        {"prompt": " a castle ", "size": "1792x1024", "quality": "hd", "style": "vivid", "count": "2", "seed": 7.0}
    )
    assert prompt == "a castle"
    assert (options.size, options.quality, options.style, options.count, options.seed) == (
        "1792x1024", "hd", "vivid", 2, 7
    )
    _, tiers = parse_input({"prompt": "x", "resolution": "2k"})
    assert (tiers.resolution, dict(tiers.extras)) == ("2k", {})  # an option of its own, not an extra


@pytest.mark.parametrize(
    ("arguments", "field", "words"),
    [
        ({"prompt": "x", "profile": "other", "api_key": "k"}, "api_key", "Unknown fields api_key, profile"),
        ({"prompt": 5}, "prompt", "prompt must be a string"),
        ({"size": "1024x1024"}, "prompt", "prompt is required"),
        ({"prompt": "x", "count": "two"}, "count", "count must be a whole number"),
        ({"prompt": "x", "count": 0}, "count", "count must be at least 1"),
        ({"prompt": "x", "size": ["1024x1024"]}, "size", "size must be a string"),
    ],
)
def test_bad_input_names_the_field(arguments: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_input(arguments)
    assert caught.value.field == field and words in str(caught.value)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[AppContext, FakeOpenAIImages, ToolRegistry]]:
    with FakeOpenAIImages() as fake:
        ctx = make_ctx(tmp_path / "home")
        add_image_profile(ctx, fake, parameters={"quality": "high"})  # type: ignore[arg-type]
        tool = GenerateImageTool(ProfileImages(GenerationService(ctx), GPT_IMAGE.name), GPT_IMAGE)
        yield ctx, fake, ToolRegistry([tool])  # type: ignore[misc]
        ctx.close()


def call(arguments: dict[str, Any] | str, name: str = "generate_image") -> ToolCallRequest:
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    parsed, error = parse_arguments(raw)
    return ToolCallRequest("call_1", name, parsed, raw, error)


async def test_handler_uses_the_profile_and_returns_a_short_result(
    setup: tuple[AppContext, FakeOpenAIImages, ToolRegistry],
) -> None:
    _, fake, registry = setup
    result = await registry.execute(call({"prompt": "a lighthouse", "size": "1792x1024", "count": "2"}), ToolContext())
    assert result.ok
    sent = fake.requests_to("/images/generations")[0].json
    assert sent == {"model": "gpt-image-1", "prompt": "a lighthouse", "n": 2, "size": "1536x1024", "quality": "high"}
    short = result.for_model
    assert set(short) == {"images", "used", "warnings", "revised_prompt", "shown_to_user"}
    assert [set(i) for i in short["images"]] == [{"id", "path", "width", "height", "mime_type"}] * 2
    assert short["used"]["size"] == "1536x1024" and any("1792x1024" in w for w in short["warnings"])
    text = result.model_text()
    assert len(text) < 2000 and "b64_json" not in text and "iVBOR" not in text
    assert set(result.result) == {"images", "profile", "provider", "model", "used", "warnings"}
    assert result.result["images"][0]["sha256"]


async def test_a_hundred_images_are_stopped_by_the_profile_limit_and_audited(
    setup: tuple[AppContext, FakeOpenAIImages, ToolRegistry],
) -> None:
    ctx, fake, registry = setup
    result = await registry.execute(call({"prompt": "many cats", "count": 100}), ToolContext())
    assert not result.ok and "at most 4 images per call" in str(result.error)
    assert fake.requests_to("/images/generations") == []
    (entry,) = audit.list_entries(ctx)
    assert (entry.outcome, entry.source, entry.parameters["count"]) == ("limited", "tool", 100)


async def test_bad_calls_become_error_results_not_exceptions(
    setup: tuple[AppContext, FakeOpenAIImages, ToolRegistry],
) -> None:
    _, fake, registry = setup
    broken = await registry.execute(call('{"prompt": "x"'), ToolContext())
    assert not broken.ok and "could not be read" in str(broken.error)
    unknown = await registry.execute(call({"prompt": "x"}, name="draw"), ToolContext())
    assert unknown.for_model == {"error": "There is no tool named 'draw'; available tools: generate_image."}
    extra = await registry.execute(call({"prompt": "x", "profile": "other"}), ToolContext())
    assert not extra.ok and "Unknown field profile" in str(extra.error)
    refused = await registry.execute(call({"prompt": "[refuse] this"}), ToolContext())
    assert not refused.ok and "refused" in str(refused.error)
    assert len(fake.requests_to("/images/generations")) == 1  # only the refused one reached the provider


def test_profile_restrictions_narrow_the_schema() -> None:
    restricted = ImageToolProfile(
        "small", "openai", "dall-e-3",
        {"allowed_sizes": ["1024x1024"], "allowed_styles": ["natural"], "allowed_qualities": ["standard"]},
    )
    props = build_spec(restricted).input_schema["properties"]
    assert props["size"]["enum"] == ["1024x1024"]
    assert props["style"]["enum"] == ["natural"]
    assert props["quality"]["enum"] == ["standard"]
    free = ImageToolProfile("fixed", "openai", "gpt-image-2", {"allowed_sizes": ["1024x1024", "2048x1152"]})
    assert build_spec(free).input_schema["properties"]["size"]["enum"] == ["1024x1024", "2048x1152"]
    ratios = ImageToolProfile("wide", "google", "gemini-2.5-flash-image", {"allowed_aspect_ratios": ["16:9"]})
    assert build_spec(ratios).input_schema["properties"]["aspect_ratio"]["enum"] == ["16:9"]
