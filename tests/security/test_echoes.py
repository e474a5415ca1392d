"""A key echoed back by a provider -- whole, in part, base64-encoded, in the message or in the ``code`` --
is found nowhere: not on stdout or stderr (human and --json), not in ``quilltap.db`` (messages, tool
results, audit rows), not in what the LLM is given (issue 16 item 1)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.fakes.chat_servers import FakeChatServer, HttpError, tool_then_text
from tests.fakes.image_servers import FakeOpenAIImages, openai_error
from tests.support import Cli, Result

KEY = "sk-proj-ECHOa1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7"
CHAT_KEY = "sk-proj-CHATz9y8x7w6v5u4t3s2r1q0p9o8n7m6l5k4j3"


def echoes(key: str) -> dict[str, str]:
    """How real providers and proxies repeat a key back."""
    return {
        "whole": key,
        "minus-last-4": key[:-4],
        "from-6th": key[5:],
        "middle-slice": key[10:26],
        "base64": base64.b64encode(key.encode()).decode(),
        "base64-colon": base64.b64encode(f":{key}".encode()).decode(),
        "basic-auth": "Basic " + base64.b64encode(f"someone:{key}".encode()).decode(),
        "urlsafe": base64.urlsafe_b64encode(f"ab:{key}".encode()).decode(),
    }


def needles(key: str) -> list[str]:
    """Every 12-character window of the key and of its base64 cores: none may appear anywhere."""
    forms = [key]
    for skip in range(3):
        tail = key[skip:].encode()
        whole = 4 * (len(tail) // 3)
        forms += [base64.b64encode(tail).decode()[:whole], base64.urlsafe_b64encode(tail).decode()[:whole]]
    return sorted({form[i : i + 12] for form in forms for i in range(len(form) - 11)})


def leaks(text: str, key: str = KEY) -> list[str]:
    return [n for n in needles(key) if n in text]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "0")
    return Cli(tmp_path / "home", monkeypatch)


def _db_and_files(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())


@pytest.mark.parametrize("form", list(echoes(KEY)))
def test_an_echoed_key_is_masked_in_generate_output_audit_and_database(cli: Cli, form: str) -> None:
    echo = echoes(KEY)[form]
    outputs: list[Result] = []
    with FakeOpenAIImages(api_key=KEY) as fake:
        assert cli("keys", "add", "--provider", "openai", "--label", "oa", stdin=KEY + "\n").code == 0
        assert cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1",
                   "--key", "oa", "--base-url", fake.base_url, "--default").code == 0
        # Text before, after and around the echo, and the echo again in the error's code and param.
        fake.script(openai_error(401, f"Incorrect API key provided: {echo}. See docs.", code=f"bad ({echo})",
                                 param=echo))
        outputs.append(cli("generate", "a cat"))
        fake.script(openai_error(400, f"{echo}", code=echo, param=echo))
        outputs.append(cli("generate", "--json", "a dog"))
        outputs += [cli("audit", "--json"), cli("audit"), cli("images", "list", "--json")]
    assert outputs[0].code == 4 and "rejected the API key" in outputs[0].last_err_line
    assert "\u2026" + KEY[-4:] in outputs[0].err  # the one masked form shows where the key was
    for result in outputs:
        assert leaks(result.out + result.err) == [], (form, result)
    assert leaks(_db_and_files(cli.home).decode("latin-1")) == [], f"quilltap.db holds the {form} echo"


def test_echoes_in_a_tool_result_and_a_chat_error_reach_neither_output_nor_llm(cli: Cli) -> None:
    forms = echoes(KEY)
    with FakeOpenAIImages(api_key=KEY) as images, FakeChatServer("openai", api_key=CHAT_KEY) as chat:
        cli("keys", "add", "--provider", "openai", "--label", "oa", stdin=KEY + "\n")
        cli("keys", "add", "--provider", "openai", "--label", "chat", stdin=CHAT_KEY + "\n")
        cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1",
            "--key", "oa", "--base-url", images.base_url, "--default")
        cli("chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "fake-chat-1",
            "--key", "chat", "--base-url", chat.base_url, "--default")
        images.script(openai_error(401, f"bad key {forms['from-6th']} / {forms['base64-colon']}",
                                   code=forms["minus-last-4"]))
        chat.decider = tool_then_text(arguments={"prompt": "a kite"}, final_text="Done.")
        first = cli("ask", "--chat-profile", "talk", "--json", "draw a kite")
        chat.decider = None
        chat.enqueue(HttpError(401, {"error": {"message": f"Incorrect API key provided: {CHAT_KEY[:-4]}",
                                               "code": base64.b64encode(CHAT_KEY.encode()).decode(),
                                               "type": "invalid_request_error"}}))
        done = json.loads(first.out.splitlines()[-1])
        second = cli("ask", "--chat", done["chat_id"], "--json", "again")
        shows = [cli("chats", "show", done["chat_id"], "--json"), cli("chats", "show", done["chat_id"])]
        llm_saw = json.dumps([r.body for r in chat.requests])
    assert any('"ok": false' in line for line in first.out.splitlines()), first.out
    assert '"type": "error"' in second.out, second
    for result in (first, second, *shows):
        assert leaks(result.out + result.err) == [] and leaks(result.out + result.err, CHAT_KEY) == [], result
    assert leaks(llm_saw) == [], "the LLM was given an echoed key"
    stored = _db_and_files(cli.home).decode("latin-1")
    assert leaks(stored) == [] and leaks(stored, CHAT_KEY) == []
