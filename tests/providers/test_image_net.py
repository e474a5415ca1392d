"""Retries, error classification and downloads in quilltap_tui.net (MockTransport, injected sleep)."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from quilltap_tui import net
from quilltap_tui.errors import BadRequest, MalformedResponse, RateLimited, Timeout, Unavailable
from quilltap_tui.imagegen.providers import errors as provider_errors

URL = "https://api.example.test/v1/images/generations"


class FakeSleep:
    """Records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def scripted(*answers: httpx2.Response | Exception) -> tuple[httpx2.AsyncClient, list[httpx2.Request]]:
    """A client whose transport answers each request with the next scripted response or exception."""
    seen: list[httpx2.Request] = []
    queue = list(answers)

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx2.AsyncClient(transport=httpx2.MockTransport(handler)), seen


def oai(
    status: int, code: str, message: str = "slow down", headers: dict[str, str] | None = None, type_: str = "requests"
) -> httpx2.Response:
    body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
    return httpx2.Response(status, json=body, headers=headers or {})


async def send(
    client: httpx2.AsyncClient,
    sleep: FakeSleep,
    *,
    classify: Callable[..., Any] = provider_errors.classify_openai,
    retries: int = 2,
    total: float = 60.0,
    hook: list[tuple[int, float, str]] | None = None,
) -> Any:
    def on_retry(attempt: int, wait: float, reason: str) -> None:
        if hook is not None:
            hook.append((attempt, wait, reason))

    return await net.send_with_retries(
        client,
        lambda: client.build_request("POST", URL, json={"prompt": "fox"}),
        classify=lambda r: classify(r, provider="OpenAI"),
        max_retries=retries,
        max_total_wait=total,
        sleep=sleep,
        on_retry=on_retry,
        provider="OpenAI",
    )


async def test_429_with_retry_after_ms_waits_exactly_that_long_then_succeeds() -> None:
    client, seen = scripted(
        oai(429, "rate_limit_exceeded", headers={"retry-after-ms": "1500"}), httpx2.Response(200, json={"data": []})
    )
    sleep, hook = FakeSleep(), []
    response = await send(client, sleep, hook=hook)
    assert response.json() == {"data": []}
    assert sleep.waits == [1.5]
    assert hook == [(1, 1.5, "429 rate limited")]
    assert len(seen) == 2


async def test_retry_after_in_seconds_and_as_http_date_are_both_honoured() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    client, _ = scripted(
        oai(429, "rate_limit_exceeded", headers={"retry-after": "2"}),
        httpx2.Response(503, text="busy", headers={"retry-after": when}),
        httpx2.Response(200, json={}),
    )
    sleep = FakeSleep()
    await send(client, sleep)
    assert sleep.waits[0] == 2.0
    assert 25.0 <= sleep.waits[1] <= 30.0


async def test_5xx_then_success_uses_exponential_backoff_with_jitter() -> None:
    client, seen = scripted(httpx2.Response(500), httpx2.Response(502), httpx2.Response(200, json={}))
    sleep = FakeSleep()
    await send(client, sleep)
    assert len(seen) == 3
    assert 0.5 <= sleep.waits[0] <= 0.625
    assert 1.0 <= sleep.waits[1] <= 1.25


async def test_server_wait_over_120_seconds_is_not_retried_and_reports_the_wait() -> None:
    client, seen = scripted(oai(429, "rate_limit_exceeded", headers={"retry-after": "300"}))
    sleep = FakeSleep()
    with pytest.raises(RateLimited) as caught:
        await send(client, sleep)
    assert len(seen) == 1 and sleep.waits == []
    assert caught.value.retry_after == 300
    assert "300 s" in str(caught.value) and str(caught.value).startswith("OpenAI is rate limiting")


async def test_wait_beyond_the_total_budget_is_not_retried() -> None:
    client, seen = scripted(oai(429, "rate_limit_exceeded", headers={"retry-after": "45"}))
    with pytest.raises(RateLimited):
        await send(client, FakeSleep(), total=10.0)
    assert len(seen) == 1


async def test_insufficient_quota_is_not_retried() -> None:
    client, seen = scripted(
        oai(429, "insufficient_quota", "You exceeded your current quota.", type_="insufficient_quota")
    )
    with pytest.raises(RateLimited) as caught:
        await send(client, FakeSleep())
    assert caught.value.quota and not caught.value.retryable
    assert len(seen) == 1


