"""Mapping requests onto model capabilities: wire calls, ``used`` and warnings, asserted exactly."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from quilltap_tui.errors import Invalid
from quilltap_tui.imagegen.capabilities import known_models, spec_for
from quilltap_tui.imagegen.mapping import Plan, plan
from quilltap_tui.imagegen.spec import ImageRequest, UsedParams

PROMPT = "a lighthouse at dusk"
FOLDED = "a lighthouse at dusk\n\nAvoid: blurry"
PROVIDER = {m: p for p in ("openai", "grok", "google") for m, _ in known_models(p)}


def run(model: str, provider: str | None = None, **fields: Any) -> Plan:
    fields.setdefault("prompt", PROMPT)
    return plan(spec_for(provider or PROVIDER[model], model), ImageRequest(model=model, **fields))


def shape(p: Plan) -> tuple[Any, ...]:
    """Everything a call sends except prompt and extras, plus the n of each call."""
    first = p.calls[0]
    assert all(replace(c, n=first.n) == first for c in p.calls), "calls differ beyond n"
    return (
        [c.n for c in p.calls],
        first.size,
        first.aspect_ratio,
        first.resolution,
        first.quality,
        first.style,
    )


def adjustments(p: Plan) -> list[str]:
    """The plan's warnings without the retired/deprecated one (tested on its own below)."""
    model = p.calls[0].model
    return [w for w in p.warnings if not w.startswith((f"{model} was retired", f"{model} is deprecated"))]


def lifecycle(model: str) -> list[str]:
    spec = spec_for(PROVIDER[model], model)
    title = {"openai": "OpenAI", "grok": "xAI", "google": "Google"}[spec.provider]
    when = f" on {spec.shutdown_date}" if spec.shutdown_date else ""
    if spec.retired and spec.redirect:
        return [f"{model} was retired by {title}{when}; {title} now serves {spec.redirect} in its place. "
                f"Use {spec.replacement} instead."]
    if spec.retired:
        return [f"{model} was retired by {title}{when}; sent anyway because compatible servers may still serve it. "
                f"Use {spec.replacement} instead."]
    if spec.deprecated:
        return [f"{model} is deprecated by {title}. Use {spec.replacement} instead."]
    return []


def test_lifecycle_warnings_read_as_a_user_would_want() -> None:
    assert run("gpt-image-1").warnings[0] == (
        "gpt-image-1 was retired by OpenAI on 2026-10-23; sent anyway because compatible servers may still "
        "serve it. Use gpt-image-2.5-sunburst instead.")
    assert run("grok-imagine-image-quality").warnings[0] == (
        "grok-imagine-image-quality was retired by xAI on 2026-11-02; xAI now serves grok-imagine-image-2.0 at "
        "quality low in its place. Use grok-imagine-image-2.0 instead.")
    assert run("gemini-3.1-flash-image").warnings[0] == (
        "gemini-3.1-flash-image is deprecated by Google. Use gemini-nano-banana-2.1 instead.")
    assert run("gpt-image-2.6-flare").warnings == []


# --- the seed's awkward request: size 1792x1024, quality hd, style vivid, count 4, negative prompt -------

SEED = {"size": "1792x1024", "quality": "hd", "style": "vivid", "count": 4, "negative_prompt": "blurry"}
SNAP_GPT = "size 1792x1024 is not available on {m}; used 1536x1024 (nearest)."
HD_HIGH = "quality hd was translated to high for {m}."
NO_STYLE = "style vivid is not a setting on {m}; dropped."
NEG = 'negative prompt is not a setting on {m}; added to the prompt as an "Avoid:" line.'
NO_QUALITY = "quality hd is not a setting on {m}; dropped."
TO_169 = "size 1792x1024 was sent as aspect ratio 16:9{at} ({m} takes an aspect ratio, not a size)."
TIER_TAKEN = "quality hd is not a setting on {m}; dropped (resolution 2K was already chosen)."
SPLIT4 = "count 4 split into 4 requests ({m} makes 1 image per request)."

