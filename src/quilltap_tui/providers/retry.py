"""The one retry loop of every provider call, chat and image, with an injectable sleep and retry hooks.

A failed attempt is retried when its error says so (``retryable``, or the server's ``x-should-retry``),
a bounded number of times, after the wait the server asked for (``retry_after``; over
:data:`MAX_SERVER_WAIT` means "do not retry", the SDKs' rule) or an exponential backoff with jitter,
and never beyond a total budget. Before each wait it tells ``on_retry(attempt, wait, reason)`` and any
listener installed with :func:`listening` in the current context (the chat turn installs one so the TUI
and ``ask`` can say "retrying in 1.0 s (429 rate limited)").

A stream is retried only until its first event arrives (:func:`retrying_stream`): once text has been
shown, repeating the request would show it twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from quilltap_tui.errors import ProviderError, RateLimited, Timeout

RetryHook = Callable[[int, float, str], None]
Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")

MAX_SERVER_WAIT = 120.0  # the SDKs' rule: a longer server-requested wait means "do not retry"
_LABELS = {429: "rate limited", 408: "request timeout", 409: "conflict", 529: "overloaded"}
_listener: ContextVar[RetryHook | None] = ContextVar("quilltap_retry_listener", default=None)


async def _default_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


# Tests replace this (``monkeypatch.setattr(retry, "SLEEP", ...)``) to retry without really waiting.
SLEEP: Sleep = _default_sleep


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry. ``sleep`` None means :data:`SLEEP` (looked up at each wait)."""

    max_retries: int = 2
    max_total_wait: float = 60.0
    sleep: Sleep | None = None
    on_retry: RetryHook | None = None


@contextlib.contextmanager
def listening(hook: RetryHook) -> Iterator[None]:
    """Report every retry made in this context (this task and the tasks and threads it starts) to ``hook``."""
    token = _listener.set(hook)
    try:
        yield
    finally:
        _listener.reset(token)


def backoff_delay(attempt: int) -> float:
    """Exponential backoff ``min(0.5 * 2^n, 8 s)`` plus up to 25 % jitter so clients do not stampede."""
    base = min(0.5 * 2.0**attempt, 8.0)
    return base + random.uniform(0.0, base * 0.25)


def should_retry(error: ProviderError) -> bool:
    """Whether another attempt could succeed: an exhausted quota never; else the server's verdict, else ours."""
    if isinstance(error, RateLimited) and error.quota:
        return False
    return error.retry_hint if error.retry_hint is not None else error.retryable


def retry_wait(error: ProviderError, attempt: int, max_retries: int, budget: float) -> float | None:
    """How long to wait before attempt ``attempt + 1``, or None when ``error`` must be raised now."""
    if attempt >= max_retries or not should_retry(error):
        return None
    server_wait = error.retry_after
    if server_wait is not None and server_wait > 0:
        return server_wait if server_wait <= min(MAX_SERVER_WAIT, budget) else None
    wait = backoff_delay(attempt)
    return wait if wait <= budget else None


def reason(error: ProviderError) -> str:
    """A few words for the retry note: ``429 rate limited``, ``503 server error``, ``timeout``..."""
    if error.status is None:
        return "timeout" if isinstance(error, Timeout) else "connection failed"
    return f"{error.status} {_LABELS.get(error.status, 'server error')}"


async def with_retries(attempt: Callable[[], Awaitable[T]], policy: RetryPolicy) -> T:
    """Run ``attempt`` until it returns, retrying the :class:`ProviderError` failures worth retrying."""
    waited = 0.0
    tries = 0
    while True:
        try:
            return await attempt()
        except ProviderError as error:
            wait = retry_wait(error, tries, policy.max_retries, policy.max_total_wait - waited)
            if wait is None:
                raise
            _announce(policy, tries + 1, wait, reason(error))
            await (policy.sleep or SLEEP)(wait)
            waited += wait
            tries += 1


def _announce(policy: RetryPolicy, attempt: int, wait: float, why: str) -> None:
    for hook in (policy.on_retry, _listener.get()):
        if hook is not None:
            hook(attempt, wait, why)


async def retrying_stream(open_stream: Callable[[], AsyncIterator[T]], policy: RetryPolicy) -> AsyncIterator[T]:
    """Iterate ``open_stream()``, retrying (as :func:`with_retries`) until its first item has arrived."""

    async def first() -> tuple[AsyncIterator[T], list[T]]:
        stream = open_stream()
        try:
            return stream, [await anext(stream)]
        except StopAsyncIteration:
            return stream, []
        except BaseException:
            await _close(stream)
            raise

    stream, head = await with_retries(first, policy)
    try:
        for item in head:
            yield item
        async for item in stream:
            yield item
    finally:
        await _close(stream)


async def _close(stream: AsyncIterator[object]) -> None:
    close = getattr(stream, "aclose", None)
    if close is not None:
        await close()
