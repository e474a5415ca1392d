"""Events one user turn reports to its caller (the ``ask`` command, the TUI), as they happen.

Their JSON form (:func:`event_json`) is the contract's ``ask --json`` line format. Events that
scripts do not need (:class:`MessageStarted`) have no JSON form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

TurnStatus = Literal["complete", "error", "round_limit"]
# What a turn stores, and the screen shows, on a tool call esc cancelled.
CANCELLED = "Cancelled by the user."


@dataclass(frozen=True)
class MessageStarted:
    """A message row now exists (the user's, or an assistant reply about to stream)."""

    message_id: str
    role: str
    type: Literal["message"] = "message"


@dataclass(frozen=True)
class TextEvent:
    """A piece of reply text."""

    delta: str
    type: Literal["text"] = "text"


@dataclass(frozen=True)
class ToolCallStarted:
    """The model asked for a tool call; ``id`` is the provider's call id."""

    id: str
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    type: Literal["tool_call"] = "tool_call"


@dataclass(frozen=True)
class ToolResultEvent:
    """A tool call finished; ``result`` is the user-facing result (or ``{"error": ...}``)."""

    id: str
    name: str
    ok: bool
    result: dict[str, Any] = field(default_factory=dict)
    type: Literal["tool_result"] = "tool_result"


@dataclass(frozen=True)
class ErrorEvent:
    """Something ended the turn early or needs the user's attention; the text is saved in the chat."""

    message: str
    type: Literal["error"] = "error"


@dataclass(frozen=True)
class DoneEvent:
    """The turn is over; ``message_id`` is its last assistant message."""

    chat_id: str
    message_id: str
    status: TurnStatus = "complete"
    type: Literal["done"] = "done"


@dataclass(frozen=True)
class RetryEvent:
    """A provider call failed and is tried again after ``wait`` seconds.

    ``call_id`` is the tool call whose request is retried (an image), or None for the chat request itself.
    Not an ``ask --json`` line (the contract lists those); ``ask`` says it on stderr as a progress note.
    """

    attempt: int
    wait: float
    reason: str  # "429 rate limited", "503 server error", "timeout"...
    call_id: str | None = None
    type: Literal["retry"] = "retry"

    @property
    def note(self) -> str:
        """The short progress note: ``retrying in 1.0 s (429 rate limited)``."""
        return f"retrying in {self.wait:.1f} s ({self.reason})"


@dataclass(frozen=True)
class PartialImageEvent:
    """A rough preview of the image tool call ``call_id`` is making (OpenAI partial images), as sent.

    Only when the turn asked for them (the TUI); never saved, never an ``ask --json`` line.
    """

    call_id: str
    data: bytes
    type: Literal["partial_image"] = "partial_image"


@dataclass(frozen=True)
class ProgressEvent:
    """How the image tool call ``call_id`` is doing at a queueing provider ("fal.ai: queue position 2").

    What :func:`quilltap_tui.imagegen.progress.report` says; ``ask`` prints it on stderr, the TUI shows it
    in the call's placeholder. Never saved, never an ``ask --json`` line.
    """

    call_id: str
    note: str
    type: Literal["progress"] = "progress"


TurnEvent = (MessageStarted | TextEvent | ToolCallStarted | ToolResultEvent | ErrorEvent | DoneEvent | RetryEvent
             | PartialImageEvent | ProgressEvent)
EventSink = Callable[[TurnEvent], object]


def event_json(event: TurnEvent) -> dict[str, Any] | None:
    """The ``ask --json`` line for ``event``, or None for events scripts do not get."""
    if isinstance(event, TextEvent):
        return {"type": "text", "delta": event.delta}
    if isinstance(event, ToolCallStarted):
        return {"type": "tool_call", "id": event.id, "name": event.name, "arguments": event.arguments}
    if isinstance(event, ToolResultEvent):
        return {"type": "tool_result", "id": event.id, "ok": event.ok, "result": event.result}
    if isinstance(event, ErrorEvent):
        return {"type": "error", "message": event.message}
    if isinstance(event, DoneEvent):
        return {"type": "done", "chat_id": event.chat_id, "message_id": event.message_id}
    return None
