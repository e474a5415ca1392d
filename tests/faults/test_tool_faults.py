"""The image fault matrix through the chat turn loop: what the LLM is told when generate_image fails.

A scripted LLM (OpenAI and Anthropic shapes, alternating across cases) calls ``generate_image``; the
image provider then meets each fault. The turn must still complete (exit 0), the ``tool_result``
event and the tool result the LLM receives in its next request must carry the same one-sentence
error (or the images after a retry), the key must never reach the LLM, and nothing is orphaned.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fakes.chat_servers import FakeChatServer, last_tool_result, tool_then_text
from tests.faults.image_cases import CASES, WRONG_KEYS, Fault, Provider, middle
from tests.faults.links import LinkServer
from tests.faults.support import assert_no_orphans, assert_sentence, image_rows
from tests.support import Cli

# The retry waits themselves are timed in test_image_faults; here only what the LLM sees matters.
SLOW = ("429-retry-after-seconds", "timeout-then-success")
_FAST = [c for c in CASES if c[1].id not in SLOW]
TOOL_CASES = [(p, f, ("openai", "anthropic")[i % 2]) for i, (p, f) in enumerate(_FAST)]
TOOL_IDS = [f"{p.id}-{f.id}-{kind}" for p, f, kind in TOOL_CASES]
CHAT_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


def events(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def sent_back(chat: FakeChatServer) -> Any:
    """The tool result the LLM received in the request after its call, decoded."""
    text = last_tool_result(chat.chat_requests[1].body)
    assert text is not None, "the follow-up request carries no tool result"
    return json.loads(text.removeprefix("Error: "))


@pytest.mark.parametrize(("p", "fault", "kind"), TOOL_CASES, ids=TOOL_IDS)
def test_tool_fault_reaches_the_llm(cli: Cli, links: LinkServer, p: Provider, fault: Fault, kind: str) -> None:
    key = WRONG_KEYS[p.kind] if fault.bad_key else p.key
    with p.fake() as images, FakeChatServer(kind) as chat:
        cli.monkeypatch.setenv(p.env_var, key)
        if CHAT_ENV[kind] != p.env_var:
            cli.monkeypatch.setenv(CHAT_ENV[kind], "sk-chat-fault-matrix-0000")
        for args in (
            ("image-profiles", "add", "--name", "art", "--provider", p.provider, "--model", p.model,
             "--base-url", images.base_url, "--default"),
            ("chat-profiles", "add", "--name", "talk", "--provider", kind, "--model", "fake-chat-1",
             "--base-url", chat.base_url),
        ):
            assert cli(*args).code == 0
        prompt, replies = fault.arrange(p, images, links)
        images.script(*replies)
        chat.decider = tool_then_text(arguments={"prompt": prompt}, final_text="Noted.")
        result = cli("ask", "--chat-profile", "talk", "--json", "draw", "it", env=fault.env)

    assert result.code == 0, result.err
    (outcome,) = [e for e in events(result.out) if e["type"] == "tool_result"]
    assert events(result.out)[-1]["type"] == "done"
    told = sent_back(chat)
    if fault.code_for(p) == 0:
        assert outcome["ok"] is True and len(outcome["result"]["images"]) == 1
        assert [i["id"] for i in told["images"]] == [i["id"] for i in outcome["result"]["images"]]
        assert len(image_rows(cli.home)) == 1
    else:
        message = outcome["result"]["error"]
        assert outcome["ok"] is False
        assert_sentence(message)
        assert any(w in message.lower() for w in fault.words), message
        assert told == {"error": message}, "the LLM is told exactly what the user sees"
        (entry,) = cli("audit", "--json").json()
        assert (entry["source"], entry["outcome"], entry["error"]) == ("tool", "error", message)
        assert image_rows(cli.home) == set()
    wire = json.dumps([r.body for r in chat.requests]) + result.out + result.err
    for secret in (key, middle(key)):
        assert secret not in wire, "a key reached the LLM or the output"
    assert_no_orphans(cli.home)
