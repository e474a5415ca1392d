"""How keys are shown: masked to their last four, redacted from any text."""

from __future__ import annotations

import pytest

from quilltap_tui.secrets import last4, mask, redact


def test_mask_shows_only_the_last_four() -> None:
    assert mask("sk-proj-abcdefc0de") == "\u2026c0de"
    assert last4("sk-proj-abcdefc0de") == "c0de"


@pytest.mark.parametrize("short", ["", "a", "abcd", "abcdefg"])
def test_short_secrets_reveal_nothing(short: str) -> None:
    assert mask(short) == "\u2026"
    assert last4(short) == ""


def test_eight_characters_is_the_first_length_that_shows_four() -> None:
    assert mask("12345678") == "\u20265678"


def test_redact_hides_every_occurrence() -> None:
    key = "sk-live-0123456789abcdef"
    text = f"401 from provider: invalid key {key} (key={key})"
    assert redact(text, [key]) == "401 from provider: invalid key \u2026cdef (key=\u2026cdef)"


def test_redact_hides_a_secret_that_contains_another_whole() -> None:
    outer, inner = "sk-outer-INNER-SECRET-9999", "INNER-SECRET"
    redacted = redact(f"{outer} and {inner}", [inner, outer])
    assert redacted == "\u20269999 and \u2026CRET"
    assert "INNER" not in redacted


def test_redact_ignores_tiny_strings_and_handles_none_given() -> None:
    assert redact("a b c abc", ["abc", ""]) == "a b c abc"
    assert redact("nothing secret here", []) == "nothing secret here"
    assert redact("pin 4321 used", ["4321"]) == "pin \u2026 used"
