"""Shared HTTP plumbing for provider clients: one JSON round trip (retried by the one retry loop of
:mod:`quilltap_tui.providers.retry`), error classification, safe downloads.

Everything here works on an injected ``httpx2.AsyncClient`` so tests can point it at a loopback fake
or an ``httpx2.MockTransport``. Nothing here logs or formats a secret: provider text that may echo a
key goes through :func:`quilltap_tui.redaction.redact` before it reaches an error message.
"""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
from collections.abc import Callable
from typing import Any

import httpx2

from quilltap_tui import linkguard
from quilltap_tui.errors import (
    MalformedResponse,
    ProviderError,
    Timeout,
    Unavailable,
)
from quilltap_tui.providers import retry
from quilltap_tui.providers.retry import RetryHook, RetryPolicy, Sleep
from quilltap_tui.providers.status import retry_after_seconds, retry_hint

Classifier = Callable[[httpx2.Response], ProviderError]
RequestFactory = Callable[[], httpx2.Request]
__all__ = ["RetryHook", "Sleep", "retry_after_seconds"]  # re-exported: older callers import them from here

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
    from quilltap_tui.netguard import guarded_transport

    return httpx2.AsyncClient(timeout=timeout, transport=guarded_transport(shared_ssl_context()))


async def send_with_retries(
    client: httpx2.AsyncClient,
    request_factory: RequestFactory,
    *,
    classify: Classifier,
    max_retries: int = 2,
    max_total_wait: float = 60.0,
    sleep: Sleep | None = None,
    on_retry: RetryHook | None = None,
    provider: str = "The provider",
) -> httpx2.Response:
    """Send a request until it succeeds, retrying transient failures through the one retry loop.

    Returns a 2xx response whose body is already read. Raises the classified :class:`ProviderError`
    (or :class:`Timeout`/:class:`Unavailable` for transport failures) once retrying is pointless.
    """

    async def attempt() -> httpx2.Response:
        response = await _send_once(client, request_factory(), provider)
        if response.is_success:
            return response
        error = classify(response)
        # A plug-in's classifier may not read them: the headers' wait and verdict count all the same.
        if error.retry_after is None:
            error.retry_after = retry_after_seconds(response.headers)
        if error.retry_hint is None:
            error.retry_hint = retry_hint(response.headers)
        raise error

    policy = RetryPolicy(max_retries=max_retries, max_total_wait=max_total_wait, sleep=sleep, on_retry=on_retry)
    return await retry.with_retries(attempt, policy)


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


def json_body(response: httpx2.Response) -> Any:
    """The response body as JSON, or ``None`` when it is not JSON."""
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _size(count: int) -> str:
    return f"{count / MIB:g} MiB" if count >= MIB else f"{count} bytes"


async def download_image(
    client: httpx2.AsyncClient,
    url: str,
    *,
    origin: str | None = None,
    max_bytes: int = 50 * MIB,
    timeout: float = 60.0,  # noqa: ASYNC109 - a whole-download cap, enforced with asyncio.timeout below
    provider: str = "The provider",
) -> bytes:
    """Fetch an image from a provider-given URL: no credentials, size and time capped.

    ``origin``: the profile's base URL. The link and every redirect hop must pass
    :func:`quilltap_tui.linkguard.check_link` (the profile's own origin, or a public https host).
    """
    try:
        async with asyncio.timeout(timeout):
            for _hop in range(MAX_REDIRECTS + 1):
                request = _link_request(client, url, provider)
                await linkguard.check_link(request.url, origin, provider)
                response = await client.send(request, stream=True, follow_redirects=False)
                location = response.headers.get("location") if response.is_redirect else None
                if location is None:
                    return await _read_capped(response, max_bytes, provider)
                await response.aclose()
                url = str(request.url.join(location))
    except (TimeoutError, httpx2.TimeoutException) as exc:
        raise Timeout(f"Downloading the image from {provider} took longer than {timeout:g} s.") from exc
    except httpx2.InvalidURL as exc:
        raise MalformedResponse(f"{provider} returned an image link that redirects to an invalid URL.") from exc
    except httpx2.TransportError as exc:
        raise Unavailable(f"Could not download the image from {provider} ({type(exc).__name__}).") from exc
    raise MalformedResponse(f"The image link from {provider} redirected more than {MAX_REDIRECTS} times.")


MAX_REDIRECTS = 5


def _link_request(client: httpx2.AsyncClient, url: str, provider: str) -> httpx2.Request:
    try:
        request = client.build_request("GET", url)
    except (httpx2.InvalidURL, httpx2.UnsupportedProtocol) as exc:
        raise MalformedResponse(f"{provider} returned an image link that is not a valid URL.") from exc
    for header in AUTH_HEADERS:
        # The link points at a storage host; our key is none of its business.
        request.headers.pop(header, None)
    return request


async def _read_capped(response: httpx2.Response, max_bytes: int, provider: str) -> bytes:
    try:
        if not response.is_success:
            raise Unavailable(f"Downloading the image from {provider} failed with HTTP "
                              f"{response.status_code}.", status=response.status_code)
        declared = response.headers.get("content-length", "")
        too_big = MalformedResponse(f"The image from {provider} is larger than {_size(max_bytes)}.")
        if declared.isdigit() and (len(declared) > 15 or int(declared) > max_bytes):
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
