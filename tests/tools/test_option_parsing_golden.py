"""What generate_image and edit_image make of an LLM's arguments, pinned (values and error sentences).

The options are pinned in one flat shape (typed options and provider extras together) so that the pin
says what reaches the generation service, not how the value object spells it.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from quilltap_tui.errors import Invalid
from quilltap_tui.tools import edit_image, generate_image
from tests.golden import check_json

GOLDEN = Path(__file__).parent / "golden" / "option_parsing.json"

CASES: list[dict[str, Any]] = [
    {"prompt": "a fox"},
    {"prompt": "  a fox  ", "size": " 1792x1024 ", "aspect_ratio": "16:9", "quality": "HD", "style": "vivid",
     "count": 3, "negative_prompt": "text", "seed": 42, "resolution": "2K"},
    {"prompt": "a fox", "count": "2", "seed": "7"},
    {"prompt": "a fox", "size": "", "quality": "   ", "resolution": ""},
    {"prompt": "a fox", "count": None, "seed": None, "style": None},
    {"prompt": "a fox", "count": 0},
    {"prompt": "a fox", "count": True},
    {"prompt": "a fox", "count": 2.5},
    {"prompt": "a fox", "seed": "x"},
    {"prompt": "a fox", "size": 1024},
    {"prompt": "a fox", "colour": "red"},
    {"prompt": "a fox", "colour": "red", "mood": "calm"},
    {"prompt": "a fox", "profile": "other"},
    {"prompt": ""},
    {"prompt": 5},
    {},
    {"size": "1024x1024"},
]


def flat(options: Any) -> dict[str, Any]:
    values = {f.name: getattr(options, f.name) for f in fields(options) if f.name != "extras"}
    # Sorted: where a value lives (a typed option or an extra) is not what is pinned.
    return dict(sorted({**{k: v for k, v in values.items() if v is not None}, **options.extras}.items()))


def outcome(parse: Any, arguments: dict[str, Any]) -> dict[str, Any]:
    try:
        parsed = parse(dict(arguments))
    except Invalid as exc:
        return {"error": [exc.field, str(exc)]}
    prompt, *ids, options = parsed
    return {"prompt": prompt, **({"images": list(ids[0])} if ids else {}), "options": flat(options)}


def test_tool_arguments_parse_as_before() -> None:
    pinned = {
        "generate_image": [outcome(generate_image.parse_input, case) for case in CASES],
        "edit_image": [outcome(edit_image.parse_input, {**case, "images": [" abc123 "]}) for case in CASES]
        + [outcome(edit_image.parse_input, {"prompt": "a fox", "images": "abc123"}),
           outcome(edit_image.parse_input, {"prompt": "a fox", "images": []}),
           outcome(edit_image.parse_input, {"prompt": "a fox", "images": [3]})],
    }
    check_json(GOLDEN, {"cases": CASES, **pinned})
