"""The Markdown of a chat page is parsed in the loading worker; paragraph-only text is flattened."""

from __future__ import annotations

import pytest

from quilltap_tui.ui.chat_data import InlineText, inline_text, parse_markdown, parse_text


def test_paragraphs_flatten_to_text_and_spans_in_textual_order() -> None:
    flat = parse_text("a *b* **c** ~~d~~ `e`  f\nsoft [g](https://x.test)\n\nsecond   paragraph").inline
    assert flat == InlineText(
        "a b c d e f soft g\n\nsecond paragraph",
        ((2, 3, "em", ""), (4, 5, "strong", ""), (6, 7, "s", ""), (8, 9, "code_inline", ""),
         (17, 18, "link", "https://x.test")),
    )


def test_nested_styles_close_inner_first() -> None:
    flat = inline_text(parse_markdown("**bold *both* bold**"))
    assert flat is not None and flat.text == "bold both bold"
    assert flat.spans == ((5, 9, "em", ""), (0, 14, "strong", ""))


@pytest.mark.parametrize("text", ["- item", "# title", "```\ncode\n```", "> quote", "| a |\n|---|\n| b |", "---",
                                  "see ![alt](x.png)", "a <b>tag</b>", "    indented code"])
def test_anything_but_paragraphs_keeps_the_markdown_blocks(text: str) -> None:
    parsed = parse_text(text)
    assert parsed.inline is None and parsed.tokens


def test_empty_text_is_an_empty_body() -> None:
    assert parse_text("").inline == InlineText("", ())
