"""Turning an image provider's error answer into the error tree, one provider body shape at a time.

OpenAI ``{"error": {message, type, param, code}}``, xAI ``{"code", "error"}`` (a bad key is HTTP 400) and
Google ``{"error": {code, message, status, details: [ErrorInfo, RetryInfo, ...]}}`` each have a
``classify_*`` function. Messages are one sentence naming the provider and its reason; provider text is
redacted against the key first, because some providers echo part of it back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import httpx2

from quilltap_tui.errors import (
    AuthError,
    BadRequest,
    ContentRefused,
    ProviderError,
    RateLimited,
    Timeout,
    Unavailable,
)
from quilltap_tui.net import json_body, retry_after_seconds
from quilltap_tui.redaction import redact

_MAX_TEXT = 300


@dataclass(frozen=True)
class ErrorFacts:
    """What a provider's error body says, in a provider-neutral form."""

    status: int
    message: str
    reason: str | None = None  # code / type / gRPC status / ErrorInfo reason
    param: str | None = None
    retry_after: float | None = None
    bad_key: bool = False
    refused: bool = False
    quota: bool = False


def error_from_facts(provider: str, facts: ErrorFacts, secrets: Iterable[str | None] = ()) -> ProviderError:
    """Map provider-neutral facts onto the error tree, with one clear sentence as the message.

    The composed body (message and code alike: a provider may echo the key in either) is redacted.
    """
    given = tuple(secrets)
    text = redact(_sentence_body(facts), given)
    facts = replace(facts, param=redact(facts.param, given) if facts.param else None)
    status = facts.status
    if facts.bad_key or status == 401:
        return AuthError(f"{provider} rejected the API key: {text}", provider=provider, status=status)
    if status == 403 and not facts.refused:
        return AuthError(f"{provider} denied access: {text}", provider=provider, status=status)
    if facts.refused:
        return ContentRefused(f"{provider} refused the request: {text}", provider=provider, status=status)
    if status == 429:
        wait = f" It asks to wait {facts.retry_after:g} s." if facts.retry_after else ""
        return RateLimited(f"{provider} is rate limiting requests: {text}{wait}", provider=provider,
                           status=status, retry_after=facts.retry_after, quota=facts.quota)
    if status == 408:
        return Timeout(f"{provider} timed out: {text}", provider=provider, status=status)
    if status >= 500 or status == 409:
        return Unavailable(f"{provider} is unavailable (HTTP {status}): {text}", provider=provider,
                           status=status)
    field = facts.param or ("model" if status == 404 else None)
    return BadRequest(f"{provider} rejected the request: {text}", provider=provider, status=status,
                      field=field)


def _sentence_body(facts: ErrorFacts) -> str:
    message = " ".join(facts.message.split()).rstrip(". ") or f"HTTP {facts.status}"
    if len(message) > _MAX_TEXT:
        message = message[: _MAX_TEXT - 1].rstrip() + "…"
    return f"{message} ({facts.reason})." if facts.reason else f"{message}."


def _fallback_message(response: httpx2.Response) -> str:
    return f"HTTP {response.status_code} {response.reason_phrase}".strip()


def classify_openai(response: httpx2.Response, *, provider: str = "OpenAI",
                    secrets: Iterable[str | None] = ()) -> ProviderError:
    """Classify an OpenAI-shaped error ``{"error": {message, type, param, code}}``."""
    body = json_body(response)
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        err = {"message": err} if isinstance(err, str) else {}
    code = _str(err.get("code")) or _str(err.get("type"))
    message = redact(_str(err.get("message")) or _fallback_message(response), secrets)
    facts = ErrorFacts(
        status=response.status_code,
        message=message,
        reason=code,
        param=_str(err.get("param")),
        retry_after=retry_after_seconds(response.headers),
        refused=code in ("content_policy_violation", "moderation_blocked")
        or err.get("type") == "image_generation_user_error",
        quota=code == "insufficient_quota",
    )
    return error_from_facts(provider, facts, secrets)


_XAI_UNSUPPORTED = re.compile(r"Argument not supported:\s*([A-Za-z_]+)")
_XAI_REFUSAL_WORDS = ("moderation", "content policy", "safety")


def classify_xai(response: httpx2.Response, *, provider: str = "xAI",
                 secrets: Iterable[str | None] = ()) -> ProviderError:
    """Classify an xAI error ``{"code": str, "error": str}`` (a bad key comes back as HTTP 400)."""
    body = json_body(response)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return classify_openai(response, provider=provider, secrets=secrets)
    body = body if isinstance(body, dict) else {}
    message = redact(_str(body.get("error")) or _fallback_message(response), secrets)
    lowered = message.lower()
    unsupported = _XAI_UNSUPPORTED.search(message)
    facts = ErrorFacts(
        status=response.status_code,
        message=message,
        param=unsupported.group(1) if unsupported else None,
        retry_after=retry_after_seconds(response.headers),
        bad_key="api key" in lowered and response.status_code in (400, 401, 403),
        refused=any(word in lowered for word in _XAI_REFUSAL_WORDS),
    )
    return error_from_facts(provider, facts, secrets)


def classify_google(response: httpx2.Response, *, provider: str = "Google",
                    secrets: Iterable[str | None] = ()) -> ProviderError:
    """Classify a Google error ``{"error": {code, message, status, details: [ErrorInfo, RetryInfo]}}``."""
    body = json_body(response)
    if isinstance(body, list) and body:
        body = body[0]  # streaming endpoints wrap the error in a list
    err = body.get("error") if isinstance(body, dict) else None
    err = err if isinstance(err, dict) else {"message": err} if isinstance(err, str) else {}
    details = [d for d in err.get("details") or [] if isinstance(d, dict)]
    reason = next((_str(d.get("reason")) for d in details if d.get("reason")), None)
    delay = next((_google_delay(d.get("retryDelay")) for d in details if "retryDelay" in d), None)
    message = redact(_str(err.get("message")) or _fallback_message(response), secrets)
    facts = ErrorFacts(
        status=response.status_code,
        message=message,
        reason=reason or _str(err.get("status")),
        retry_after=delay if delay is not None else retry_after_seconds(response.headers),
        bad_key=reason in ("API_KEY_INVALID", "API_KEY_EXPIRED"),
        # Imagen's prompt pre-filter answers 400 with this wording rather than a dedicated status.
        refused="prompt could not be submitted" in message.lower(),
    )
    return error_from_facts(provider, facts, secrets)


def _google_delay(value: Any) -> float | None:
    """Parse a protobuf Duration as JSON (``"30s"``, ``"1.5s"``)."""
    if isinstance(value, str) and value.endswith("s"):
        try:
            return float(value[:-1])
        except ValueError:
            return None
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
