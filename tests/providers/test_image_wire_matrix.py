"""Every built-in model, a typical and an awkward (seed-vocabulary) request, end to end on the wire.

Each case goes through the real mapping and the real provider against its loopback fake, and pins the
exact JSON body, the path, the auth header, what was ``used`` and the warnings. The expected values
were checked by hand against provider-wire.md (sizes per model, quality words, style only on dall-e-3,
``response_format`` only on dall-e, ``b64_json`` asked of xAI, the Gemini key in a header).
"""

from __future__ import annotations

from typing import Any

import pytest

from quilltap_tui.imagegen.capabilities import spec_for
from quilltap_tui.imagegen.mapping import plan
from quilltap_tui.imagegen.registry import get_image_provider
from quilltap_tui.imagegen.spec import ImageRequest
from tests.fakes.image_servers import TEST_KEYS, FakeGoogle, FakeOpenAIImages, FakeXAIImages

FAKES = {"openai": FakeOpenAIImages, "grok": FakeXAIImages, "google": FakeGoogle}
AUTH = {
    "openai": ("authorization", f"Bearer {TEST_KEYS['openai']}"),
    "grok": ("authorization", f"Bearer {TEST_KEYS['grok']}"),
    "google": ("x-goog-api-key", TEST_KEYS["google"]),
}

