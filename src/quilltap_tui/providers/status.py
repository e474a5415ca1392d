"""One mapping from a provider's error answer to the error tree, for chat and image providers alike.

Each API shape has a small parser (``imagegen.providers.errors`` for the image APIs,
``chat.providers.error_for`` for chat bodies and SDK errors) that reduces an answer to
:class:`ErrorFacts`; :func:`error_from_facts` alone decides the class and writes the sentence. The
wait a server asks for is read by :func:`retry_after_seconds` (headers) and :func:`google_retry_delay`
(Google's ``RetryInfo.retryDelay``), and travels on the error for the one retry loop
(:mod:`quilltap_tui.providers.retry`).

Decisions: 409 (a conflict, e.g. OpenAI's lock timeout) is :class:`Unavailable` and retried, as both
SDKs do; 408 and 504 are :class:`Timeout` (a kind of Unavailable: exit 5, retried).
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from quilltap_tui.errors import (
    AuthError,
    BadRequest,
    ContentRefused,
    ProviderError,
    RateLimited,
    Timeout,
    Unavailable,
)
from quilltap_tui.redaction import redact

_MAX_TEXT = 300


@dataclass(frozen=True)
class ErrorFacts:
    """What a provider's error answer says, in a provider-neutral form. ``message`` is already redacted."""

    status: int | None
    message: str
    reason: str | None = None  # code / type / gRPC status / ErrorInfo reason
    param: str | None = None
    retry_after: float | None = None
    retry_hint: bool | None = None  # the server's own x-should-retry verdict
    bad_key: bool = False
    refused: bool = False
    quota: bool = False


def error_from_facts(provider: str, facts: ErrorFacts, *, provider_id: str = "",
                     secrets: Iterable[str | None] = ()) -> ProviderError:
    """Map provider-neutral facts onto the error tree, with one clear sentence as the message.

    ``provider`` names the provider in the sentence ("xAI"); ``provider_id`` is stored on the error. The
    composed sentence and the field (a provider may echo the key in its message, code or param) go
    through the app's one redactor with ``secrets``.
    """
    given = tuple(secrets)
    error = _classify(provider, facts, provider_id or provider, given)
    error.retry_after = facts.retry_after
    error.retry_hint = facts.retry_hint
    return error


def _classify(name: str, facts: ErrorFacts, pid: str, secrets: tuple[str | None, ...]) -> ProviderError:
    text = redact(_sentence_body(facts), secrets)
    status = facts.status
    http = f" (HTTP {status})" if status else ""
    if facts.refused:
        return ContentRefused(f"{name} refused the request: {text}", provider=pid, status=status)
    if facts.bad_key or status == 401:
        return AuthError(f"{name} rejected the API key: {text}", provider=pid, status=status)
    if status == 403:
        return AuthError(f"{name} denied access: {text}", provider=pid, status=status)
    if status == 429 and facts.quota:
        return RateLimited(f"{name} says the account's quota is used up: {text}", provider=pid, status=status,
                           retry_after=facts.retry_after, quota=True)
    if status == 429:
        wait = f" It asks to wait {facts.retry_after:g} s." if facts.retry_after else ""
        return RateLimited(f"{name} is rate limiting requests: {text}{wait}", provider=pid, status=status,
                           retry_after=facts.retry_after)
    if status in (408, 504):
        return Timeout(f"{name} timed out{http}: {text}", provider=pid, status=status)
    if status is not None and 400 <= status < 500 and status != 409:
        field = redact(facts.param, secrets) if facts.param else ("model" if status == 404 else None)
        return BadRequest(f"{name} rejected the request: {text}", provider=pid, status=status, field=field)
    return Unavailable(f"{name} is unavailable{http}: {text}", provider=pid, status=status)


def _sentence_body(facts: ErrorFacts) -> str:
    fallback = f"HTTP {facts.status}" if facts.status else "no reason given"
    message = " ".join(facts.message.split()).rstrip(". ") or fallback
    if len(message) > _MAX_TEXT:
        message = message[: _MAX_TEXT - 1].rstrip() + "…"
    return f"{message} ({facts.reason})." if facts.reason else f"{message}."


def retry_after_seconds(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """The wait a server asked for: ``retry-after-ms``, else ``Retry-After`` (seconds or an HTTP date)."""
    if not headers:
        return None
    lower = {k.lower(): v for k, v in headers.items()}
    raw_ms = lower.get("retry-after-ms")
    if raw_ms:
        try:
            return max(float(raw_ms) / 1000.0, 0.0)
        except ValueError:
            pass
    raw = lower.get("retry-after")
    if not raw:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


def retry_hint(headers: Mapping[str, str] | None) -> bool | None:
    """The server's ``x-should-retry`` verdict (``true``/``false``), or None when it gives none."""
    value = next((v for k, v in (headers or {}).items() if k.lower() == "x-should-retry"), "").lower()
    return {"true": True, "false": False}.get(value)


def google_retry_delay(details: Any) -> float | None:
    """Seconds from a Google error's ``RetryInfo.retryDelay`` (a protobuf Duration: ``"30s"``, ``"1.5s"``)."""
    for detail in details if isinstance(details, list) else []:
        value = detail.get("retryDelay") if isinstance(detail, dict) else None
        if isinstance(value, str) and value.endswith("s"):
            try:
                return max(float(value[:-1]), 0.0)
            except ValueError:
                return None
    return None
