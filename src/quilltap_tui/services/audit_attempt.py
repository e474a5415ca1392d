"""One generation attempt as its audit row tells it: the columns at the start, at success, at failure.

Both generation stores write these values (:mod:`services.generation_store`); this module imports
nothing of the ORM. Never a secret: a stored failure message is redacted against the key that was used
(providers echo part of a key back: xAI does), and every written string goes through the process's
redactor on its way in as well.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from quilltap_tui.errors import LimitExceeded, MalformedResponse, QuilltapError, Timeout
from quilltap_tui.imagegen.options import RECORDED
from quilltap_tui.imagegen.spec import ImageRequest, UsedParams
from quilltap_tui.secrets import redact
from quilltap_tui.services.image_limits import ResolvedProfile

CANCELLED = "The generation was stopped before its images were saved."


@dataclass
class Attempt:
    """What is known about an attempt when it starts; the clock starts here.

    ``audit_id``: the attempt's own audit row, written ``pending`` when its images were reserved
    (``GenerationStore.reserve``) and given its outcome at the end.
    """

    profile: ResolvedProfile
    request: ImageRequest
    source: str = "cli"
    chat_id: str | None = None
    started: float = field(default_factory=time.monotonic)
    audit_id: int | None = None
    action: str = "generate"  # or "edit"

    def base_values(self) -> dict[str, Any]:
        """The audit row's columns known at the start (no outcome yet)."""
        return {
            "action": self.action,
            "source": self.source,
            "image_profile_id": self.profile.id,
            "profile_name": self.profile.name,
            "provider": self.profile.provider,
            "model": self.profile.model,
            "prompt": self.request.prompt,
            "parameters": requested(self.request),
            "image_ids": [],
            "chat_id": self.chat_id,
        }

    def latency_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)


class AttemptCancelled(QuilltapError):
    """The attempt's row already says ``cancelled`` when its images would be committed."""


def ok_values(attempt: Attempt, used: UsedParams, image_ids: list[str], billed: int = 0) -> dict[str, Any]:
    """The columns an ``ok`` outcome writes. ``billed``: images asked for in requests that reached the
    provider but failed (they count against the limits too)."""
    return {
        "parameters": {"requested": requested(attempt.request), "used": used.as_dict()},
        "image_ids": image_ids,
        "image_count": len(image_ids) + billed,
        "outcome": "ok",
        "latency_ms": attempt.latency_ms(),
    }


def failure_values(attempt: Attempt, error: BaseException) -> dict[str, Any]:
    """The columns a failed, cancelled or refused attempt writes (its message redacted)."""
    return {
        "outcome": _outcome(error),
        "error_class": type(error).__name__,
        "error_message": redact(str(error) or CANCELLED, [attempt.profile.secret or ""]),
        "latency_ms": attempt.latency_ms(),
        "image_count": attempt.request.count if reached_provider(error) else 0,
    }


def reached_provider(error: BaseException) -> bool:
    """Whether a failed request got as far as the provider doing (and billing) the work.

    A 200 with unusable data, a body cut off or over a cap, a deadline hit while the answer came: the
    provider took the job, so the images asked for count against the limits as if they were made.
    Refusals (auth, content policy, bad request, 429) and connections that never succeeded do not.
    """
    return isinstance(error, MalformedResponse | Timeout)


def _outcome(error: BaseException) -> str:
    if isinstance(error, LimitExceeded):
        return "limited"
    if isinstance(error, asyncio.CancelledError | KeyboardInterrupt):
        return "cancelled"
    return "error"


def requested(request: ImageRequest) -> dict[str, Any]:
    """What was asked for: the recorded options that were given, then the extras (an option outside
    ``used``, such as ``resolution``, is kept with them: it reaches the provider the way they do)."""
    given = request.given()
    values = {name: given[name] for name in RECORDED if name in given}
    extras = {**request.extras, **{k: v for k, v in given.items() if k not in values}}
    if extras:
        values["extras"] = extras
    return values