# model: (shape, used size, used aspect, used quality, used style, warnings after the lifecycle one)
SEED_CASES: dict[str, tuple[Any, ...]] = {
    "gpt-image-2": (
        ([4], "1792x1024", None, None, "high", None),
        "1792x1024",
        None,
        "high",
        None,
        [HD_HIGH, NO_STYLE, NEG],
    ),
    **{
        m: (
            ([4], "1792x1024", None, None, "high", None),
            "1792x1024",
            None,
            "high",
            None,
            [HD_HIGH, NO_STYLE, NEG],
        )
        for m in ("gpt-image-2-2026-04-21", "gpt-image-2.5-sunburst", "gpt-image-2.5-sunburst-2026-09-08",
                  "gpt-image-2.5-flare", "gpt-image-2.5-flare-2026-09-08", "gpt-image-2.6-sunburst",
                  "gpt-image-2.6-flare")
    },
    **{
        m: (
            ([4], "1536x1024", None, None, "high", None),
            "1536x1024",
            None,
            "high",
            None,
            [SNAP_GPT, HD_HIGH, NO_STYLE, NEG],
        )
        for m in ("gpt-image-1.5", "gpt-image-1.5-2025-12-16", "gpt-image-1", "gpt-image-1-mini",
                  "chatgpt-image-latest")
    },
    "dall-e-3": (
        ([1, 1, 1, 1], "1792x1024", None, None, "hd", "vivid"),
        "1792x1024",
        None,
        "hd",
        "vivid",
        [NEG, SPLIT4],
    ),
    "dall-e-2": (
        ([4], "1024x1024", None, None, "standard", None),
        "1024x1024",
        None,
        "standard",
        None,
        [
            "size 1792x1024 is not available on {m}; used 1024x1024 (nearest).",
            "quality hd was translated to standard for {m}.",
            NO_STYLE,
            NEG,
        ],
    ),
    **{
        m: (
            ([4], None, "16:9", "2k", None, None),
            None,
            "16:9",
            None,
            None,
            [TO_169.replace("{at}", " at resolution 2k"), NO_QUALITY, NO_STYLE, NEG],
        )
        for m in ("grok-imagine-image", "grok-imagine-image-quality", "grok-imagine-image-pro")
    },
    "grok-imagine-image-2.0": (
        ([4], None, "16:9", "2k", "medium", None),
        None,
        "16:9",
        "medium",
        None,
        [
            TO_169.replace("{at}", " at resolution 2k"),
            "quality hd was translated to medium for {m}.",
            NO_STYLE,
            NEG,
        ],
    ),
    **{
        m: (
            ([4], None, None, None, None, None),
            None,
            None,
            None,
            None,
            ["size 1792x1024 is not a setting on {m}; dropped.", NO_QUALITY, NO_STYLE, NEG],
        )
        for m in ("grok-2-image", "grok-2-image-1212")
    },
    "gemini-2.5-flash-image": (
        ([1, 1, 1, 1], None, "16:9", None, None, None),
        None,
        "16:9",
        None,
        None,
        [TO_169.replace("{at}", ""), NO_QUALITY, NO_STYLE, NEG, SPLIT4],
    ),
    **{
        m: (
            ([1, 1, 1, 1], None, "16:9", "2K", None, None),
            None,
            "16:9",
            None,
            None,
            [TO_169.replace("{at}", " at resolution 2K"), TIER_TAKEN, NO_STYLE, NEG, SPLIT4],
        )
        for m in (
            "gemini-3-pro-image",
            "gemini-3-pro-image-preview",
            "gemini-3.1-flash-image",
            "gemini-3.1-flash-image-preview",
            "gemini-nano-banana-2.1",
        )
    },
    "gemini-3.1-flash-lite-image": (
        ([1, 1, 1, 1], None, "16:9", "1K", None, None),
        None,
        "16:9",
        None,
        None,
        [TO_169.replace("{at}", " at resolution 1K"), NO_QUALITY, NO_STYLE, NEG, SPLIT4],
    ),
    **{
        m: (
            ([4], None, "16:9", "2K", None, None),
            None,
            "16:9",
            None,
            None,
            [TO_169.replace("{at}", " at resolution 2K"), TIER_TAKEN, NO_STYLE, NEG],
        )
        for m in ("imagen-4.0-generate-001", "imagen-4.0-ultra-generate-001")
    },
    "imagen-4.0-fast-generate-001": (
        ([4], None, "16:9", None, None, None),
        None,
        "16:9",
        None,
        None,
        [TO_169.replace("{at}", ""), NO_QUALITY, NO_STYLE, NEG],
    ),
}


def test_every_built_in_model_has_a_seed_case() -> None:
    assert set(SEED_CASES) == set(PROVIDER)


