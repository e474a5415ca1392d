"""The image-option vocabulary: declared once, and every place that speaks it agrees with the declaration."""

from __future__ import annotations

from dataclasses import fields

import pytest

from quilltap_tui.imagegen import options as vocabulary
from quilltap_tui.imagegen.capabilities import known_models
from quilltap_tui.imagegen.mapping import Draft
from quilltap_tui.imagegen.options import FLAGGED, NAMES, OPTIONS, RECORDED, RESTRICTION_KEYS, GenerateOptions
from quilltap_tui.imagegen.spec import ImageRequest, ProviderCall, UsedParams
from quilltap_tui.imagegen.spec_model import ModelSpec
from quilltap_tui.tools import generate_image
from quilltap_tui.tools.ports import ImageToolProfile

# The contract's names (CONTRACT.md: `generate`'s flags, `used`, the `allowed_*` profile parameters).
CONTRACT_FLAGS = ["--size", "--aspect-ratio", "--quality", "--style", "--count", "--negative-prompt", "--seed"]
CONTRACT_USED = ("size", "aspect_ratio", "quality", "style", "count", "negative_prompt", "seed")


def test_every_option_is_declared_with_its_metadata() -> None:
    declared = [f.name for f in fields(GenerateOptions) if f.name != "extras"]
    assert [o.name for o in OPTIONS] == declared
    spec_fields = {f.name for f in fields(ModelSpec)}
    for option in OPTIONS:
        assert option.info.label and option.info.description.endswith(".")
        assert option.info.choices is None or option.info.choices in spec_fields
        assert option.info.requires is None or option.info.requires in spec_fields
        assert (option.info.flag_range is not None) == (option.info.kind == "int" and option.info.flag)


def test_the_derived_names_are_the_contracts() -> None:
    assert [o.flag for o in FLAGGED] == CONTRACT_FLAGS
    assert RECORDED == CONTRACT_USED
    assert tuple(UsedParams().as_dict()) == CONTRACT_USED
    assert RESTRICTION_KEYS == ("allowed_sizes", "allowed_aspect_ratios", "allowed_qualities", "allowed_styles")


def test_requests_and_used_are_the_vocabulary_plus_their_own_fields() -> None:
    options = {f.name for f in fields(GenerateOptions)}
    assert {f.name for f in fields(ImageRequest)} - options == {"prompt", "model", "guidance_scale", "steps"}
    assert {f.name for f in fields(UsedParams)} == options
    # The wire call and the planner's working values carry every option that is sent (``count`` is split into ``n``).
    sent = NAMES - {"count"}
    assert sent <= {f.name for f in fields(ProviderCall)}
    assert {o.name for o in OPTIONS if o.info.choices} <= {f.name for f in fields(Draft)}


@pytest.mark.parametrize("provider", ["openai", "grok", "google", "openai-compatible", "stability", "fal"])
def test_the_tool_schema_offers_only_what_its_parser_takes(provider: str) -> None:
    for model, _spec in known_models(provider):
        profile = ImageToolProfile("art", provider, model, {}, 4)
        offered = set(generate_image.input_schema(profile)["properties"])
        assert offered <= generate_image.ACCEPTED_FIELDS == {"prompt", *vocabulary.NAMES}
