"""Every catalogue model, a typical and an awkward (seed-vocabulary) request, end to end on the wire.

Each case goes through the real mapping and the real provider against its loopback fake, and pins the
exact JSON body, the path, the auth header, what was ``used`` and the warnings. The expected values
were checked by hand against provider-wire.md (sizes per model, quality words, style only on dall-e-3,
``response_format`` only on dall-e, ``b64_json`` asked of xAI, the Gemini key in a header).
"""

from __future__ import annotations

from typing import Any

import pytest

from quilltap_tui.imagegen.capabilities import known_models, spec_for
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
        "gpt-image-2.6-sunburst",
        "typical",
        1,
        "/images/generations",
        {"model": "gpt-image-2.6-sunburst", "prompt": "a red fox", "n": 1},
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
        "gpt-image-2.6-sunburst",
        "awkward",
        1,
        "/images/generations",
        {
            "model": "gpt-image-2.6-sunburst",
            "prompt": "a red fox\n\nAvoid: blur",
            "n": 4,
            "size": "1792x1024",
            "quality": "high",
        },
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
            "quality hd was translated to high for gpt-image-2.6-sunburst.",
            "style vivid is not a setting on gpt-image-2.6-sunburst; dropped.",
            'negative prompt is not a setting on gpt-image-2.6-sunburst; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "openai",
        "gpt-image-2.6-flare",
        "typical",
        1,
        "/images/generations",
        {"model": "gpt-image-2.6-flare", "prompt": "a red fox", "n": 1},
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
        "gpt-image-2.6-flare",
        "awkward",
        1,
        "/images/generations",
        {
            "model": "gpt-image-2.6-flare",
            "prompt": "a red fox\n\nAvoid: blur",
            "n": 4,
            "size": "1792x1024",
            "quality": "high",
        },
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
            "quality hd was translated to high for gpt-image-2.6-flare.",
            "style vivid is not a setting on gpt-image-2.6-flare; dropped.",
            'negative prompt is not a setting on gpt-image-2.6-flare; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "openai",
        "gpt-image-2.5-sunburst",
        "typical",
        1,
        "/images/generations",
        {"model": "gpt-image-2.5-sunburst", "prompt": "a red fox", "n": 1},
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
        "gpt-image-2.5-sunburst",
        "awkward",
        1,
        "/images/generations",
        {
            "model": "gpt-image-2.5-sunburst",
            "prompt": "a red fox\n\nAvoid: blur",
            "n": 4,
            "size": "1792x1024",
            "quality": "high",
        },
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
            "quality hd was translated to high for gpt-image-2.5-sunburst.",
            "style vivid is not a setting on gpt-image-2.5-sunburst; dropped.",
            'negative prompt is not a setting on gpt-image-2.5-sunburst; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "openai",
        "gpt-image-2.5-sunburst-2026-09-08",
        "typical",
        1,
        "/images/generations",
        {"model": "gpt-image-2.5-sunburst-2026-09-08", "prompt": "a red fox", "n": 1},
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
        "gpt-image-2.5-sunburst-2026-09-08",
        "awkward",
        1,
        "/images/generations",
        {
            "model": "gpt-image-2.5-sunburst-2026-09-08",
            "prompt": "a red fox\n\nAvoid: blur",
            "n": 4,
            "size": "1792x1024",
            "quality": "high",
        },
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
            "quality hd was translated to high for gpt-image-2.5-sunburst-2026-09-08.",
            "style vivid is not a setting on gpt-image-2.5-sunburst-2026-09-08; dropped.",
            'negative prompt is not a setting on gpt-image-2.5-sunburst-2026-09-08; added to the prompt as an "Avoid:" '
            "line.",
        ],
    ),
    (
        "openai",
        "gpt-image-2.5-flare",
        "typical",
        1,
        "/images/generations",
        {"model": "gpt-image-2.5-flare", "prompt": "a red fox", "n": 1},
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
        "gpt-image-2.5-flare",
        "awkward",
        1,
        "/images/generations",
        {
            "model": "gpt-image-2.5-flare",
            "prompt": "a red fox\n\nAvoid: blur",
            "n": 4,
            "size": "1792x1024",
            "quality": "high",
        },
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
            "quality hd was translated to high for gpt-image-2.5-flare.",
            "style vivid is not a setting on gpt-image-2.5-flare; dropped.",
            'negative prompt is not a setting on gpt-image-2.5-flare; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "openai",
        "gpt-image-2.5-flare-2026-09-08",
        "typical",
        1,
        "/images/generations",
        {"model": "gpt-image-2.5-flare-2026-09-08", "prompt": "a red fox", "n": 1},
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
        "gpt-image-2.5-flare-2026-09-08",
        "awkward",
        1,
        "/images/generations",
        {
            "model": "gpt-image-2.5-flare-2026-09-08",
            "prompt": "a red fox\n\nAvoid: blur",
            "n": 4,
            "size": "1792x1024",
            "quality": "high",
        },
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
            "quality hd was translated to high for gpt-image-2.5-flare-2026-09-08.",
            "style vivid is not a setting on gpt-image-2.5-flare-2026-09-08; dropped.",
            'negative prompt is not a setting on gpt-image-2.5-flare-2026-09-08; added to the prompt as an "Avoid:" line.',
        ],
    ),
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
        "gpt-image-2-2026-04-21",
        "typical",
        1,
        "/images/generations",
        {"model": "gpt-image-2-2026-04-21", "prompt": "a red fox", "n": 1},
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
        "gpt-image-2-2026-04-21",
        "awkward",
        1,
        "/images/generations",
        {
            "model": "gpt-image-2-2026-04-21",
            "prompt": "a red fox\n\nAvoid: blur",
            "n": 4,
            "size": "1792x1024",
            "quality": "high",
        },
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
            "quality hd was translated to high for gpt-image-2-2026-04-21.",
            "style vivid is not a setting on gpt-image-2-2026-04-21; dropped.",
            'negative prompt is not a setting on gpt-image-2-2026-04-21; added to the prompt as an "Avoid:" line.',
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
        [
            "gpt-image-1.5 was retired by OpenAI on 2026-12-01; sent anyway because compatible servers may still serve it. "
            "Use gpt-image-2.6-sunburst instead."
        ],
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
            "gpt-image-1.5 was retired by OpenAI on 2026-12-01; sent anyway because compatible servers may still serve it. "
            "Use gpt-image-2.6-sunburst instead.",
            "size 1792x1024 is not available on gpt-image-1.5; used 1536x1024 (nearest).",
            "quality hd was translated to high for gpt-image-1.5.",
            "style vivid is not a setting on gpt-image-1.5; dropped.",
            'negative prompt is not a setting on gpt-image-1.5; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "openai",
        "gpt-image-1.5-2025-12-16",
        "typical",
        1,
        "/images/generations",
        {"model": "gpt-image-1.5-2025-12-16", "prompt": "a red fox", "n": 1},
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
            "gpt-image-1.5-2025-12-16 was retired by OpenAI on 2026-12-01; sent anyway because compatible servers may still "
            "serve it. Use gpt-image-2.6-sunburst instead."
        ],
    ),
    (
        "openai",
        "gpt-image-1.5-2025-12-16",
        "awkward",
        1,
        "/images/generations",
        {
            "model": "gpt-image-1.5-2025-12-16",
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
            "gpt-image-1.5-2025-12-16 was retired by OpenAI on 2026-12-01; sent anyway because compatible servers may still "
            "serve it. Use gpt-image-2.6-sunburst instead.",
            "size 1792x1024 is not available on gpt-image-1.5-2025-12-16; used 1536x1024 (nearest).",
            "quality hd was translated to high for gpt-image-1.5-2025-12-16.",
            "style vivid is not a setting on gpt-image-1.5-2025-12-16; dropped.",
            'negative prompt is not a setting on gpt-image-1.5-2025-12-16; added to the prompt as an "Avoid:" line.',
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
        [
            "gpt-image-1-mini was retired by OpenAI on 2026-12-01; sent anyway because compatible servers may still serve it. "
            "Use gpt-image-2.6-flare instead."
        ],
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
            "gpt-image-1-mini was retired by OpenAI on 2026-12-01; sent anyway because compatible servers may still serve it. "
            "Use gpt-image-2.6-flare instead.",
            "size 1792x1024 is not available on gpt-image-1-mini; used 1536x1024 (nearest).",
            "quality hd was translated to high for gpt-image-1-mini.",
            "style vivid is not a setting on gpt-image-1-mini; dropped.",
            'negative prompt is not a setting on gpt-image-1-mini; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "openai",
        "chatgpt-image-latest",
        "typical",
        1,
        "/images/generations",
        {"model": "chatgpt-image-latest", "prompt": "a red fox", "n": 1},
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
            "chatgpt-image-latest was retired by OpenAI on 2026-12-01; sent anyway because compatible servers may still serve "
            "it. Use gpt-image-2.6-sunburst instead."
        ],
    ),
    (
        "openai",
        "chatgpt-image-latest",
        "awkward",
        1,
        "/images/generations",
        {
            "model": "chatgpt-image-latest",
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
            "chatgpt-image-latest was retired by OpenAI on 2026-12-01; sent anyway because compatible servers may still serve "
            "it. Use gpt-image-2.6-sunburst instead.",
            "size 1792x1024 is not available on chatgpt-image-latest; used 1536x1024 (nearest).",
            "quality hd was translated to high for chatgpt-image-latest.",
            "style vivid is not a setting on chatgpt-image-latest; dropped.",
            'negative prompt is not a setting on chatgpt-image-latest; added to the prompt as an "Avoid:" line.',
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
        [
            "gpt-image-1 was retired by OpenAI on 2026-10-23; sent anyway because compatible servers may still serve it. Use "
            "gpt-image-2.5-sunburst instead."
        ],
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
            "gpt-image-1 was retired by OpenAI on 2026-10-23; sent anyway because compatible servers may still serve it. Use "
            "gpt-image-2.5-sunburst instead.",
            "size 1792x1024 is not available on gpt-image-1; used 1536x1024 (nearest).",
            "quality hd was translated to high for gpt-image-1.",
            "style vivid is not a setting on gpt-image-1; dropped.",
            'negative prompt is not a setting on gpt-image-1; added to the prompt as an "Avoid:" line.',
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
            "dall-e-3 was retired by OpenAI on 2026-05-12; sent anyway because compatible servers may still serve it. Use "
            "gpt-image-2 instead."
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
            "dall-e-3 was retired by OpenAI on 2026-05-12; sent anyway because compatible servers may still serve it. Use "
            "gpt-image-2 instead.",
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
            "dall-e-2 was retired by OpenAI on 2026-05-12; sent anyway because compatible servers may still serve it. Use "
            "gpt-image-2 instead."
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
            "dall-e-2 was retired by OpenAI on 2026-05-12; sent anyway because compatible servers may still serve it. Use "
            "gpt-image-2 instead.",
            "size 1792x1024 is not available on dall-e-2; used 1024x1024 (nearest).",
            "quality hd was translated to standard for dall-e-2.",
            "style vivid is not a setting on dall-e-2; dropped.",
            'negative prompt is not a setting on dall-e-2; added to the prompt as an "Avoid:" line.',
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
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 2k (grok-imagine-image-2.0 takes an aspect ratio, not "
            "a size).",
            "quality hd was translated to medium for grok-imagine-image-2.0.",
            "style vivid is not a setting on grok-imagine-image-2.0; dropped.",
            'negative prompt is not a setting on grok-imagine-image-2.0; added to the prompt as an "Avoid:" line.',
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
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 2k (grok-imagine-image takes an aspect ratio, not a "
            "size).",
            "quality hd is not a setting on grok-imagine-image; dropped.",
            "style vivid is not a setting on grok-imagine-image; dropped.",
            'negative prompt is not a setting on grok-imagine-image; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "grok",
        "grok-imagine-image-quality",
        "typical",
        1,
        "/images/generations",
        {"model": "grok-imagine-image-quality", "prompt": "a red fox", "n": 1, "response_format": "b64_json"},
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
            "grok-imagine-image-quality was retired by xAI on 2026-11-02; xAI now serves grok-imagine-image-2.0 at quality "
            "low in its place. Use grok-imagine-image-2.0 instead."
        ],
    ),
    (
        "grok",
        "grok-imagine-image-quality",
        "awkward",
        1,
        "/images/generations",
        {
            "model": "grok-imagine-image-quality",
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
            "grok-imagine-image-quality was retired by xAI on 2026-11-02; xAI now serves grok-imagine-image-2.0 at quality "
            "low in its place. Use grok-imagine-image-2.0 instead.",
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 2k (grok-imagine-image-quality takes an aspect ratio, "
            "not a size).",
            "quality hd is not a setting on grok-imagine-image-quality; dropped.",
            "style vivid is not a setting on grok-imagine-image-quality; dropped.",
            'negative prompt is not a setting on grok-imagine-image-quality; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "grok",
        "grok-imagine-image-pro",
        "typical",
        1,
        "/images/generations",
        {"model": "grok-imagine-image-pro", "prompt": "a red fox", "n": 1, "response_format": "b64_json"},
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
            "grok-imagine-image-pro was retired by xAI on 2026-05-15; xAI now serves grok-imagine-image-2.0 at quality low in "
            "its place. Use grok-imagine-image-2.0 instead."
        ],
    ),
    (
        "grok",
        "grok-imagine-image-pro",
        "awkward",
        1,
        "/images/generations",
        {
            "model": "grok-imagine-image-pro",
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
            "grok-imagine-image-pro was retired by xAI on 2026-05-15; xAI now serves grok-imagine-image-2.0 at quality low in "
            "its place. Use grok-imagine-image-2.0 instead.",
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 2k (grok-imagine-image-pro takes an aspect ratio, not "
            "a size).",
            "quality hd is not a setting on grok-imagine-image-pro; dropped.",
            "style vivid is not a setting on grok-imagine-image-pro; dropped.",
            'negative prompt is not a setting on grok-imagine-image-pro; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "grok",
        "grok-2-image",
        "typical",
        1,
        "/images/generations",
        {"model": "grok-2-image", "prompt": "a red fox", "n": 1, "response_format": "b64_json"},
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
            "grok-2-image was retired by xAI; sent anyway because compatible servers may still serve it. Use "
            "grok-imagine-image-2.0 instead."
        ],
    ),
    (
        "grok",
        "grok-2-image",
        "awkward",
        1,
        "/images/generations",
        {"model": "grok-2-image", "prompt": "a red fox\n\nAvoid: blur", "n": 4, "response_format": "b64_json"},
        {
            "size": None,
            "aspect_ratio": None,
            "quality": None,
            "style": None,
            "count": 4,
            "negative_prompt": "blur",
            "seed": None,
        },
        [
            "grok-2-image was retired by xAI; sent anyway because compatible servers may still serve it. Use "
            "grok-imagine-image-2.0 instead.",
            "size 1792x1024 is not a setting on grok-2-image; dropped.",
            "quality hd is not a setting on grok-2-image; dropped.",
            "style vivid is not a setting on grok-2-image; dropped.",
            'negative prompt is not a setting on grok-2-image; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "grok",
        "grok-2-image-1212",
        "typical",
        1,
        "/images/generations",
        {"model": "grok-2-image-1212", "prompt": "a red fox", "n": 1, "response_format": "b64_json"},
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
            "grok-2-image-1212 was retired by xAI; sent anyway because compatible servers may still serve it. Use "
            "grok-imagine-image-2.0 instead."
        ],
    ),
    (
        "grok",
        "grok-2-image-1212",
        "awkward",
        1,
        "/images/generations",
        {"model": "grok-2-image-1212", "prompt": "a red fox\n\nAvoid: blur", "n": 4, "response_format": "b64_json"},
        {
            "size": None,
            "aspect_ratio": None,
            "quality": None,
            "style": None,
            "count": 4,
            "negative_prompt": "blur",
            "seed": None,
        },
        [
            "grok-2-image-1212 was retired by xAI; sent anyway because compatible servers may still serve it. Use "
            "grok-imagine-image-2.0 instead.",
            "size 1792x1024 is not a setting on grok-2-image-1212; dropped.",
            "quality hd is not a setting on grok-2-image-1212; dropped.",
            "style vivid is not a setting on grok-2-image-1212; dropped.",
            'negative prompt is not a setting on grok-2-image-1212; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "google",
        "gemini-nano-banana-2.1",
        "typical",
        1,
        "/models/gemini-nano-banana-2.1:generateContent",
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
        "gemini-nano-banana-2.1",
        "awkward",
        4,
        "/models/gemini-nano-banana-2.1:generateContent",
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
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 2K (gemini-nano-banana-2.1 takes an aspect ratio, not "
            "a size).",
            "quality hd is not a setting on gemini-nano-banana-2.1; dropped (resolution 2K was already chosen).",
            "style vivid is not a setting on gemini-nano-banana-2.1; dropped.",
            'negative prompt is not a setting on gemini-nano-banana-2.1; added to the prompt as an "Avoid:" line.',
            "count 4 split into 4 requests (gemini-nano-banana-2.1 makes 1 image per request).",
        ],
    ),
    (
        "google",
        "gemini-3.1-flash-lite-image",
        "typical",
        1,
        "/models/gemini-3.1-flash-lite-image:generateContent",
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
        "gemini-3.1-flash-lite-image",
        "awkward",
        4,
        "/models/gemini-3.1-flash-lite-image:generateContent",
        {
            "contents": [{"role": "user", "parts": [{"text": "a red fox\n\nAvoid: blur"}]}],
            "generationConfig": {
                "responseModalities": ["TEXT", "IMAGE"],
                "imageConfig": {"aspectRatio": "16:9", "imageSize": "1K"},
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
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 1K (gemini-3.1-flash-lite-image takes an aspect "
            "ratio, not a size).",
            "quality hd is not a setting on gemini-3.1-flash-lite-image; dropped.",
            "style vivid is not a setting on gemini-3.1-flash-lite-image; dropped.",
            'negative prompt is not a setting on gemini-3.1-flash-lite-image; added to the prompt as an "Avoid:" line.',
            "count 4 split into 4 requests (gemini-3.1-flash-lite-image makes 1 image per request).",
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
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 2K (gemini-3-pro-image takes an aspect ratio, not a "
            "size).",
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
        ["gemini-3.1-flash-image is deprecated by Google. Use gemini-nano-banana-2.1 instead."],
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
            "gemini-3.1-flash-image is deprecated by Google. Use gemini-nano-banana-2.1 instead.",
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 2K (gemini-3.1-flash-image takes an aspect ratio, not "
            "a size).",
            "quality hd is not a setting on gemini-3.1-flash-image; dropped (resolution 2K was already chosen).",
            "style vivid is not a setting on gemini-3.1-flash-image; dropped.",
            'negative prompt is not a setting on gemini-3.1-flash-image; added to the prompt as an "Avoid:" line.',
            "count 4 split into 4 requests (gemini-3.1-flash-image makes 1 image per request).",
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
        [
            "gemini-2.5-flash-image was retired by Google on 2026-10-02; sent anyway because compatible servers may still "
            "serve it. Use gemini-nano-banana-2.1 instead."
        ],
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
            "gemini-2.5-flash-image was retired by Google on 2026-10-02; sent anyway because compatible servers may still "
            "serve it. Use gemini-nano-banana-2.1 instead.",
            "size 1792x1024 was sent as aspect ratio 16:9 (gemini-2.5-flash-image takes an aspect ratio, not a size).",
            "quality hd is not a setting on gemini-2.5-flash-image; dropped.",
            "style vivid is not a setting on gemini-2.5-flash-image; dropped.",
            'negative prompt is not a setting on gemini-2.5-flash-image; added to the prompt as an "Avoid:" line.',
            "count 4 split into 4 requests (gemini-2.5-flash-image makes 1 image per request).",
        ],
    ),
    (
        "google",
        "gemini-3-pro-image-preview",
        "typical",
        1,
        "/models/gemini-3-pro-image-preview:generateContent",
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
        [
            "gemini-3-pro-image-preview was retired by Google on 2026-06-25; sent anyway because compatible servers may still "
            "serve it. Use gemini-3-pro-image instead."
        ],
    ),
    (
        "google",
        "gemini-3-pro-image-preview",
        "awkward",
        4,
        "/models/gemini-3-pro-image-preview:generateContent",
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
            "gemini-3-pro-image-preview was retired by Google on 2026-06-25; sent anyway because compatible servers may still "
            "serve it. Use gemini-3-pro-image instead.",
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 2K (gemini-3-pro-image-preview takes an aspect ratio, "
            "not a size).",
            "quality hd is not a setting on gemini-3-pro-image-preview; dropped (resolution 2K was already chosen).",
            "style vivid is not a setting on gemini-3-pro-image-preview; dropped.",
            'negative prompt is not a setting on gemini-3-pro-image-preview; added to the prompt as an "Avoid:" line.',
            "count 4 split into 4 requests (gemini-3-pro-image-preview makes 1 image per request).",
        ],
    ),
    (
        "google",
        "gemini-3.1-flash-image-preview",
        "typical",
        1,
        "/models/gemini-3.1-flash-image-preview:generateContent",
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
        [
            "gemini-3.1-flash-image-preview was retired by Google on 2026-06-25; sent anyway because compatible servers may "
            "still serve it. Use gemini-nano-banana-2.1 instead."
        ],
    ),
    (
        "google",
        "gemini-3.1-flash-image-preview",
        "awkward",
        4,
        "/models/gemini-3.1-flash-image-preview:generateContent",
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
            "gemini-3.1-flash-image-preview was retired by Google on 2026-06-25; sent anyway because compatible servers may "
            "still serve it. Use gemini-nano-banana-2.1 instead.",
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 2K (gemini-3.1-flash-image-preview takes an aspect "
            "ratio, not a size).",
            "quality hd is not a setting on gemini-3.1-flash-image-preview; dropped (resolution 2K was already chosen).",
            "style vivid is not a setting on gemini-3.1-flash-image-preview; dropped.",
            'negative prompt is not a setting on gemini-3.1-flash-image-preview; added to the prompt as an "Avoid:" line.',
            "count 4 split into 4 requests (gemini-3.1-flash-image-preview makes 1 image per request).",
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
            "imagen-4.0-generate-001 was retired by Google on 2026-08-17; sent anyway because compatible servers may still "
            "serve it. Use gemini-nano-banana-2.1 instead."
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
            "imagen-4.0-generate-001 was retired by Google on 2026-08-17; sent anyway because compatible servers may still "
            "serve it. Use gemini-nano-banana-2.1 instead.",
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 2K (imagen-4.0-generate-001 takes an aspect ratio, "
            "not a size).",
            "quality hd is not a setting on imagen-4.0-generate-001; dropped (resolution 2K was already chosen).",
            "style vivid is not a setting on imagen-4.0-generate-001; dropped.",
            'negative prompt is not a setting on imagen-4.0-generate-001; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "google",
        "imagen-4.0-ultra-generate-001",
        "typical",
        1,
        "/models/imagen-4.0-ultra-generate-001:predict",
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
            "imagen-4.0-ultra-generate-001 was retired by Google on 2026-08-17; sent anyway because compatible servers may "
            "still serve it. Use gemini-nano-banana-2.1 instead."
        ],
    ),
    (
        "google",
        "imagen-4.0-ultra-generate-001",
        "awkward",
        1,
        "/models/imagen-4.0-ultra-generate-001:predict",
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
            "imagen-4.0-ultra-generate-001 was retired by Google on 2026-08-17; sent anyway because compatible servers may "
            "still serve it. Use gemini-nano-banana-2.1 instead.",
            "size 1792x1024 was sent as aspect ratio 16:9 at resolution 2K (imagen-4.0-ultra-generate-001 takes an aspect "
            "ratio, not a size).",
            "quality hd is not a setting on imagen-4.0-ultra-generate-001; dropped (resolution 2K was already chosen).",
            "style vivid is not a setting on imagen-4.0-ultra-generate-001; dropped.",
            'negative prompt is not a setting on imagen-4.0-ultra-generate-001; added to the prompt as an "Avoid:" line.',
        ],
    ),
    (
        "google",
        "imagen-4.0-fast-generate-001",
        "typical",
        1,
        "/models/imagen-4.0-fast-generate-001:predict",
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
            "imagen-4.0-fast-generate-001 was retired by Google on 2026-08-17; sent anyway because compatible servers may "
            "still serve it. Use gemini-nano-banana-2.1 instead."
        ],
    ),
    (
        "google",
        "imagen-4.0-fast-generate-001",
        "awkward",
        1,
        "/models/imagen-4.0-fast-generate-001:predict",
        {
            "instances": [{"prompt": "a red fox\n\nAvoid: blur"}],
            "parameters": {"sampleCount": 4, "includeRaiReason": True, "aspectRatio": "16:9"},
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
            "imagen-4.0-fast-generate-001 was retired by Google on 2026-08-17; sent anyway because compatible servers may "
            "still serve it. Use gemini-nano-banana-2.1 instead.",
            "size 1792x1024 was sent as aspect ratio 16:9 (imagen-4.0-fast-generate-001 takes an aspect ratio, not a size).",
            "quality hd is not a setting on imagen-4.0-fast-generate-001; dropped.",
            "style vivid is not a setting on imagen-4.0-fast-generate-001; dropped.",
            'negative prompt is not a setting on imagen-4.0-fast-generate-001; added to the prompt as an "Avoid:" line.',
        ],
    ),
]


def test_the_matrix_covers_every_catalogue_model() -> None:
    covered = {(c[0], c[1], c[2]) for c in CASES}
    for provider in FAKES:
        for model, _spec in known_models(provider):
            assert {(provider, model, "typical"), (provider, model, "awkward")} <= covered, model


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


NATIVE = [
    # (provider, model, request fields, exact body fields beyond model/prompt/n)
    ("openai", "gpt-image-2.6-flare", {"quality": "xhigh", "extras": {"complexity": "medium", "output_format": "webp"}},
     {"quality": "xhigh", "complexity": "medium", "output_format": "webp"}),
    ("openai", "gpt-image-2.5-sunburst", {"quality": "max", "size": "2048x1152"}, {"quality": "max", "size": "2048x1152"}),
    ("grok", "grok-imagine-image-2.0", {"quality": "auto", "aspect_ratio": "5:2"},
     {"quality": "auto", "aspect_ratio": "5:2", "response_format": "b64_json"}),
]
GEMINI_NATIVE = [
    ("gemini-nano-banana-2.1", {"aspect_ratio": "8:1", "extras": {"resolution": "4K"}}, {"aspectRatio": "8:1", "imageSize": "4K"}),
    ("gemini-3.1-flash-lite-image", {"aspect_ratio": "21:9", "quality": "hd"}, {"aspectRatio": "21:9"}),
]


@pytest.mark.parametrize(("provider", "model", "fields", "sent"), NATIVE, ids=[c[1] for c in NATIVE])
async def test_the_newest_words_reach_the_wire_unchanged(
    provider: str, model: str, fields: dict[str, Any], sent: dict[str, Any]
) -> None:
    planned = plan(spec_for(provider, model), ImageRequest(prompt="a red fox", model=model, **fields))
    assert planned.warnings == []
    with FAKES[provider]() as fake:
        client = get_image_provider(provider)
        try:
            await client.generate(planned.calls[0], api_key=TEST_KEYS[provider], base_url=fake.base_url)
        finally:
            await client.aclose()
        body = next(r for r in fake.requests if r.method == "POST").json
    assert body == {"model": model, "prompt": "a red fox", "n": 1, **sent}


@pytest.mark.parametrize(("model", "fields", "image_config"), GEMINI_NATIVE, ids=[c[0] for c in GEMINI_NATIVE])
async def test_gemini_newest_models_on_the_wire(model: str, fields: dict[str, Any], image_config: dict[str, Any]) -> None:
    planned = plan(spec_for("google", model), ImageRequest(prompt="a red fox", model=model, **fields))
    with FAKES["google"]() as fake:
        client = get_image_provider("google")
        try:
            images, _w, _raw = await client.generate(planned.calls[0], api_key=TEST_KEYS["google"], base_url=fake.base_url)
        finally:
            await client.aclose()
        body = next(r for r in fake.requests if r.method == "POST").json
    assert body["generationConfig"]["imageConfig"] == image_config
    assert len(images) == 1
    if model == "gemini-3.1-flash-lite-image":  # 1K only: "hd" cannot pick 2K here
        assert planned.warnings == ["quality hd is not a setting on gemini-3.1-flash-lite-image; dropped."]
