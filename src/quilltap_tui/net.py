"""Shared HTTP plumbing for provider clients: bounded retries, error classification, safe downloads.

Everything here works on an injected ``httpx2.AsyncClient`` so tests can point it at a loopback fake
or an ``httpx2.MockTransport``. Nothing here logs or formats a secret: provider text that may echo a
key goes through :func:`redact` before it reaches an error message.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import json
import random
import re
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx2

from quilltap_tui.errors import (
    AuthError,
    BadRequest,
    ContentRefused,
    MalformedResponse,
    ProviderError,
    RateLimited,
    Timeout,
    Unavailable,
)

Classifier = Callable[[httpx2.Response], ProviderError]
RequestFactory = Callable[[], httpx2.Request]
RetryHook = Callable[[int, float, str], None]
Sleep = Callable[[float], Awaitable[None]]

RETRY_STATUSES = frozenset({408, 409, 429})
MAX_SERVER_WAIT = 120.0  # the OpenAI SDK rule: a longer server-requested wait means "do not retry"
MIB = 1024 * 1024
# Headers that carry a credential; never sent along with a download from a provider-given URL.
AUTH_HEADERS = ("authorization", "x-goog-api-key", "x-api-key", "api-key", "x-key")
_MAX_TEXT = 300


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One TLS context per process: loading the CA bundle costs about 25 ms, so never do it per call."""
    return ssl.create_default_context()