@pytest.mark.parametrize("model", sorted(SEED_CASES))
def test_seed_request_on_every_built_in_model(model: str) -> None:
    expected_shape, size, aspect, quality, style, warnings = SEED_CASES[model]
    result = run(model, **SEED)
    assert shape(result) == expected_shape
    # The contract's ``used`` (the tier a model was sent is not part of it).
    assert result.used.as_dict() == UsedParams(
        size=size,
        aspect_ratio=aspect,
        quality=quality,
        style=style,
        count=4,
        negative_prompt="blurry",
        seed=None,
    ).as_dict()
    assert result.warnings == lifecycle(model) + [w.format(m=model) for w in warnings]
    assert all(c.prompt == FOLDED and c.negative_prompt is None and c.model == model for c in result.calls)


# --- a typical request in each model's own vocabulary: nothing adjusted ------------------------------

TYPICAL: dict[str, dict[str, Any]] = {
    "gpt-image": {"size": "1536x1024", "quality": "high", "extras": {"output_format": "webp"}},
    "gpt-image-2": {"size": "2048x1152", "quality": "medium", "extras": {"background": "opaque"}},
    "gpt-image-2.5": {"size": "2048x1152", "quality": "xhigh", "extras": {"background": "transparent"}},
    "gpt-image-2.6": {"size": "1024x1024", "quality": "max", "extras": {"complexity": "low", "output_format": "gif"}},
    "dall-e-3": {"size": "1024x1792", "quality": "hd", "style": "natural"},
    "dall-e-2": {"size": "512x512", "count": 2},
    "grok-imagine": {"aspect_ratio": "16:9", "count": 3, "extras": {"resolution": "2k"}},
    "grok-imagine-2": {"aspect_ratio": "21:9", "quality": "low", "count": 2},
    "grok-2-image": {"count": 2},
    "gemini-image": {"aspect_ratio": "4:5"},
    "nano-banana": {"aspect_ratio": "8:1", "extras": {"resolution": "4K"}},
    "gemini-flash-lite-image": {"aspect_ratio": "21:9"},
    "imagen": {"aspect_ratio": "9:16", "count": 4},
}


@pytest.mark.parametrize("model", sorted(SEED_CASES))
def test_typical_request_passes_through_unchanged(model: str) -> None:
    fields = TYPICAL[spec_for(PROVIDER[model], model).family]
    result = run(model, **fields)
    call = result.calls[0]
    assert len(result.calls) == 1 and call.n == fields.get("count", 1)
    assert (call.size, call.aspect_ratio) == (fields.get("size"), fields.get("aspect_ratio"))
    assert (call.quality, call.style) == (fields.get("quality"), fields.get("style"))
    assert call.resolution == fields.get("extras", {}).get("resolution")
    assert dict(call.extras) == {k: v for k, v in fields.get("extras", {}).items() if k != "resolution"}
    assert call.prompt == PROMPT
    assert result.warnings == lifecycle(model)


# --- geometry --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aspect", "size"),
    [
        ("16:9", "1536x864"),
        ("9:16", "864x1536"),
        ("1:1", "1024x1024"),
        ("3:2", "1536x1024"),
        ("4:3", "1360x1024"),
        ("21:9", "1536x656"),
        ("1:8", "512x1536"),
        ("wide", "1536x864"),
    ],
)
def test_aspect_ratio_on_gpt_image_2_becomes_a_size(aspect: str, size: str) -> None:
    result = run("gpt-image-2", aspect_ratio=aspect)
    shown = {"wide": "16:9"}.get(aspect, aspect)
    assert (result.used.size, result.used.aspect_ratio) == (size, None)
    assert adjustments(result) == [
        f"aspect ratio {shown} was sent as size {size} (gpt-image-2 takes a size, not an aspect ratio)."
    ]


@pytest.mark.parametrize(
    ("asked", "used"),
    [
        ("1000x1000", "1008x1008"),
        ("10000x1000", "3840x1280"),
        ("4000x4000", "2880x2880"),
        ("100x3000", "1008x3008"),
        ("512x512", "816x816"),
    ],
)
def test_free_size_is_rounded_and_clamped(asked: str, used: str) -> None:
    result = run("gpt-image-2", size=asked)
    assert result.used.size == used
    assert adjustments(result) == [f"size {asked} is not available on gpt-image-2; used {used} (nearest it allows)."]
    width, height = (int(x) for x in used.split("x"))
    assert width % 16 == 0 and height % 16 == 0 and width * height <= 3840 * 2160
    assert 1 / 3 <= width / height <= 3


@pytest.mark.parametrize("size", ["3840x2160", "2160x3840", "1792x1024", "auto", "1024x1536"])
def test_sizes_gpt_image_2_allows_are_kept(size: str) -> None:
    result = run("gpt-image-2", size=size)
    assert (result.used.size, adjustments(result)) == (size, [])


