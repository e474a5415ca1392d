"""Each provider's real error bodies (fixtures) map to the right error class and a clear message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest

from quilltap_tui.errors import (
    AuthError,
    BadRequest,
    ContentRefused,
    ProviderError,
    RateLimited,
    Unavailable,
)
from quilltap_tui.imagegen.providers import errors as provider_errors

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.Response(status, json=body, headers=headers or {})


CASES = [
    # (classifier, provider, status, fixture, error class, field, exact message)
    (
        provider_errors.classify_openai,
        "OpenAI",
        401,
        "openai_error_invalid_key.json",
        AuthError,
        None,
        "OpenAI rejected the API key: Incorrect API key provided: sk-test***********cdef. You can find your API "
        "key at https://platform.openai.com/account/api-keys (invalid_api_key).",
    ),
    (
        provider_errors.classify_openai,
        "OpenAI",
        400,
        "openai_error_moderation.json",
        ContentRefused,
        None,
        "OpenAI refused the request: Your request was rejected by the safety system. If you believe this is an "
        "error, contact us at help.openai.com and include the request ID req_123 (moderation_blocked).",
    ),
    (provider_errors.classify_openai, "OpenAI", 400, "openai_error_content_policy.json", ContentRefused, None, None),
    (
        provider_errors.classify_openai,
        "OpenAI",
        400,
        "openai_error_unknown_parameter.json",
        BadRequest,
        "response_format",
        "OpenAI rejected the request: Unknown parameter: 'response_format' (unknown_parameter).",
    ),
    (provider_errors.classify_openai, "OpenAI", 400, "openai_error_invalid_quality.json", BadRequest, "quality", None),
    (provider_errors.classify_openai, "OpenAI", 404, "openai_error_model_not_found.json", BadRequest, "model", None),
    (provider_errors.classify_openai, "OpenAI", 429, "openai_error_rate_limit.json", RateLimited, None, None),
    (
        provider_errors.classify_xai,
        "xAI",
        400,
        "xai_error_bad_key.json",
        AuthError,
        None,
        "xAI rejected the API key: Incorrect API key provided: xa***. You can obtain an API key from "
        "https://console.x.ai.",
    ),
    (
        provider_errors.classify_xai,
        "xAI",
        400,
        "xai_error_unsupported_size.json",
        BadRequest,
        "size",
        "xAI rejected the request: Argument not supported: size.",
    ),
    (
        provider_errors.classify_google,
        "Google",
        400,
        "google_error_bad_key.json",
        AuthError,
        None,
        "Google rejected the API key: API key not valid. Please pass a valid API key (API_KEY_INVALID).",
    ),
    (
        provider_errors.classify_google,
        "Google",
        429,
        "google_error_quota.json",
        RateLimited,
        None,
        "Google is rate limiting requests: You exceeded your current quota, please check your plan and billing "
        "details (RESOURCE_EXHAUSTED). It asks to wait 30 s.",
    ),
    (provider_errors.classify_google, "Google", 400, "google_error_unknown_field.json", BadRequest, None, None),
]


@pytest.mark.parametrize(
    ("classify", "title", "status", "name", "kind", "field", "message"), CASES, ids=[case[3] for case in CASES]
)
def test_error_fixture_is_classified(
    classify: Any, title: str, status: int, name: str, kind: type[ProviderError], field: str | None, message: str | None
) -> None:
    error = classify(response(status, fixture(name)), provider=title)
    assert type(error) is kind
    assert error.status == status
    assert getattr(error, "field", None) == field
    if message is not None:
        assert str(error) == message
    assert str(error).startswith(title) and str(error).endswith(".")


def test_openai_quota_is_marked_not_retryable() -> None:
    error = provider_errors.classify_openai(response(429, fixture("openai_error_quota.json")))
    assert isinstance(error, RateLimited) and error.quota and not error.retryable


def test_google_quota_carries_retry_info_delay() -> None:
    error = provider_errors.classify_google(response(429, fixture("google_error_quota.json")))
    assert isinstance(error, RateLimited) and error.retry_after == 30.0


def test_non_json_error_bodies_still_give_a_sentence() -> None:
    error = provider_errors.classify_openai(httpx2.Response(502, text="<html>Bad gateway</html>"), provider="OpenAI")
    assert isinstance(error, Unavailable)
    assert str(error) == "OpenAI is unavailable (HTTP 502): HTTP 502 Bad Gateway."


@pytest.mark.parametrize(
    "classify",
    [provider_errors.classify_openai, provider_errors.classify_xai, provider_errors.classify_google],
)
def test_a_key_echoed_in_full_is_redacted(classify: Any) -> None:
    key = "sk-live-THIS-IS-THE-WHOLE-SECRET-0123456789"
    text = f"Incorrect API key provided: {key}."
    bodies = [
        {"error": {"message": text, "type": "invalid_request_error", "code": "invalid_api_key"}},
        {"code": "Client specified an invalid argument", "error": text},
    ]
    for body in bodies:
        error = classify(response(401, body), provider="P", secrets=(key,))
        assert key not in str(error)
        assert "\u20266789" in str(error)


def test_long_provider_text_is_shortened() -> None:
    body = {"error": {"message": "word " * 400, "type": "server_error", "code": None}}
    error = provider_errors.classify_openai(response(500, body))
    assert len(str(error)) < 400
