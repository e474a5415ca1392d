"""A canary key through a whole journey: it must never be found in a file, a log, any output or a request
to the LLM -- neither whole nor in part (its middle 12 characters).

The journey covers keys (add, list, validate ok and refused), profiles, generate (ok, and refused by
providers whose errors echo the key back, in full or masked like xAI's ``xa***``), ask with a tool
call, doctor, images list, audit, chats show -- in human and JSON form, and with ``--debug``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes.chat_servers import FakeChatServer, tool_then_text
from tests.fakes.image_servers import FakeOpenAIImages, FakeXAIImages, openai_error, xai_error
from tests.faults.image_cases import middle
from tests.support import Cli, Result

CANARY = {
    "openai": "sk-proj-CANARYa1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6",
    "grok": "xai-CANARYq9w8e7r6t5y4u3i2o1p0a9s8d7f6g5h4",
    "anthropic": "sk-ant-api03-CANARYz1x2c3v4b5n6m7a8s9d0f1g2h3",
}


def needles() -> list[bytes]:
    found = []
    for secret in CANARY.values():
        found += [secret.encode(), middle(secret).encode(), secret[4:-4].encode()]
    return found


def hits(data: bytes) -> list[bytes]:
    return [n for n in needles() if n in data]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    c = Cli(tmp_path / "home", monkeypatch)
    monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "0")
    return c


def test_canary_keys_never_leak(cli: Cli) -> None:
    outputs: list[Result] = []

    def run(*args: str, stdin: str | None = None, code: int = 0) -> Result:
        result = cli(*args, stdin=stdin)
        outputs.append(result)
        assert result.code == code, (args, result.err)
        assert "Traceback" not in result.err
        return result

    with FakeOpenAIImages(api_key=CANARY["openai"]) as openai, FakeXAIImages(api_key=CANARY["grok"]) as xai, \
            FakeChatServer("anthropic", api_key=CANARY["anthropic"]) as chat:
        for provider, label in (("openai", "oa"), ("grok", "xa"), ("anthropic", "an")):
            run("keys", "add", "--provider", provider, "--label", label, stdin=CANARY[provider] + "\n")
        run("keys", "list")
        run("keys", "list", "--json")
        run("keys", "validate", "oa", "--base-url", openai.base_url)
        run("keys", "validate", "xa", "--base-url", xai.base_url, "--json")
        run("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1",
            "--key", "oa", "--base-url", openai.base_url, "--default")
        run("image-profiles", "add", "--name", "grok", "--provider", "grok", "--model", "grok-imagine-image",
            "--key", "xa", "--base-url", xai.base_url)
        run("chat-profiles", "add", "--name", "talk", "--provider", "anthropic", "--model", "fake-chat-1",
            "--key", "an", "--base-url", chat.base_url)
        for args in (("image-profiles", "list"), ("image-profiles", "show", "art", "--json"),
                     ("chat-profiles", "show", "talk"), ("models", "--provider", "openai", "--key", "oa",
                                                         "--base-url", openai.base_url, "--json")):
            run(*args)
        run("generate", "--json", "a lighthouse")
        run("generate", "--profile", "grok", "a kite")
        # Providers that echo the key: in full (a badly behaved proxy), masked (OpenAI), first chars (xAI).
        openai.script(openai_error(401, f"Incorrect API key provided: {CANARY['openai']}.", code="invalid_api_key"))
        run("generate", "--debug", "a cat", code=4)
        openai.script(openai_error(401, f"Incorrect API key provided: {CANARY['openai'][:3]}****"
                                        f"{CANARY['openai'][-4:]}.", code="invalid_api_key"))
        run("generate", "--json", "a cat", code=4)
        xai.script(xai_error(400, f"Incorrect API key provided: {CANARY['grok'][:2]}***. Also {CANARY['grok']}"))
        run("generate", "--profile", "grok", "a cat", code=4)
        xai.script(xai_error(400, f"Incorrect API key provided: {CANARY['grok']}"))
        run("keys", "validate", "xa", "--base-url", xai.base_url, code=4)
        chat.decider = tool_then_text(arguments={"prompt": "a red kite"}, final_text="Done.")
        done = json.loads(run("ask", "--chat-profile", "talk", "--json", "draw a kite").out.splitlines()[-1])
        run("ask", "--chat-profile", "talk", "--image-profile", "grok", "draw another")
        openai.script(openai_error(401, f"bad key {CANARY['openai']}", code="invalid_api_key"))
        run("ask", "--chat", done["chat_id"], "draw it again")
        for args in (("doctor",), ("doctor", "--json"), ("images", "list"), ("images", "list", "--json"),
                     ("audit",), ("audit", "--json"), ("chats", "list"), ("chats", "show", done["chat_id"]),
                     ("chats", "show", done["chat_id"], "--json")):
            run(*args)
        llm_saw = json.dumps([r.body for r in chat.requests]).encode()

    assert any("rejected the API key" in r.err for r in outputs), "the refusals were exercised"
    for result in outputs:
        assert hits((result.out + result.err).encode()) == [], result
    assert hits(llm_saw) == [], "a key reached the LLM"
    files = [p for p in cli.home.rglob("*") if p.is_file()]
    assert any(p.suffix == ".db" for p in files) and any("vault" in p.name for p in files)
    for path in files:
        assert hits(path.read_bytes()) == [], f"{path} holds a key"
