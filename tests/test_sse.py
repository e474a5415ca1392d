"""The server-sent-event reader the chat providers use in place of the SDKs' per-chunk models."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from quilltap_tui.errors import MalformedResponse
from quilltap_tui.sse import ReadPace, ServerEvent, response_lines, server_events


async def _lines(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def _read(*lines: str) -> list[ServerEvent]:
    return [event async for event in server_events(_lines(*lines))]


async def test_events_split_on_blank_lines_with_names_and_joined_data() -> None:
    events = await _read("event: message_start", 'data: {"a":', "data: 1}", "", "data: [DONE]", "")
    assert events == [ServerEvent("message_start", '{"a":\n1}'), ServerEvent(None, "[DONE]")]
    assert events[0].json("openai") == {"a": 1}


async def test_comments_keepalives_and_unknown_fields_are_skipped() -> None:
    events = await _read(": OPENROUTER PROCESSING", "", "id: 7", "retry: 100", "data:{}", "", "")
    assert events == [ServerEvent(None, "{}")]  # "data:" without the space counts too


async def test_a_last_event_without_its_blank_line_is_kept() -> None:
    assert await _read("data: {}", "") == await _read("data: {}")


async def test_bad_json_names_the_provider() -> None:
    with pytest.raises(MalformedResponse, match="OpenRouter sent a streamed event that is not valid JSON"):
        ServerEvent(None, "{nope").json("openrouter")


class _Network:
    """A body whose chunks arrive one at a time, each a moment after the last (as a server streams tokens)."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            await asyncio.sleep(0.002)
            yield chunk


async def test_a_body_read_in_bursts_gives_every_line_in_order() -> None:
    # Lines cut across chunks too: a burst must not lose or reorder the part of a line read before a pause.
    body = b"".join(f"data: {{\"n\": {n}}}\n\n".encode() for n in range(60))
    chunks = [body[i:i + 7] for i in range(0, len(body), 7)]
    plain = [line async for line in response_lines(_Network(chunks), "openai")]
    paced = [line async for line in response_lines(_Network(chunks), "openai",
                                                   pace=ReadPace(interval=0.01, after=0.0))]
    assert paced == plain
    assert [event.json("openai")["n"] for event in await _read(*paced)] == list(range(60))
