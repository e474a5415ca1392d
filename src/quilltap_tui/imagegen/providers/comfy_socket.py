"""ComfyUI's progress socket: ``GET /ws?clientId=…`` (a WebSocket), read while our prompt runs.

Wire (comfyanonymous/ComfyUI ``server.py`` ``websocket_handler``, ``send_json``, ``encode_bytes``,
``send_image``; ``main.py`` ``hijack_progress``; ``execution.py``; ``script_examples/websockets_api_example.py``):
the server answers the upgrade with ``{"type": "status", "data": {"status": {"exec_info": {"queue_remaining":
N}}, "sid"}}`` and then sends the events of every prompt queued with that ``client_id`` as JSON text
``{"type", "data"}``: ``execution_start`` ``{prompt_id}``, ``execution_cached``, ``executing`` ``{node,
prompt_id}`` (``node`` null: the prompt is done), ``progress`` ``{value, max, prompt_id, node}`` (sampler
steps), ``executed``, ``execution_success``, ``execution_error`` ``{prompt_id, node_id, node_type,
exception_message}`` and ``execution_interrupted``. Binary frames are previews: a 4-byte big-endian event
type (1 = ``PREVIEW_IMAGE``), a 4-byte image type (1 JPEG, 2 PNG), then the image, sent only when the server
runs with ``--preview-method``; they go to :func:`quilltap_tui.imagegen.progress.report_partial` when the TUI
shows partial images, and are never saved.

A server that refuses the upgrade (a proxy without WebSockets, an old build) is not an error: the
provider then polls ``/queue`` and ``/history`` as before. Nothing here sends a key anywhere but the
profile's own server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from quilltap_tui import caps
from quilltap_tui.errors import MalformedResponse, ProviderError, Unavailable
from quilltap_tui.imagegen import progress

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

OPEN_TIMEOUT = 5.0  # seconds to open the socket before polling instead (a local server answers at once)
QUIET_LIMIT = 15.0  # seconds without a message before the provider polls instead
PREVIEW_IMAGE = 1  # server.py BinaryEventTypes.PREVIEW_IMAGE


@dataclass(frozen=True)
class Outcome:
    """How the socket left the prompt: ``done`` (fetch ``/history``), or ``lost`` (poll for the rest)."""

    done: bool


def socket_url(root: str, client_id: str) -> str:
    """``ws://host:port/ws?clientId=…`` for an ``http://`` base URL (``wss://`` for ``https://``). Pure."""
    parts = urlsplit(root)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/ws", urlencode({"clientId": client_id}), ""))


@contextlib.asynccontextmanager
async def opened(root: str, client_id: str, headers: Mapping[str, str]) -> AsyncIterator[ClientConnection | None]:
    """The open socket, or None when the server does not take one (the caller polls instead)."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidHandshake, InvalidURI

    try:
        socket = await connect(socket_url(root, client_id), additional_headers=dict(headers),
                               open_timeout=OPEN_TIMEOUT, max_size=caps.current().max_response_bytes,
                               proxy=None)  # ComfyUI is the user's own server: no proxy from the environment
    except (OSError, TimeoutError, InvalidHandshake, InvalidURI):
        yield None
        return
    try:
        yield socket
    finally:
        with contextlib.suppress(Exception):  # closing a socket the server already dropped
            await socket.close()


def step_note(data: Mapping[str, Any]) -> tuple[str, tuple[int, int]] | None:
    """"step 7 of 20" from a ``progress`` event, and which quarter of the run it is in. Pure.

    Only a new quarter (or the first step) is reported: a sampler sends every step, and ``generate``
    prints each note on its own stderr line.
    """
    value, most = data.get("value"), data.get("max")
    if isinstance(value, int) and isinstance(most, int) and most > 0:
        return f"step {value} of {most}", (most, value * 4 // most)
    return None


def queue_note(data: Mapping[str, Any]) -> str | None:
    """"waiting in the queue (N ahead)" from a ``status`` event before ours has started. Pure.

    ``queue_remaining`` counts every prompt not yet finished, ours included.
    """
    status = data.get("status")
    info = status.get("exec_info") if isinstance(status, dict) else None
    remaining = info.get("queue_remaining") if isinstance(info, dict) else None
    if not isinstance(remaining, int) or remaining <= 0:
        return None
    return f"waiting in the queue ({remaining - 1} ahead)" if remaining > 1 else "queued"


def error_sentence(title: str, data: Mapping[str, Any]) -> str:
    """The one sentence for an ``execution_error`` event: the node and ComfyUI's message."""
    node = data.get("node_type") or data.get("node_id") or "a node"
    message = " ".join(str(data.get("exception_message") or "failed").split()).rstrip(".")
    return f"{title} could not run the workflow: {node}: {message}."


async def follow(socket: ClientConnection, prompt_id: str, title: str) -> Outcome:
    """Report our prompt's progress until it is done; raise for its error; ``lost`` if the socket drops."""
    from websockets.exceptions import ConnectionClosed

    started, last, quarter = False, None, None
    try:
        while True:
            try:
                message = await asyncio.wait_for(socket.recv(), QUIET_LIMIT)
            except TimeoutError:
                # A socket that says nothing for this long may have missed our prompt (a proxy, a server that
                # registered the socket late): polling /queue and /history finds out, the socket cannot.
                return Outcome(done=False)
            if isinstance(message, bytes):
                if started:
                    _preview(message)
                continue
            event = _event(message)
            if event is None:
                continue
            kind, data = event
            if data.get("prompt_id") not in (None, prompt_id):
                continue  # another client's prompt on a shared socket session
            note = None
            if kind == "status" and not started:
                note = queue_note(data)
            elif kind == "execution_start":
                started, note = True, "running"
            elif kind == "progress":
                started, step = True, step_note(data)
                if step is not None and step[1] != quarter:
                    note, quarter = step
            elif kind == "executing" and data.get("node") is None and data.get("prompt_id") == prompt_id:
                # Not execution_success: ComfyUI stores the history between the two (main.py prompt_worker).
                return Outcome(done=True)
            elif kind == "execution_error":
                raise MalformedResponse(error_sentence(title, data))
            elif kind == "execution_interrupted":
                raise Unavailable(f"{title} stopped the workflow (it was interrupted on the server).")
            if note and note != last:
                progress.report(f"{title}: {note}")
                last = note
    except ConnectionClosed:
        pass
    except ProviderError:
        raise
    return Outcome(done=False)


def _event(message: str) -> tuple[str, dict[str, Any]] | None:
    try:
        parsed = json.loads(message)
    except ValueError:
        return None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("type"), str):
        return None
    data = parsed.get("data")
    return parsed["type"], data if isinstance(data, dict) else {}


def _preview(message: bytes) -> None:
    """A ``PREVIEW_IMAGE`` frame's image to whoever shows partial images (the rest is dropped)."""
    if len(message) <= 8 or not progress.partials_wanted():
        return
    (event,) = struct.unpack(">I", message[:4])
    if event == PREVIEW_IMAGE:
        progress.report_partial(message[8:])
