"""The chat side of the fault matrix: both API shapes (OpenAI-compatible, Anthropic) through ``ask``.

Waits the server asks for are honoured (elapsed time, request count); a failure ends the turn with
the provider's exit code and one sentence, while the user's message and the reason stay saved in the
chat. Nothing may crash: no traceback, never exit 1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.fakes.chat_servers import (
    ErrorInStream,
    FakeChatServer,
    HttpError,
    Malformed,
    Reply,
    Text,
    Truncated,
    rate_limited,
)
from tests.fakes.server import RecordingSleep
from tests.faults.support import assert_no_orphans, integrity, one_sentence
from tests.support import Cli

CHAT_KEY = "sk-chat-canary-7c1e55a0d2b94f86"
REFUSALS = {
    "openai": HttpError(400, {"error": {"message": "Your request was flagged by our content policy.",
                                        "type": "invalid_request_error", "param": None,
                                        "code": "content_policy_violation"}}),
    "anthropic": HttpError(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                            "message": "Output blocked by content filtering policy"},
                                 "request_id": "req_fake"}),
}


@dataclass(frozen=True)
class ChatFault:
    id: str
    code: int
    replies: dict[str, list[Reply]]  # per API shape
    words: tuple[str, ...] = ()
    wait: float | None = None
    env: dict[str, str] = field(default_factory=dict)
    bad_key: bool = False


def both(*replies: Reply) -> dict[str, list[Reply]]:
    return {"openai": list(replies), "anthropic": list(replies)}


def quick(status: int) -> HttpError:
    return HttpError(status, headers={"retry-after-ms": "20"})


FAULTS = (
    ChatFault("429-retry-after-seconds", 0, both(rate_limited(1, ms=False), Text("Fine now.")), wait=1.0),
    ChatFault("429-retry-after-ms", 0, both(rate_limited(0.3), Text("Fine now.")), wait=0.3),
    ChatFault("5xx-then-success", 0, both(quick(500), quick(503), Text("Fine now."))),
    ChatFault("529-then-success", 0, {"anthropic": [HttpError(529, headers={"retry-after-ms": "20"}),
                                                    Text("Fine now.")]}),
    ChatFault("529-persistent", 5, {"anthropic": [HttpError(529, headers={"retry-after-ms": "20"})] * 3},
              ("overloaded", "unavailable")),
    ChatFault("5xx-persistent", 5, both(*[quick(503)] * 3), ("unavailable",)),
    ChatFault("429-persistent", 5, both(*[rate_limited(0.02)] * 3), ("rate limit",)),
    ChatFault("timeout", 5, both(Text("slow reply", tps=0.5)), ("time", "timed out"),
              env={"QUILLTAP_HTTP_TIMEOUT": "0.5", "QUILLTAP_MAX_RETRIES": "0"}),
    ChatFault("truncated-stream", 5, both(Truncated("Cut ")), ("cut", "ended", "incomplete", "connection")),
    ChatFault("malformed-json", 5, both(Malformed("Half ")), ("json", "malformed", "not valid")),
    ChatFault("error-in-stream", 5, both(ErrorInStream("Partial ")), ("overloaded", "unavailable", "failed")),
    ChatFault("content-refusal", 4, {k: [v] for k, v in REFUSALS.items()}, ("content", "refused", "block")),
    ChatFault("bad-key", 4, both(), ("key",), bad_key=True),
)
CASES = [(f, kind) for f in FAULTS for kind in ("openai", "anthropic") if kind in f.replies]


def messages(cli: Cli, chat_id: str) -> list[dict[str, Any]]:
    return list(cli("chats", "show", chat_id, "--json").json()["messages"])


@pytest.mark.parametrize(("fault", "kind"), CASES, ids=[f"{k}-{f.id}" for f, k in CASES])
def test_chat_fault(cli: Cli, sleeps: RecordingSleep, fault: ChatFault, kind: str) -> None:
    with FakeChatServer(kind, api_key=CHAT_KEY) as chat:
        cli.monkeypatch.setenv("OPENAI_API_KEY" if kind == "openai" else "ANTHROPIC_API_KEY",
                               "sk-wrong-0000" if fault.bad_key else CHAT_KEY)
        made = cli("chat-profiles", "add", "--name", "talk", "--provider", kind, "--model", "fake-chat-1",
                   "--base-url", chat.base_url)
        assert made.code == 0, made.err
        chat.enqueue(*fault.replies[kind])
        result = cli("ask", "--chat-profile", "talk", "--no-images", "--json", "hello there", env=fault.env)

    lines = [json.loads(line) for line in result.out.splitlines()]
    assert lines[-1]["type"] == "done", result.out
    stored = messages(cli, lines[-1]["chat_id"])
    assert stored[0]["role"] == "user" and stored[0]["content"] == "hello there"
    assert CHAT_KEY not in result.out + result.err and CHAT_KEY[6:18] not in result.out + result.err
    assert result.code == fault.code, result.err
    if fault.code == 0:
        assert "".join(e["delta"] for e in lines if e["type"] == "text") == "Fine now."
        assert (stored[-1]["status"], stored[-1]["content"]) == ("complete", "Fine now.")
        assert len(chat.chat_requests) == len(fault.replies[kind])
    else:
        message = one_sentence(result)
        assert any(w in message.lower() for w in fault.words), message
        (error,) = [e for e in lines if e["type"] == "error"]
        # The last stderr line is the reason plus where the user's message is kept (bug 17 of issue 12).
        chat_id = lines[-1]["chat_id"][:8]
        kept = f"Your message is kept in chat {chat_id}: send again with --chat {chat_id}."
        assert message == f"{error['message']} {kept}"
        assert (stored[-1]["status"], stored[-1]["error"]) == ("error", error["message"])
    if fault.wait is not None:
        # The server's wait is asked of the one retry loop's (injected) sleep, and said on stderr.
        assert sleeps.waits == [fault.wait], "the wait the server asked for was not the one slept"
        assert f"retrying in {fault.wait:.1f} s (429 rate limited)" in result.err
    assert integrity(cli.home) == "ok"
    assert_no_orphans(cli.home)
