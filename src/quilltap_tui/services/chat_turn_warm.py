"""Warming the TUI's first chat turn: its store opened and one stub request per chat provider, on the turn loop.

Importing the SDK is not all a process's first chat request pays. After the imports, the first request
through the SDK still resolved and cached the type hints of its request parameters, created the chat
resource, imported our request renderers and built the HTTP client's first request: 15-20 ms of the
turn thread's CPU between Enter and the request in the peer harness (a second request costs 1-2 ms).
So once the app is usable, a worker thread runs one streamed request per chat provider of the user's
profiles on the turn loop, through the provider's own code, its SDK and our transport guard, answered
in memory (``httpx2.MockTransport``): nothing leaves the process and no key is read. It also opens
the turns' plain stores (:mod:`services.chat_turn_thread`), which the first turn would open otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import Iterable

from quilltap_tui.services import chat_turn_thread
from quilltap_tui.services.context import AppContext

log = logging.getLogger(__name__)

WARM_URL = "http://warm-up.invalid/v1"  # answered by the mock transport: never resolved or connected to
MAX_PROVIDERS = 4  # at most this many distinct chat providers are warmed (each costs ~30 ms of CPU once)
# One short streamed reply per SDK's wire format (OpenAI-compatible: most catalogue providers). A provider
# whose SDK is not listed fails to parse the OpenAI one, after its request was built and sent (the part warmed).
_REPLIES = {
    "openai": (
        b'data: {"id":"w","object":"chat.completion.chunk","created":0,"model":"w","choices":[{"index":0,'
        b'"delta":{"role":"assistant","content":"ok"},"finish_reason":null}]}\n\n'
        b'data: {"id":"w","object":"chat.completion.chunk","created":0,"model":"w","choices":[{"index":0,'
        b'"delta":{},"finish_reason":"stop"}]}\n\n'
        b"data: [DONE]\n\n"
    ),
    "anthropic": (
        b'event: message_start\ndata: {"type":"message_start","message":{"id":"w","type":"message",'
        b'"role":"assistant","model":"w","content":[],"stop_reason":null,"usage":{"input_tokens":1,'
        b'"output_tokens":0}}}\n\n'
        b'event: content_block_start\ndata: {"type":"content_block_start","index":0,'
        b'"content_block":{"type":"text","text":""}}\n\n'
        b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
        b'"delta":{"type":"text_delta","text":"ok"}}\n\n'
        b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
        b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},'
        b'"usage":{"output_tokens":1}}\n\n'
        b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
    ),
}


def warm(ctx: AppContext, chat_providers: Iterable[str], timeout: float = 10.0) -> None:
    """Open the turns' store and make a stub request per chat provider, on the turn loop (blocking: a thread).

    Never raises: a warm-up that fails or outlasts ``timeout`` (a turn already running there) changes nothing.
    """
    providers = list(dict.fromkeys(chat_providers))[:MAX_PROVIDERS]
    future = asyncio.run_coroutine_threadsafe(_warm(ctx, providers), chat_turn_thread.turn_loop())
    try:
        future.result(timeout)
    except Exception:  # TimeoutError included: it goes on there, harmlessly
        log.debug("warming the first chat turn did not finish", exc_info=True)


async def _warm(ctx: AppContext, providers: list[str]) -> None:
    try:
        chat_turn_thread.open_stores(ctx)
    except Exception:  # the first turn opens it (or takes the ORM path) and reports what is wrong
        log.debug("opening the turns' store ahead failed", exc_info=True)
    for provider in providers:
        try:
            await stub_request(provider)
        except Exception:  # a warm-up only: the real first request reports whatever is wrong
            log.debug("warming the %s chat request failed", provider, exc_info=True)


async def stub_request(provider_id: str) -> int:
    """One streamed chat request (a message, a tool) through ``provider_id``'s code, answered in memory;
    returns how many requests the in-memory server answered (none for a plug-in's own provider class)."""
    import httpx2

    from quilltap_tui.chat.providers.base import SdkChatProvider
    from quilltap_tui.chat.registry import get_chat_provider
    from quilltap_tui.chat.spec import ChatMessage
    from quilltap_tui.netguard import GuardedTransport
    from quilltap_tui.providers.registry import chat_unit
    from quilltap_tui.providers.unit import resolve
    from quilltap_tui.tools.spec import ToolSpec

    answered = 0

    def answer(request: httpx2.Request) -> httpx2.Response:
        nonlocal answered
        answered += 1
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=reply)

    facet = chat_unit(provider_id).chat
    factory = resolve(facet.factory) if facet is not None else None
    if facet is None or not (isinstance(factory, type) and issubclass(factory, SdkChatProvider)):
        return 0  # a plug-in's own provider: its code is not ours to run without a user's request
    sdk = importlib.import_module(facet.sdk_module)
    reply = _REPLIES.get(facet.sdk_module, _REPLIES["openai"])
    client_class = getattr(sdk, "DefaultAsyncHttpxClient", httpx2.AsyncClient)
    client = client_class(transport=GuardedTransport(httpx2.MockTransport(answer)))
    provider = get_chat_provider(provider_id, api_key="warm-up", base_url=WARM_URL, http_client=client,
                                 max_retries=0)
    tool = ToolSpec("warm_up", "A tool offered so the request carries tools, as a chat's does.",
                    {"type": "object", "properties": {"prompt": {"type": "string"}}, "required": ["prompt"]})
    try:
        stream = provider.stream(model="warm-up", messages=[ChatMessage(role="user", content="warm-up")],
                                 tools=[tool])
        async for _event in stream:
            pass
    finally:
        with contextlib.suppress(Exception):
            await provider.aclose()
        await client.aclose()
    return answered