def make_client(timeout: float) -> httpx2.AsyncClient:
    """An HTTP client for provider calls, reusing the process-wide TLS context."""
    return httpx2.AsyncClient(timeout=timeout, verify=shared_ssl_context())


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every occurrence of each secret (4+ chars) in ``text`` with ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The wait a server asked for: ``retry-after-ms``, else ``Retry-After`` (seconds or HTTP date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(float(raw_ms) / 1000.0, 0.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
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


def backoff_delay(attempt: int) -> float:
    """Exponential backoff ``min(0.5 * 2^n, 8 s)`` plus up to 25 % jitter so clients do not stampede."""
    base = min(0.5 * 2.0**attempt, 8.0)
    return base + random.uniform(0.0, base * 0.25)


async def send_with_retries(
    client: httpx2.AsyncClient,
    request_factory: RequestFactory,
    *,
    classify: Classifier,
    max_retries: int = 2,
    max_total_wait: float = 60.0,
    sleep: Sleep = asyncio.sleep,
    on_retry: RetryHook | None = None,
    provider: str = "The provider",
) -> httpx2.Response:
    """Send a request until it succeeds, retrying transient failures a bounded number of times.

    Returns a 2xx response whose body is already read. Raises the classified :class:`ProviderError`
    (or :class:`Timeout`/:class:`Unavailable` for transport failures) once retrying is pointless.
    """
    waited = 0.0
    attempt = 0
    while True:
        response: httpx2.Response | None = None
        try:
            response = await _send_once(client, request_factory(), provider)
        except (Timeout, Unavailable) as exc:
            error: ProviderError = exc
        else:
            if response.is_success:
                return response
            error = classify(response)
        wait = _retry_wait(error, response, attempt, max_retries, max_total_wait - waited)
        if wait is None:
            raise error
        if on_retry is not None:
            on_retry(attempt + 1, wait, _reason(error, response))
        await sleep(wait)
        waited += wait
        attempt += 1


async def _send_once(client: httpx2.AsyncClient, request: httpx2.Request, provider: str) -> httpx2.Response:
    """One round trip with the body fully read; transport failures become provider errors."""
    host = request.url.host
    try:
        response = await client.send(request, stream=True)
    except httpx2.TimeoutException as exc:
        raise Timeout(f"{provider} did not answer in time ({type(exc).__name__}).") from exc
    except httpx2.TransportError as exc:
        raise Unavailable(f"Could not reach {provider} at {host} ({type(exc).__name__}).") from exc
    try:
        await response.aread()
    except httpx2.TimeoutException as exc:
        raise Timeout(f"{provider} stopped sending its answer before the end (read timeout).") from exc
    except httpx2.TransportError as exc:
        # Headers arrived, the body did not: the answer itself is unusable (and may have been billed),
        # so this is not treated as a connection failure that a retry would fix.
        raise MalformedResponse(f"{provider}'s answer was cut off before the end.") from exc
    finally:
        await response.aclose()
    return response


def _retry_wait(
    error: ProviderError, response: httpx2.Response | None, attempt: int, max_retries: int, budget: float
) -> float | None:
    """How long to wait before the next attempt, or ``None`` when the error must be raised now."""
    if attempt >= max_retries or not _retryable(error, response):
        return None
    server_wait = error.retry_after if isinstance(error, RateLimited) else None
    if server_wait is None and response is not None:
        server_wait = retry_after_seconds(response.headers)
    if server_wait is not None and server_wait > 0:
        if server_wait > MAX_SERVER_WAIT or server_wait > budget:
            if isinstance(error, RateLimited):
                error.retry_after = server_wait
            return None
        return server_wait
    wait = backoff_delay(attempt)
    return wait if wait <= budget else None


def _retryable(error: ProviderError, response: httpx2.Response | None) -> bool:
    if isinstance(error, RateLimited) and error.quota:
        return False
    if response is None:
        return error.retryable
    hint = response.headers.get("x-should-retry", "").lower()
    if hint in ("true", "false"):
        return hint == "true"
    return response.status_code in RETRY_STATUSES or response.status_code >= 500


def _reason(error: ProviderError, response: httpx2.Response | None) -> str:
    if response is None:
        return "timeout" if isinstance(error, Timeout) else "connection failed"
    labels = {429: "rate limited", 408: "request timeout", 409: "conflict"}
    label = labels.get(response.status_code, "server error")
    return f"{response.status_code} {label}"


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


def error_from_facts(provider: str, facts: ErrorFacts) -> ProviderError:
    """Map provider-neutral facts onto the error tree, with one clear sentence as the message."""
    text = _sentence_body(facts)
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


def json_body(response: httpx2.Response) -> Any:
    """The response body as JSON, or ``None`` when it is not JSON."""
    try:
        return json.loads(response.content)
    except ValueError:
        return None


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
    return error_from_facts(provider, facts)


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
    return error_from_facts(provider, facts)


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
    return error_from_facts(provider, facts)


def _google_delay(value: Any) -> float | None:
    """Parse a protobuf Duration as JSON (``"30s"``, ``"1.5s"``)."""
    if isinstance(value, str) and value.endswith("s"):
        try:
            return float(value[:-1])
        except ValueError:
            return None
    return None


def _size(count: int) -> str:
    return f"{count / MIB:g} MiB" if count >= MIB else f"{count} bytes"


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


async def download_image(
    client: httpx2.AsyncClient,
    url: str,
    *,
    max_bytes: int = 50 * MIB,
    timeout: float = 60.0,  # noqa: ASYNC109 - a whole-download cap, enforced with asyncio.timeout below
    provider: str = "The provider",
) -> bytes:
    """Fetch an image from a provider-given URL: http(s) only, no credentials, size and time capped."""
    try:
        request = client.build_request("GET", url)
    except (httpx2.InvalidURL, httpx2.UnsupportedProtocol) as exc:
        raise MalformedResponse(f"{provider} returned an image link that is not a valid URL.") from exc
    if request.url.scheme not in ("http", "https"):
        raise MalformedResponse(
            f"{provider} returned an image link with the unsupported scheme {request.url.scheme!r}."
        )
    for header in AUTH_HEADERS:
        # The link points at a storage host; our key is none of its business.
        request.headers.pop(header, None)
    try:
        async with asyncio.timeout(timeout):
            return await _read_capped(client, request, max_bytes, provider)
    except (TimeoutError, httpx2.TimeoutException) as exc:
        raise Timeout(f"Downloading the image from {provider} took longer than {timeout:g} s.") from exc
    except httpx2.TransportError as exc:
        raise Unavailable(f"Could not download the image from {provider} ({type(exc).__name__}).") from exc


async def _read_capped(
    client: httpx2.AsyncClient, request: httpx2.Request, max_bytes: int, provider: str
) -> bytes:
    response = await client.send(request, stream=True, follow_redirects=True)
    try:
        if not response.is_success:
            raise Unavailable(f"Downloading the image from {provider} failed with HTTP "
                              f"{response.status_code}.", status=response.status_code)
        declared = response.headers.get("content-length", "")
        too_big = MalformedResponse(f"The image from {provider} is larger than {_size(max_bytes)}.")
        if declared.isdigit() and int(declared) > max_bytes:
            raise too_big
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise too_big
            chunks.append(chunk)
        return b"".join(chunks)
    except httpx2.RemoteProtocolError as exc:
        raise MalformedResponse(f"The image download from {provider} was cut off before the end.") from exc
    finally:
        await response.aclose()
