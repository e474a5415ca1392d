"""Server-sent events from an image provider (OpenAI's ``stream: true`` partial images, generations and edits).

The request goes through the one retry loop like any JSON call, but only until the answer's status is
known: a 2xx is handed over unread and its body is read as events with the chat streams' reader
(:mod:`quilltap_tui.sse`), line by line. Events carry whole images in base64, so the
line and event caps here are the response cap (``max_response_mb``), not the smaller chat-line cap.
Once events flow nothing is retried: a stream cut mid-way raises, and nothing of it is kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import httpx2

from quilltap_tui import caps
from quilltap_tui.errors import Timeout, Unavailable
from quilltap_tui.imagegen.providers.common import grouped
from quilltap_tui.providers import retry
from quilltap_tui.providers.retry import RetryPolicy
from quilltap_tui.providers.status import retry_after_seconds, retry_hint
from quilltap_tui.sse import ServerEvent, response_lines, server_events

if TYPE_CHECKING:
    from quilltap_tui.imagegen.providers.common import HttpImageProvider


class _Body:
    """The open response as :func:`response_lines` reads it (an async ``iter_bytes``)."""

    def __init__(self, response: httpx2.Response) -> None:
        self.iter_bytes = response.aiter_bytes


async def stream_events(
    provider: HttpImageProvider, url: str, *, api_key: str | None, body: Mapping[str, Any] | None = None,
    form: tuple[Sequence[tuple[str, str]], Sequence[tuple[str, tuple[str, bytes, str]]]] | None = None,
) -> AsyncIterator[ServerEvent]:
    """POST ``body`` as JSON, or ``form`` (fields, files) as multipart, and yield the answer's events.

    The response is closed however this ends.
    """
    client = provider.client
    headers = {**provider.auth_headers(api_key), "Accept": "text/event-stream"}
    classify = partial(provider.classifier, provider=provider.title, secrets=(api_key,))

    def build() -> httpx2.Request:
        if form is not None:
            fields, files = form
            return client.build_request("POST", url, headers=headers, data=dict(grouped(fields)), files=list(files))
        return client.build_request("POST", url, headers=headers, json=dict(body or {}))

    async def attempt() -> httpx2.Response:
        request = build()
        try:
            response = await client.send(request, stream=True)
        except httpx2.TimeoutException as exc:
            raise Timeout(f"{provider.title} did not answer in time ({type(exc).__name__}).") from exc
        except httpx2.TransportError as exc:
            raise Unavailable(f"Could not reach {provider.title} at {request.url.host} "
                              f"({type(exc).__name__}).") from exc
        if response.is_success:
            return response
        try:
            await response.aread()
        finally:
            await response.aclose()
        error = classify(response)
        if error.retry_after is None:
            error.retry_after = retry_after_seconds(response.headers)
        if error.retry_hint is None:
            error.retry_hint = retry_hint(response.headers)
        raise error

    policy = RetryPolicy(max_retries=provider.max_retries, max_total_wait=provider.max_total_wait,
                         sleep=provider.sleep, on_retry=provider.on_retry)
    response = await retry.with_retries(attempt, policy)
    cap = caps.current().max_response_bytes
    try:
        lines = response_lines(_Body(response), provider.id, max_line=cap)
        async for event in server_events(lines, max_data=cap):
            yield event
    finally:
        with contextlib.suppress(httpx2.TransportError):
            await response.aclose()
