"""Turning an image provider's error answer into the error tree, one provider body shape at a time.

OpenAI ``{"error": {message, type, param, code}}``, xAI ``{"code", "error"}`` (a bad key is HTTP 400) and
Google ``{"error": {code, message, status, details: [ErrorInfo, RetryInfo, ...]}}`` each have a
``classify_*`` function. Messages are one sentence naming the provider and its reason; provider text is
redacted against the key first, because some providers echo part of it back. The facts they extract go
to the one mapper shared with the chat providers (:func:`quilltap_tui.providers.status.error_from_facts`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import httpx2

from quilltap_tui.errors import ProviderError
from quilltap_tui.net import json_body
from quilltap_tui.providers.status import (
    ErrorFacts,
    error_from_facts,
    google_retry_delay,
    retry_after_seconds,
    retry_hint,
)
from quilltap_tui.redaction import redact


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
        retry_hint=retry_hint(response.headers),
        refused=code in ("content_policy_violation", "moderation_blocked")
        or err.get("type") == "image_generation_user_error",
        quota=code == "insufficient_quota",
    )
    return error_from_facts(provider, facts, secrets=secrets)


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
        retry_hint=retry_hint(response.headers),
        bad_key="api key" in lowered and response.status_code in (400, 401, 403),
        refused=any(word in lowered for word in _XAI_REFUSAL_WORDS),
    )
    return error_from_facts(provider, facts, secrets=secrets)


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
    delay = google_retry_delay(details)
    message = redact(_str(err.get("message")) or _fallback_message(response), secrets)
    facts = ErrorFacts(
        status=response.status_code,
        message=message,
        reason=reason or _str(err.get("status")),
        retry_after=delay if delay is not None else retry_after_seconds(response.headers),
        retry_hint=retry_hint(response.headers),
        bad_key=reason in ("API_KEY_INVALID", "API_KEY_EXPIRED"),
        # Imagen's prompt pre-filter answers 400 with this wording rather than a dedicated status.
        refused="prompt could not be submitted" in message.lower(),
    )
    return error_from_facts(provider, facts, secrets=secrets)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
