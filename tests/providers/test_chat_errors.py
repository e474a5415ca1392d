"""Shared error mapping for chat providers: body shapes, retry-after, redaction."""

from __future__ import annotations

import email.utils
import time

from quilltap_tui.chat.providers import body_detail, error_for, retry_after
from quilltap_tui.errors import AuthError, BadRequest, ProviderError, RateLimited, Timeout, Unavailable
from quilltap_tui.redaction import redact


def test_retry_after_prefers_milliseconds_then_seconds_then_dates() -> None:
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after({"Retry-After": "3"}) == 3.0
    future = email.utils.formatdate(time.time() + 60, usegmt=True)
    wait = retry_after({"retry-after": future})
    assert wait is not None and 0 < wait <= 60
    assert retry_after({}) is None
    assert retry_after({"retry-after": "soon"}) is None


def test_body_shapes_from_every_provider() -> None:
    openai_inner = {"message": "bad", "type": "invalid_request_error", "param": "size", "code": "invalid_value"}
    assert body_detail(openai_inner) == ("bad", "invalid_value", "size")
    assert body_detail({"code": "Client specified an invalid argument", "error": "Incorrect API key"}) == (
        "Incorrect API key",
        None,
        None,
    )
    gemini = [{"error": {"code": 400, "message": "API key not valid.", "status": "INVALID_ARGUMENT"}}]
    assert body_detail(gemini) == ("API key not valid.", 400, None)
    anthropic = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    assert body_detail(anthropic) == ("Overloaded", "overloaded_error", None)


def test_google_bad_key_is_an_auth_error_even_as_400() -> None:
    body = [
        {
            "error": {
                "code": 400,
                "message": "API key not valid. Please pass a valid API key.",
                "status": "INVALID_ARGUMENT",
                "details": [{"reason": "API_KEY_INVALID"}],
            }
        }
    ]
    assert isinstance(error_for(400, body, provider="google", key="k"), AuthError)


def test_in_stream_errors_use_the_body_code() -> None:
    assert isinstance(
        error_for(None, {"code": 429, "message": "slow down"}, provider="openrouter", key=None), RateLimited
    )
    assert isinstance(error_for(None, {"code": 408, "message": "timeout"}, provider="openrouter", key=None), Timeout)
    assert isinstance(error_for(None, {"message": "?"}, provider="openrouter", key=None), Unavailable)
    refused = error_for(
        402, {"error": {"code": 402, "message": "Insufficient credits"}}, provider="openrouter", key=None
    )
    assert isinstance(refused, BadRequest) and refused.exit_code == 4


def test_messages_are_one_sentence_and_never_hold_the_key() -> None:
    key = "sk-live-abcdefghijklmnopqrstuvwxyz"
    error = error_for(401, {"message": f"key {key} revoked\n\nsee docs"}, provider="openai", key=key)
    assert isinstance(error, ProviderError)
    text = str(error)
    assert key not in text and "\n" not in text and text.endswith(".")
    assert "\u2026wxyz" in text  # the one masked form, as `keys list` shows it
    assert redact("nothing here", [key]) == "nothing here"