async def test_retries_are_bounded_in_count() -> None:
    client, seen = scripted(*(httpx2.Response(503) for _ in range(5)))
    sleep = FakeSleep()
    with pytest.raises(Unavailable) as caught:
        await send(client, sleep, retries=2)
    assert len(seen) == 3 and len(sleep.waits) == 2
    assert "HTTP 503" in str(caught.value)


async def test_x_should_retry_false_stops_a_retryable_status() -> None:
    client, seen = scripted(httpx2.Response(500, headers={"x-should-retry": "false"}))
    with pytest.raises(Unavailable):
        await send(client, FakeSleep())
    assert len(seen) == 1


async def test_400_is_never_retried() -> None:
    client, seen = scripted(oai(400, "invalid_value", "Invalid value: 'standard'.", type_="invalid_request_error"))
    with pytest.raises(BadRequest):
        await send(client, FakeSleep())
    assert len(seen) == 1


async def test_timeout_then_success_and_timeouts_exhausted() -> None:
    client, seen = scripted(httpx2.ReadTimeout("slow"), httpx2.Response(200, json={"ok": 1}))
    hook: list[tuple[int, float, str]] = []
    assert (await send(client, FakeSleep(), hook=hook)).json() == {"ok": 1}
    assert hook[0][2] == "timeout"
    client, seen = scripted(*(httpx2.ConnectTimeout("slow") for _ in range(3)))
    with pytest.raises(Timeout) as caught:
        await send(client, FakeSleep())
    assert len(seen) == 3 and "did not answer in time" in str(caught.value)


async def test_connection_refused_becomes_unavailable_naming_the_host() -> None:
    client, _ = scripted(*(httpx2.ConnectError("refused") for _ in range(3)))
    with pytest.raises(Unavailable) as caught:
        await send(client, FakeSleep())
    assert "api.example.test" in str(caught.value)


async def test_google_retry_info_delay_is_honoured() -> None:
    body = {
        "error": {
            "code": 429,
            "message": "Quota exceeded.",
            "status": "RESOURCE_EXHAUSTED",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}],
        }
    }
    client, _ = scripted(httpx2.Response(429, json=body), httpx2.Response(200, json={}))
    sleep = FakeSleep()
    await send(client, sleep, classify=provider_errors.classify_google)
    assert sleep.waits == [7.0]


def test_retry_after_parsing() -> None:
    assert net.retry_after_seconds({"retry-after-ms": "250"}) == 0.25
    assert net.retry_after_seconds({"retry-after": "3"}) == 3.0
    assert net.retry_after_seconds({"retry-after": "soon"}) is None
    assert net.retry_after_seconds({}) is None


# ------------------------------------------------------------------------------------------- download
def files(handler: Callable[[httpx2.Request], httpx2.Response]) -> tuple[httpx2.AsyncClient, list[httpx2.Request]]:
    seen: list[httpx2.Request] = []

    def record(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return handler(request)

    client = httpx2.AsyncClient(
        transport=httpx2.MockTransport(record), headers={"Authorization": "Bearer sk-secret-0123456789"}
    )
    return client, seen


async def test_download_sends_no_credentials_even_when_the_client_has_them() -> None:
    client, seen = files(lambda r: httpx2.Response(200, content=b"\x89PNG...."))
    data = await net.download_image(client, "https://cdn.example.test/a.png", provider="xAI")
    assert data == b"\x89PNG...."
    assert "authorization" not in seen[0].headers


async def test_download_rejects_non_http_schemes() -> None:
    client, seen = files(lambda r: httpx2.Response(200))
    for url in ("file:///etc/passwd", "ftp://example.test/a.png"):
        with pytest.raises(MalformedResponse, match=r"scheme|not a valid URL"):
            await net.download_image(client, url, provider="OpenAI")
    assert seen == []


async def test_download_is_capped_by_declared_and_by_streamed_size() -> None:
    client, _ = files(lambda r: httpx2.Response(200, content=b"x" * 2000))
    with pytest.raises(MalformedResponse, match="larger than 1000 bytes"):
        await net.download_image(client, "https://cdn.example.test/big", max_bytes=1000)

    async def chunks() -> Any:
        for _ in range(10):
            yield b"y" * 300

    client, _ = files(lambda r: httpx2.Response(200, content=chunks()))  # no Content-Length
    with pytest.raises(MalformedResponse, match="larger than"):
        await net.download_image(client, "https://cdn.example.test/stream", max_bytes=1000)


async def test_download_failure_status_is_unavailable() -> None:
    client, _ = files(lambda r: httpx2.Response(403, text="expired"))
    with pytest.raises(Unavailable, match="HTTP 403"):
        await net.download_image(client, "https://cdn.example.test/old.png", provider="OpenAI")