CASES = [
    (
        "openai",
        "gpt-image-2",
        "typical",
        1,
        "/images/generations",
        {"model": "gpt-image-2", "prompt": "a red fox", "n": 1},
        {
            "size": None,
            "aspect_ratio": None,
            "quality": None,
            "style": None,
            "count": 1,
            "negative_prompt": None,
            "seed": None,
        },
        [],
    ),
    (
        "openai",
        "gpt-image-2",
        "awkward",
        1,
        "/images/generations",
        {"model": "gpt-image-2", "prompt": "a red fox\n\nAvoid: blur", "n": 4, "size": "1792x1024", "quality": "high"},
        {
            "size": "1792x1024",
            "aspect_ratio": None,
            "quality": "high",
            "style": None,
            "count": 4,
            "negative_prompt": "blur",
            "seed": None,
        },
        [
            "quality hd was translated to high for gpt-image-2.",
            "style vivid is not a setting on gpt-image-2; dropped.",
            'negative prompt is not a setting on gpt-image-2; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "openai",
        "gpt-image-1.5",
        "typical",
        1,
        "/images/generations",
        {"model": "gpt-image-1.5", "prompt": "a red fox", "n": 1},
        {
            "size": None,
            "aspect_ratio": None,
            "quality": None,
            "style": None,
            "count": 1,
            "negative_prompt": None,
            "seed": None,
        },
        ["gpt-image-1.5 is deprecated by OpenAI and shuts down 2026-12-01."],
    ),
    (
        "openai",
        "gpt-image-1.5",
        "awkward",
        1,
        "/images/generations",
        {
            "model": "gpt-image-1.5",
            "prompt": "a red fox\n\nAvoid: blur",
            "n": 4,
            "size": "1536x1024",
            "quality": "high",
        },
        {
            "size": "1536x1024",
            "aspect_ratio": None,
            "quality": "high",
            "style": None,
            "count": 4,
            "negative_prompt": "blur",
            "seed": None,
        },
        [
            "gpt-image-1.5 is deprecated by OpenAI and shuts down 2026-12-01.",
            "size 1792x1024 is not available on gpt-image-1.5; used 1536x1024 (nearest).",
            "quality hd was translated to high for gpt-image-1.5.",
            "style vivid is not a setting on gpt-image-1.5; dropped.",
            'negative prompt is not a setting on gpt-image-1.5; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "openai",
        "gpt-image-1",
        "typical",
        1,
        "/images/generations",
        {"model": "gpt-image-1", "prompt": "a red fox", "n": 1},
        {
            "size": None,
            "aspect_ratio": None,
            "quality": None,
            "style": None,
            "count": 1,
            "negative_prompt": None,
            "seed": None,
        },
        [],
    ),
    (
        "openai",
        "gpt-image-1",
        "awkward",
        1,
        "/images/generations",
        {"model": "gpt-image-1", "prompt": "a red fox\n\nAvoid: blur", "n": 4, "size": "1536x1024", "quality": "high"},
        {
            "size": "1536x1024",
            "aspect_ratio": None,
            "quality": "high",
            "style": None,
            "count": 4,
            "negative_prompt": "blur",
            "seed": None,
        },
        [
            "size 1792x1024 is not available on gpt-image-1; used 1536x1024 (nearest).",
            "quality hd was translated to high for gpt-image-1.",
            "style vivid is not a setting on gpt-image-1; dropped.",
            'negative prompt is not a setting on gpt-image-1; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "openai",
        "gpt-image-1-mini",
        "typical",
        1,
        "/images/generations",
        {"model": "gpt-image-1-mini", "prompt": "a red fox", "n": 1},
        {
            "size": None,
            "aspect_ratio": None,
            "quality": None,
            "style": None,
            "count": 1,
            "negative_prompt": None,
            "seed": None,
        },
        ["gpt-image-1-mini is deprecated by OpenAI and shuts down 2026-12-01."],
    ),
    (
        "openai",
        "gpt-image-1-mini",
        "awkward",
        1,
        "/images/generations",
        {
            "model": "gpt-image-1-mini",
            "prompt": "a red fox\n\nAvoid: blur",
            "n": 4,
            "size": "1536x1024",
            "quality": "high",
        },
        {
            "size": "1536x1024",
            "aspect_ratio": None,
            "quality": "high",
            "style": None,
            "count": 4,
            "negative_prompt": "blur",
            "seed": None,
        },
        [
            "gpt-image-1-mini is deprecated by OpenAI and shuts down 2026-12-01.",
            "size 1792x1024 is not available on gpt-image-1-mini; used 1536x1024 (nearest).",
            "quality hd was translated to high for gpt-image-1-mini.",
            "style vivid is not a setting on gpt-image-1-mini; dropped.",
            'negative prompt is not a setting on gpt-image-1-mini; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "openai",
        "dall-e-3",
        "typical",
        1,
        "/images/generations",
        {"model": "dall-e-3", "prompt": "a red fox", "n": 1, "response_format": "b64_json"},
        {
            "size": None,
            "aspect_ratio": None,
            "quality": None,
            "style": None,
            "count": 1,
            "negative_prompt": None,
            "seed": None,
        },
        [
            "dall-e-3 is retired by OpenAI (since 2026-05-12); sent anyway because compatible servers may still serve it."
        ],
    ),
    (
        "openai",
        "dall-e-3",
        "awkward",
        4,
        "/images/generations",
        {
            "model": "dall-e-3",
            "prompt": "a red fox\n\nAvoid: blur",
            "n": 1,
            "size": "1792x1024",
            "quality": "hd",
            "style": "vivid",
            "response_format": "b64_json",
        },
        {
            "size": "1792x1024",
            "aspect_ratio": None,
            "quality": "hd",
            "style": "vivid",
            "count": 4,
            "negative_prompt": "blur",
            "seed": None,
        },
        [
            "dall-e-3 is retired by OpenAI (since 2026-05-12); sent anyway because compatible servers may still serve it.",
            'negative prompt is not a setting on dall-e-3; added to the prompt as an "Avoid:" line.',
            "count 4 split into 4 requests (dall-e-3 makes 1 image per request).",
        ],
    ),
    (
        "openai",
        "dall-e-2",
        "typical",
        1,
        "/images/generations",
        {"model": "dall-e-2", "prompt": "a red fox", "n": 1, "response_format": "b64_json"},
        {
            "size": None,
            "aspect_ratio": None,
            "quality": None,
            "style": None,
            "count": 1,
            "negative_prompt": None,
            "seed": None,
        },
        [
            "dall-e-2 is retired by OpenAI (since 2026-05-12); sent anyway because compatible servers may still serve it."
        ],
    ),
    (
        "openai",
        "dall-e-2",
        "awkward",
        1,
        "/images/generations",
        {
            "model": "dall-e-2",
            "prompt": "a red fox\n\nAvoid: blur",
            "n": 4,
            "size": "1024x1024",
            "quality": "standard",
            "response_format": "b64_json",
        },
        {
            "size": "1024x1024",
            "aspect_ratio": None,
            "quality": "standard",
            "style": None,
            "count": 4,
            "negative_prompt": "blur",
            "seed": None,
        },
        [
            "dall-e-2 is retired by OpenAI (since 2026-05-12); sent anyway because compatible servers may still serve it.",
            "size 1792x1024 is not available on dall-e-2; used 1024x1024 (nearest).",
            "quality hd was translated to standard for dall-e-2.",
            "style vivid is not a setting on dall-e-2; dropped.",
            'negative prompt is not a setting on dall-e-2; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "grok",
        "grok-imagine-image",
        "typical",
        1,
        "/images/generations",
        {"model": "grok-imagine-image", "prompt": "a red fox", "n": 1, "response_format": "b64_json"},
        {
            "size": None,
            "aspect_ratio": None,
            "quality": None,
            "style": None,
            "count": 1,
            "negative_prompt": None,
            "seed": None,
        },
        [],
    ),
    (
        "grok",
        "grok-imagine-image",
        "awkward",
        1,
        "/images/generations",
        {
            "model": "grok-imagine-image",
            "prompt": "a red fox\n\nAvoid: blur",
            "n": 4,
            "response_format": "b64_json",
            "aspect_ratio": "16:9",
            "resolution": "2k",
        },
        {
            "size": None,
            "aspect_ratio": "16:9",
            "quality": None,
            "style": None,
            "count": 4,
            "negative_prompt": "blur",
            "seed": None,
        },
        [
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 2k (grok-imagine-image takes an aspect ratio, not a size).",
            "quality hd is not a setting on grok-imagine-image; dropped.",
            "style vivid is not a setting on grok-imagine-image; dropped.",
            'negative prompt is not a setting on grok-imagine-image; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "grok",
        "grok-imagine-image-2.0",
        "typical",
        1,
        "/images/generations",
        {"model": "grok-imagine-image-2.0", "prompt": "a red fox", "n": 1, "response_format": "b64_json"},
        {
            "size": None,
            "aspect_ratio": None,
            "quality": None,
            "style": None,
            "count": 1,
            "negative_prompt": None,
            "seed": None,
        },
        [],
    ),
    (
        "grok",
        "grok-imagine-image-2.0",
        "awkward",
        1,
        "/images/generations",
        {
            "model": "grok-imagine-image-2.0",
            "prompt": "a red fox\n\nAvoid: blur",
            "n": 4,
            "response_format": "b64_json",
            "aspect_ratio": "16:9",
            "resolution": "2k",
            "quality": "medium",
        },
        {
            "size": None,
            "aspect_ratio": "16:9",
            "quality": "medium",
            "style": None,
            "count": 4,
            "negative_prompt": "blur",
            "seed": None,
        },
        [
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 2k (grok-imagine-image-2.0 takes an aspect ratio, not a size).",
            "quality hd was translated to medium for grok-imagine-image-2.0.",
            "style vivid is not a setting on grok-imagine-image-2.0; dropped.",
            'negative prompt is not a setting on grok-imagine-image-2.0; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "google",
        "gemini-2.5-flash-image",
        "typical",
        1,
        "/models/gemini-2.5-flash-image:generateContent",
        {
            "contents": [{"role": "user", "parts": [{"text": "a red fox"}]}],
            "generationConfig": {"responseModalities": ["TEXT", "IMAGE"]},
        },
        {
            "size": None,
            "aspect_ratio": None,
            "quality": None,
            "style": None,
            "count": 1,
            "negative_prompt": None,
            "seed": None,
        },
        [],
    ),
    (
        "google",
        "gemini-2.5-flash-image",
        "awkward",
        4,
        "/models/gemini-2.5-flash-image:generateContent",
        {
            "contents": [{"role": "user", "parts": [{"text": "a red fox\n\nAvoid: blur"}]}],
            "generationConfig": {"responseModalities": ["TEXT", "IMAGE"], "imageConfig": {"aspectRatio": "16:9"}},
        },
        {
            "size": None,
            "aspect_ratio": "16:9",
            "quality": None,
            "style": None,
            "count": 4,
            "negative_prompt": "blur",
            "seed": None,
        },
        [
            "size 1792x1024 was sent as aspect ratio 16:9 (gemini-2.5-flash-image takes an aspect ratio, not a size).",
            "quality hd is not a setting on gemini-2.5-flash-image; dropped.",
            "style vivid is not a setting on gemini-2.5-flash-image; dropped.",
            'negative prompt is not a setting on gemini-2.5-flash-image; added to the prompt as an "Avoid:" line.',
            "count 4 split into 4 requests (gemini-2.5-flash-image makes 1 image per request).",
        ],
    ),
    (
        "google",
        "gemini-3-pro-image",
        "typical",
        1,
        "/models/gemini-3-pro-image:generateContent",
        {
            "contents": [{"role": "user", "parts": [{"text": "a red fox"}]}],
            "generationConfig": {"responseModalities": ["TEXT", "IMAGE"]},
        },
        {
            "size": None,
            "aspect_ratio": None,
            "quality": None,
            "style": None,
            "count": 1,
            "negative_prompt": None,
            "seed": None,
        },
        [],
    ),
    (
        "google",
        "gemini-3-pro-image",
        "awkward",
        4,
        "/models/gemini-3-pro-image:generateContent",
        {
            "contents": [{"role": "user", "parts": [{"text": "a red fox\n\nAvoid: blur"}]}],
            "generationConfig": {
                "responseModalities": ["TEXT", "IMAGE"],
                "imageConfig": {"aspectRatio": "16:9", "imageSize": "2K"},
            },
        },
        {
            "size": None,
            "aspect_ratio": "16:9",
            "quality": None,
            "style": None,
            "count": 4,
            "negative_prompt": "blur",
            "seed": None,
        },
        [
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 2K (gemini-3-pro-image takes an aspect ratio, not a size).",
            "quality hd is not a setting on gemini-3-pro-image; dropped (resolution 2K was already chosen).",
            "style vivid is not a setting on gemini-3-pro-image; dropped.",
            'negative prompt is not a setting on gemini-3-pro-image; added to the prompt as an "Avoid:" line.',
            "count 4 split into 4 requests (gemini-3-pro-image makes 1 image per request).",
        ],
    ),
    (
        "google",
        "gemini-3.1-flash-image",
        "typical",
        1,
        "/models/gemini-3.1-flash-image:generateContent",
        {
            "contents": [{"role": "user", "parts": [{"text": "a red fox"}]}],
            "generationConfig": {"responseModalities": ["TEXT", "IMAGE"]},
        },
        {
            "size": None,
            "aspect_ratio": None,
            "quality": None,
            "style": None,
            "count": 1,
            "negative_prompt": None,
            "seed": None,
        },
        [],
    ),
    (
        "google",
        "gemini-3.1-flash-image",
        "awkward",
        4,
        "/models/gemini-3.1-flash-image:generateContent",
        {
            "contents": [{"role": "user", "parts": [{"text": "a red fox\n\nAvoid: blur"}]}],
            "generationConfig": {
                "responseModalities": ["TEXT", "IMAGE"],
                "imageConfig": {"aspectRatio": "16:9", "imageSize": "2K"},
            },
        },
        {
            "size": None,
            "aspect_ratio": "16:9",
            "quality": None,
            "style": None,
            "count": 4,
            "negative_prompt": "blur",
            "seed": None,
        },
        [
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 2K (gemini-3.1-flash-image takes an aspect ratio, not a size).",
            "quality hd is not a setting on gemini-3.1-flash-image; dropped (resolution 2K was already chosen).",
            "style vivid is not a setting on gemini-3.1-flash-image; dropped.",
            'negative prompt is not a setting on gemini-3.1-flash-image; added to the prompt as an "Avoid:" line.',
            "count 4 split into 4 requests (gemini-3.1-flash-image makes 1 image per request).",
        ],
    ),
    (
        "google",
        "imagen-4.0-generate-001",
        "typical",
        1,
        "/models/imagen-4.0-generate-001:predict",
        {"instances": [{"prompt": "a red fox"}], "parameters": {"sampleCount": 1, "includeRaiReason": True}},
        {
            "size": None,
            "aspect_ratio": None,
            "quality": None,
            "style": None,
            "count": 1,
            "negative_prompt": None,
            "seed": None,
        },
        [
            "imagen-4.0-generate-001 is retired by Google (since 2026-08-17); sent anyway because compatible servers may still serve it."
        ],
    ),
    (
        "google",
        "imagen-4.0-generate-001",
        "awkward",
        1,
        "/models/imagen-4.0-generate-001:predict",
        {
            "instances": [{"prompt": "a red fox\n\nAvoid: blur"}],
            "parameters": {"sampleCount": 4, "includeRaiReason": True, "aspectRatio": "16:9", "sampleImageSize": "2K"},
        },
        {
            "size": None,
            "aspect_ratio": "16:9",
            "quality": None,
            "style": None,
            "count": 4,
            "negative_prompt": "blur",
            "seed": None,
        },
        [
            "imagen-4.0-generate-001 is retired by Google (since 2026-08-17); sent anyway because compatible servers may still serve it.",
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 2K (imagen-4.0-generate-001 takes an aspect ratio, not a size).",
            "quality hd is not a setting on imagen-4.0-generate-001; dropped (resolution 2K was already chosen).",
            "style vivid is not a setting on imagen-4.0-generate-001; dropped.",
            'negative prompt is not a setting on imagen-4.0-generate-001; added to the prompt as an "Avoid:" line.',
        ],
    ),
]


def request_for(model: str, label: str) -> ImageRequest:
    if label == "typical":
        return ImageRequest(prompt="a red fox", model=model)
    return ImageRequest(
        prompt="a red fox", model=model, size="1792x1024", quality="hd", style="vivid", count=4, negative_prompt="blur"
    )


@pytest.mark.parametrize(
    ("provider", "model", "label", "calls", "path", "body", "used", "warnings"),
    CASES,
    ids=[f"{c[1]}-{c[2]}" for c in CASES],
)
async def test_wire_request_used_and_warnings(
    provider: str,
    model: str,
    label: str,
    calls: int,
    path: str,
    body: dict[str, Any],
    used: dict[str, Any],
    warnings: list[str],
) -> None:
    planned = plan(spec_for(provider, model), request_for(model, label))
    assert planned.used.as_dict() == used
    assert planned.warnings == warnings
    assert len(planned.calls) == calls
    with FAKES[provider]() as fake:
        client = get_image_provider(provider)
        try:
            images, _warnings, _raw = await client.generate(
                planned.calls[0], api_key=TEST_KEYS[provider], base_url=fake.base_url
            )
        finally:
            await client.aclose()
        sent = [r for r in fake.requests if r.method == "POST"]
        assert len(sent) == 1
        assert sent[0].path == fake.prefix + path
        assert sent[0].json == body
        header, value = AUTH[provider]
        assert sent[0].headers[header] == value
        assert "key=" not in sent[0].path and not sent[0].query
        assert len(images) == planned.calls[0].n
        assert all(image.mime_type in ("image/png", "image/jpeg") for image in images)
