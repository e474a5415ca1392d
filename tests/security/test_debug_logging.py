"""``ANTHROPIC_LOG=debug`` / ``OPENAI_LOG=debug`` make the SDKs log their requests and the answers' headers;
a proxy that echoes the credential headers back (as a debugging proxy does) put the key on stderr. With
``ask --debug`` and ``keys validate --debug`` not one 12-character run of the key (or of its base64
form) reaches stderr (issue 16 item 2). Run as real subprocesses: the SDKs read these variables once,
at import."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.fakes.chat_servers import FakeChatServer, HttpError, Text
from tests.security.test_echoes import leaks
from tests.support import Result, run_subprocess

KEYS = {"anthropic": "sk-ant-api03-LOGGEDq1w2e3r4t5y6u7i8o9p0a1s2d3f4",
        "openai": "sk-proj-LOGGEDz9x8c7v6b5n4m3l2k1j0h9g8f7d6s5"}
LOG_VARS = {"anthropic": "ANTHROPIC_LOG", "openai": "OPENAI_LOG"}


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_sdk_debug_logs_never_show_the_key(tmp_path: Path, provider: str) -> None:
    home, key = tmp_path / "home", KEYS[provider]
    env = {LOG_VARS[provider]: "debug", "QUILLTAP_MAX_RETRIES": "0"}

    def run(*args: str, stdin: str = "") -> Result:
        return run_subprocess(args, home=home, stdin=stdin, env=env)

    echo = {"x-echo-authorization": f"Bearer {key}", "x-echo-api-key": key,
            "x-echo-basic": "Basic " + base64.b64encode(f"user:{key}".encode()).decode()}
    with FakeChatServer(provider, api_key=key) as chat:
        chat.enqueue(Text("Hello there."), HttpError(401, headers=echo))
        chat.enqueue(HttpError(401, headers=echo), endpoint="models")
        results = [
            run("keys", "add", "--provider", provider, "--label", "k", stdin=key + "\n"),
            run("chat-profiles", "add", "--name", "talk", "--provider", provider, "--model", "fake-chat-1",
                "--key", "k", "--base-url", chat.base_url, "--default"),
            run("ask", "--debug", "--chat-profile", "talk", "say hello"),
            run("ask", "--debug", "--chat-profile", "talk", "say hello again"),
            run("keys", "validate", "k", "--debug", "--base-url", chat.base_url),
        ]
    assert [r.code for r in results[:3]] == [0, 0, 0], [r.err[-400:] for r in results]
    assert "Hello there." in results[2].out
    # anthropic 2.x logs each answer's headers at debug level; openai 3.x logs the request line only.
    shown = "x-echo-api-key" if provider == "anthropic" else "HTTP Response: POST 401"
    assert shown in results[3].err, "the SDK's debug log was not on"
    for result in results:
        assert leaks(result.out + result.err, key) == [], result.err[-2000:]