@pytest.mark.parametrize(
    ("model", "aspect", "size"),
    [
        ("gpt-image-1", "16:9", "1536x1024"),
        ("gpt-image-1", "9:16", "1024x1536"),
        ("gpt-image-1", "1:1", "1024x1024"),
        ("dall-e-3", "9:16", "1024x1792"),
        ("dall-e-2", "16:9", "1024x1024"),
    ],
)
def test_aspect_ratio_on_a_fixed_size_model_picks_the_nearest_size(model: str, aspect: str, size: str) -> None:
    result = run(model, aspect_ratio=aspect)
    assert (result.used.size, result.used.aspect_ratio) == (size, None)
    assert adjustments(result)[-1] == (
        f"aspect ratio {aspect} was sent as size {size} ({model} takes a size, not an aspect ratio)."
    )


@pytest.mark.parametrize(
    ("model", "size", "aspect", "tier"),
    [
        ("gemini-3-pro-image", "2048x1152", "16:9", "2K"),
        ("gemini-3-pro-image", "1024x1024", "1:1", "1K"),
        ("gemini-3.1-flash-image", "512x512", "1:1", "512"),
        ("gemini-3-pro-image", "4096x4096", "1:1", "4K"),
        ("grok-imagine-image", "1024x768", "4:3", "1k"),
        ("gemini-2.5-flash-image", "1080x1350", "4:5", None),
    ],
)
def test_size_on_an_aspect_model_becomes_ratio_and_tier(model: str, size: str, aspect: str, tier: str | None) -> None:
    result = run(model, size=size)
    assert (result.used.size, result.used.aspect_ratio, result.calls[0].resolution) == (None, aspect, tier)
    at = f" at resolution {tier}" if tier else ""
    assert result.warnings == [
        *lifecycle(model),
        f"size {size} was sent as aspect ratio {aspect}{at} ({model} takes an aspect ratio, not a size).",
    ]


def test_size_wins_on_size_models_and_aspect_wins_on_aspect_models() -> None:
    on_size = run("gpt-image-1", size="1024x1024", aspect_ratio="16:9")
    assert (on_size.used.size, on_size.used.aspect_ratio) == ("1024x1024", None)
    assert adjustments(on_size) == [
        "aspect ratio 16:9 was ignored: size 1024x1024 was given and gpt-image-1 takes a size."
    ]
    on_aspect = run("gemini-3-pro-image", size="1024x1024", aspect_ratio="16:9")
    assert (on_aspect.used.size, on_aspect.used.aspect_ratio, on_aspect.calls[0].resolution) == (
        None,
        "16:9",
        None,
    )
    assert adjustments(on_aspect) == [
        "size 1024x1024 was ignored: aspect ratio 16:9 was given and gemini-3-pro-image takes an aspect ratio."
    ]


def test_unsupported_aspect_ratio_snaps_to_the_nearest() -> None:
    result = run("grok-imagine-image", aspect_ratio="21:9")
    assert result.used.aspect_ratio == "20:9"
    assert adjustments(result) == ["aspect ratio 21:9 is not available on grok-imagine-image; used 20:9 (nearest)."]


def test_auto_only_where_allowed() -> None:
    assert (run("gpt-image-1", size="auto").used.size, adjustments(run("gpt-image-1", size="AUTO"))) == (
        "auto",
        [],
    )
    assert run("grok-imagine-image", aspect_ratio="auto").used.aspect_ratio == "auto"
    dalle = run("dall-e-3", size="auto")
    assert dalle.used.size is None
    assert adjustments(dalle)[-1] == "size auto is not available on dall-e-3; left to the model's default."
    gemini = run("gemini-3-pro-image", aspect_ratio="auto")
    assert gemini.used.aspect_ratio is None
    assert adjustments(gemini) == [
        "aspect ratio auto is not available on gemini-3-pro-image; left to the model's default."
    ]


@pytest.mark.parametrize(
    ("model", "value", "tier", "warning"),
    [
        ("grok-imagine-image", "2K", "2k", None),
        ("gemini-3.1-flash-image", "512", "512", None),
        (
            "gemini-3-pro-image",
            "8K",
            None,
            "resolution 8K is not available on gemini-3-pro-image (it takes 1K, 2K, 4K); dropped.",
        ),
        (
            "gemini-2.5-flash-image",
            "2K",
            None,
            "option resolution is not a setting on gemini-2.5-flash-image; dropped.",
        ),
        ("gpt-image-1", "2k", None, "option resolution is not a setting on gpt-image-1; dropped."),
    ],
)
def test_resolution_extra(model: str, value: str, tier: str | None, warning: str | None) -> None:
    result = run(model, extras={"resolution": value})
    assert result.calls[0].resolution == tier and "resolution" not in result.calls[0].extras
    assert adjustments(result) == ([warning] if warning else [])


