"""Escape sequences and Rich markup from LLMs, providers, profile names and prompts reach the terminal inert.

Every byte the command line writes (stdout and stderr, human and JSON modes) is checked: no ESC, no
C0/C1 control, no bidi override. Markup is shown literally (the CLI never interprets it).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.fakes.chat_servers import FakeChatServer, HttpError, Text, ToolCall, ToolCalls
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages, openai_error
from tests.fakes.server import Reply
from tests.faults.image_cases import png
from tests.security.escapes import MARKUP, PAYLOAD, raw_controls
from tests.support import Cli, Result


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    c = Cli(tmp_path / "home", monkeypatch)
    monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "0")
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEYS["openai"])
    return c


def inert(result: Result) -> Result:
    assert raw_controls(result.out) == [], result.out
    assert raw_controls(result.err) == [], result.err
    assert "Traceback" not in result.err
    return result


def test_llm_text_revised_prompts_provider_errors_and_prompts(cli: Cli) -> None:
    with FakeOpenAIImages() as images, FakeChatServer("openai") as chat:
        assert cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "dall-e-3",
                   "--base-url", images.base_url, "--default").code == 0
        assert cli("chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "fake-chat-1",
                   "--base-url", chat.base_url).code == 0
        revised = {"created": 1, "data": [{"b64_json": base64.b64encode(png()).decode(),
                                           "revised_prompt": PAYLOAD}]}
        images.script(Reply(json=revised), Reply(json=revised))
        chat.enqueue(ToolCalls([ToolCall("generate_image", {"prompt": PAYLOAD})], text=PAYLOAD), Text(PAYLOAD))
        for json_mode in (False, True):
            flag = ("--json",) if json_mode else ()
            if json_mode:
                chat.enqueue(ToolCalls([ToolCall("generate_image", {"prompt": PAYLOAD})]), Text(PAYLOAD))
            result = inert(cli("ask", "--chat-profile", "talk", *flag, "hello"))
            assert result.code == 0
            lines = result.out.splitlines()
            shown = "".join(json.loads(x).get("delta", "") for x in lines) if json_mode else result.out
            for word in MARKUP:
                assert word in shown, "markup is shown literally"
            assert "␛[2J" in shown if not json_mode else "\x1b" in shown, "the text stays readable"
        images.script(openai_error(400, f"Bad prompt {PAYLOAD}", code="invalid_value", param="prompt"))
        refused = inert(cli("generate", PAYLOAD))
        assert refused.code == 4 and "[bold red]loud[/bold red]" in refused.last_err_line
        chat.enqueue(HttpError(500, {"error": {"message": PAYLOAD, "type": "server_error"}}))
        inert(cli("ask", "--chat-profile", "talk", "--no-images", "hi"))
        chat.enqueue(HttpError(500, {"error": {"message": PAYLOAD, "type": "server_error"}}))
        assert inert(cli("ask", "--chat-profile", "talk", "--no-images", "--json", "hi")).code == 5
        # dall-e-3 makes one image per request: one of two fails with the payload, a warning quotes it.
        images.script(openai_error(400, f"Bad {PAYLOAD}", code="invalid_value"), Reply(json=revised))
        partial = inert(cli("generate", "--count", "2", "two"))
        assert partial.code == 0 and "1 of 2 requests failed" in partial.err
        chat_id = json.loads(cli("chats", "list", "--json").out)[0]["id"]
        for args in (("images", "list"), ("images", "list", "--json"), ("audit",), ("audit", "--json"),
                     ("chats", "list"), ("chats", "show", chat_id), ("chats", "show", chat_id, "--json"),
                     ("chats", "rename", chat_id, "[bold]t[/bold]")):
            assert inert(cli(*args)).code == 0


def test_profile_names_tags_and_params(cli: Cli) -> None:
    with_controls = cli("image-profiles", "add", "--name", f"evil{PAYLOAD}", "--provider", "openai",
                        "--model", "gpt-image-1")
    assert inert(with_controls).code == 2 and "name" in with_controls.last_err_line
    made = cli("image-profiles", "add", "--name", "[bold red]loud[/bold red]", "--provider", "openai",
               "--model", "gpt-image-1", "--tag", "[link=x]t[/link]", "--param", f"style={PAYLOAD}")
    assert inert(made).code in (0, 2)
    for args in (("image-profiles", "list"), ("image-profiles", "list", "--json"),
                 ("image-profiles", "show", "[bold red]loud[/bold red]")):
        result = inert(cli(*args))
        if made.code == 0:
            assert "[bold red]loud[/bold red]" in result.out
    missing = inert(cli("image-profiles", "show", f"ghost{PAYLOAD}"))
    assert missing.code == 3
    bad_model = inert(cli("generate", "--profile", "[bold red]loud[/bold red]", "--param", f"x={PAYLOAD}", PAYLOAD))
    assert bad_model.code in (2, 3, 4, 5)