# --- quality, style, seed, count -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "asked", "used", "resolution", "warning"),
    [
        (
            "gpt-image-1",
            "standard",
            "medium",
            None,
            "quality standard was translated to medium for gpt-image-1.",
        ),
        ("gpt-image-1", "draft", "low", None, "quality draft was translated to low for gpt-image-1."),
        ("gpt-image-1", "HD", "high", None, "quality hd was translated to high for gpt-image-1."),
        ("gpt-image-1", "auto", "auto", None, None),
        (
            "gpt-image-1",
            "ultra",
            None,
            None,
            "quality ultra is not known for gpt-image-1 (it takes low, medium, high, auto); dropped.",
        ),
        (
            "grok-imagine-image-2.0",
            "high",
            "medium",
            None,
            "quality high was translated to medium for grok-imagine-image-2.0.",
        ),
        (
            "gemini-3-pro-image",
            "high",
            None,
            "2K",
            "quality high is not a setting on gemini-3-pro-image; used resolution 2K instead.",
        ),
        (
            "gemini-3-pro-image",
            "draft",
            None,
            "1K",
            "quality draft is not a setting on gemini-3-pro-image; used resolution 1K instead.",
        ),
        (
            "gemini-2.5-flash-image",
            "high",
            None,
            None,
            "quality high is not a setting on gemini-2.5-flash-image; dropped.",
        ),
    ],
)
def test_quality_vocabularies(
    model: str, asked: str, used: str | None, resolution: str | None, warning: str | None
) -> None:
    result = run(model, quality=asked)
    assert (result.used.quality, result.calls[0].quality, result.calls[0].resolution) == (
        used,
        used,
        resolution,
    )
    assert adjustments(result) == ([warning] if warning else [])


def test_dall_e_3_quality_words() -> None:
    retired = lifecycle("dall-e-3")
    assert run("dall-e-3", quality="low").used.quality == "standard"
    assert run("dall-e-3", quality="high").warnings == [
        *retired,
        "quality high was translated to hd for dall-e-3.",
    ]


def test_style_kept_only_where_the_model_has_it() -> None:
    assert run("dall-e-3", style="Natural").used.style == "natural"
    assert adjustments(run("dall-e-3", style="anime"))[-1] == (
        "style anime is not known for dall-e-3 (it takes vivid, natural); dropped."
    )


def test_seed_is_dropped_where_unsupported() -> None:
    result = run("gemini-3-pro-image", seed=42)
    assert result.used.seed is None and result.calls[0].seed is None
    assert adjustments(result) == ["seed is not a setting on gemini-3-pro-image; dropped."]


def test_seed_is_sent_where_supported() -> None:
    spec = replace(spec_for("openai", "gpt-image-1"), seed=True, negative_prompt=True)
    result = plan(spec, ImageRequest(prompt=PROMPT, model="x", seed=7, negative_prompt="fog"))
    call = result.calls[0]
    assert (call.seed, call.negative_prompt, call.prompt, adjustments(result)) == (7, "fog", PROMPT, [])


@pytest.mark.parametrize(
    ("max_n", "count", "chunks", "warning"),
    [
        (2, 5, [2, 2, 1], "count 5 split into 3 requests (m makes at most 2 images per request)."),
        (1, 4, [1, 1, 1, 1], "count 4 split into 4 requests (m makes 1 image per request)."),
        (10, 12, [10, 2], "count 12 split into 2 requests (m makes at most 10 images per request)."),
        (10, 10, [10], None),
    ],
)
def test_count_is_split_by_images_per_request(max_n: int, count: int, chunks: list[int], warning: str | None) -> None:
    spec = replace(spec_for("openai", "gpt-image-1"), max_n=max_n)
    result = plan(spec, ImageRequest(prompt=PROMPT, model="m", count=count))
    assert [c.n for c in result.calls] == chunks and result.used.count == count
    assert adjustments(result) == ([warning] if warning else [])


# --- extras ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "extras", "sent", "warnings"),
    [
        (
            "gpt-image-1",
            {"background": "transparent", "output_format": "jpeg"},
            {"background": "transparent", "output_format": "png"},
            ["background transparent needs png or webp; output_format changed from jpeg to png."],
        ),
        (
            "gpt-image-1",
            {"output_compression": 50},
            {},
            ["output_compression only applies to output_format jpeg or webp; dropped."],
        ),
        (
            "gpt-image-1",
            {"output_compression": 50, "output_format": "WEBP", "moderation": "Low"},
            {"output_compression": 50, "output_format": "webp", "moderation": "low"},
            [],
        ),
        (
            "gpt-image-1",
            {"output_format": "gif"},
            {},
            ["option output_format='gif' is not allowed on gpt-image-1 (use png, jpeg, webp); dropped."],
        ),
        (
            "gpt-image-1",
            {"foo": 1, "guidance_scale": 7.5},
            {},
            [
                "option foo is not a setting on gpt-image-1; dropped.",
                "option guidance_scale is not a setting on gpt-image-1; dropped.",
            ],
        ),
        (
            "grok-imagine-image",
            {"output_format": "png", "user": "u1"},
            {"user": "u1"},
            ["option output_format is not a setting on grok-imagine-image; dropped."],
        ),
    ],
)
def test_extras_pass_only_where_supported(
    model: str, extras: dict[str, Any], sent: dict[str, Any], warnings: list[str]
) -> None:
    result = run(model, extras=extras)
    assert dict(result.calls[0].extras) == sent
    assert adjustments(result) == warnings


def test_imagen_extras_and_typed_guidance_scale() -> None:
    result = run(
        "imagen-4.0-generate-001",
        guidance_scale=9.0,
        steps=30,
        extras={"person_generation": "ALLOW_ADULT", "language": "ja"},
    )
    assert dict(result.calls[0].extras) == {
        "person_generation": "allow_adult",
        "language": "ja",
        "guidance_scale": 9.0,
    }
    assert result.warnings == [
        *lifecycle("imagen-4.0-generate-001"),
        "option steps is not a setting on imagen-4.0-generate-001; dropped.",
    ]


# --- invalid input names the field -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "fields", "field", "words"),
    [
        ("gpt-image-1", {"prompt": ""}, "prompt", "empty"),
        ("gpt-image-1", {"prompt": "  \n "}, "prompt", "empty"),
        ("dall-e-3", {"prompt": "x" * 4001}, "prompt", "at most 4000"),
        (
            "dall-e-2",
            {"prompt": "x" * 990, "negative_prompt": "blurry text"},
            "negative_prompt",
            "at most 1000",
        ),
        ("gpt-image-1", {"size": "abc"}, "size", "'abc'"),
        ("gpt-image-1", {"size": "0x512"}, "size", "'0x512'"),
        ("gemini-3-pro-image", {"size": "-5x5"}, "size", "'-5x5'"),
        ("gemini-3-pro-image", {"aspect_ratio": "0:3"}, "aspect_ratio", "'0:3'"),
        ("gpt-image-1", {"aspect_ratio": "wide-ish"}, "aspect_ratio", "'wide-ish'"),
        ("gpt-image-1", {"count": 0}, "count", "at least 1"),
        ("grok-imagine-image", {"count": -2}, "count", "at least 1"),
        ("grok-imagine-image", {"count": True}, "count", "at least 1"),
        ("gpt-image-1", {"seed": "seven"}, "seed", "whole number"),
        ("gpt-image-1", {"quality": 3}, "quality", "word"),
        ("gpt-image-1", {"negative_prompt": ["fog"]}, "negative_prompt", "text"),
        ("gpt-image-1", {"extras": {"output_compression": 150}}, "output_compression", "0 to 100"),
        ("imagen-4.0-generate-001", {"extras": {"guidance_scale": "lots"}}, "guidance_scale", "number"),
    ],
)
def test_meaningless_requests_raise_invalid_naming_the_field(
    model: str, fields: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(Invalid) as info:
        run(model, **fields)
    assert info.value.field == field
    assert words in info.value.message


def test_unknown_family_models_are_mapped_by_family() -> None:
    assert adjustments(run("gpt-image-9", provider="openai", size="1792x1024")) == []
    grok3 = run("grok-imagine-image-3.0", provider="grok", quality="draft", aspect_ratio="5:2")
    assert (grok3.used.quality, grok3.used.aspect_ratio) == ("low", "5:2")
    gemini4 = run("gemini-4-flash-image", provider="google", count=2)
    assert [c.n for c in gemini4.calls] == [1, 1]
