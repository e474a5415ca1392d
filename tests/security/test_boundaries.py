"""Boundaries: only http(s) base URLs, provider-given image links fetched without our key and only
over http(s), and a greedy LLM stopped by the image profile's limits with the audit log showing it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes.chat_servers import FakeChatServer, ToolCall, ToolCalls, tool_then_text
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.fakes.server import Reply
from tests.faults.image_cases import png
from tests.faults.support import assert_no_orphans, image_rows, one_sentence
from tests.support import Cli

BAD_URLS = ("file:///etc/passwd", "ftp://example.com/v1", "javascript:alert(1)", "data:text/plain,hi",
            "gopher://x", "//no-scheme.example/v1", "http://user:pw@example.com/v1", "ws://127.0.0.1/v1")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    c = Cli(tmp_path / "home", monkeypatch)
    monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "0")
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEYS["openai"])
    return c


@pytest.mark.parametrize("url", BAD_URLS)
def test_base_urls_other_than_http_are_refused_everywhere(cli: Cli, url: str) -> None:
    assert cli("image-profiles", "add", "--name", "ok", "--provider", "openai", "--model", "gpt-image-1").code == 0
    assert cli("chat-profiles", "add", "--name", "ok", "--provider", "openai", "--model", "m").code == 0
    cli("keys", "add", "--provider", "openai", "--label", "k", stdin="sk-boundary-000000\n")
    attempts = (
        ("image-profiles", "add", "--name", "x", "--provider", "openai", "--model", "gpt-image-1", "--base-url", url),
        ("chat-profiles", "add", "--name", "x", "--provider", "ollama", "--model", "m", "--base-url", url),
        ("image-profiles", "edit", "ok", "--base-url", url),
        ("chat-profiles", "edit", "ok", "--base-url", url),
        ("keys", "validate", "k", "--base-url", url),
        ("models", "--provider", "openai", "--key", "k", "--base-url", url),
        ("models", "--provider", "openai", "--chat", "--key", "k", "--base-url", url),
    )
    for args in attempts:
        result = cli(*args)
        assert result.code == 2, (args, result.err)
        assert "base_url" in one_sentence(result) or "base-url" in result.last_err_line
    shown = cli("image-profiles", "show", "ok", "--json").json()
    assert shown["base_url"] is None, "a refused edit changes nothing"


def test_image_links_get_no_key_and_only_http(cli: Cli) -> None:
    with FakeOpenAIImages() as images:
        assert cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "dall-e-3",
                   "--base-url", images.base_url, "--default").code == 0
        link = images.add_file(png(), "image/png", "png")
        images.script(Reply(json={"created": 1, "data": [{"url": link}]}))
        assert cli("generate", "a cat").code == 0
        (fetch,) = [r for r in images.requests if r.method == "GET"]
        assert not {"authorization", "x-goog-api-key", "x-api-key"} & set(fetch.headers)
        for url in ("file:///etc/passwd", "ftp://127.0.0.1/x.png", "not a url"):
            images.script(Reply(json={"created": 1, "data": [{"url": url}]}))
            refused = cli("generate", "a cat")
            assert refused.code == 5, refused.err
            assert "link" in one_sentence(refused)
        assert len(image_rows(cli.home)) == 1
        assert_no_orphans(cli.home)


def test_a_greedy_llm_is_stopped_by_the_profile_limits(cli: Cli) -> None:
    """An LLM that wants 100 images: count=100 at once, then 25 parallel calls of 4, then more rounds."""
    with FakeOpenAIImages() as images, FakeChatServer("openai") as chat:
        assert cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1",
                   "--base-url", images.base_url, "--default", "--max-per-call", "4", "--max-per-minute", "8",
                   "--max-per-day", "20").code == 0
        assert cli("chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "m",
                   "--base-url", chat.base_url).code == 0
        chat.decider = tool_then_text(arguments={"prompt": "cats", "count": 100}, final_text="Too many.")
        assert cli("ask", "--chat-profile", "talk", "--json", "draw 100 cats").code == 0
        many = [ToolCall("generate_image", {"prompt": f"cat {i}", "count": 4}, id=f"c{i}") for i in range(25)]
        chat.decider = None
        chat.enqueue(ToolCalls(many, style="whole"), ToolCalls(many[:5], style="whole"))
        result = cli("ask", "--chat-profile", "talk", "--json", "draw 100 cats, 4 at a time")
        assert result.code == 0, result.err
        outcomes = [json.loads(x) for x in result.out.splitlines() if '"tool_result"' in x]

    made = sum(len(o["result"].get("images", [])) for o in outcomes)
    assert made <= 8, f"{made} images made within a minute despite a limit of 8"
    refusals = [o["result"]["error"] for o in outcomes if not o["ok"]]
    assert refusals and all("per minute" in e or "per call" in e for e in refusals)
    audit = cli("audit", "--json").json()
    assert sum(1 for e in audit if e["outcome"] == "limited") == len(refusals) + 1  # + the count=100 call
    assert sum(e["image_count"] if "image_count" in e else len(e["image_ids"]) for e in audit) == made
    assert len(images.requests_to("/images/generations")) * 4 == made
    assert len(image_rows(cli.home)) == made
    assert_no_orphans(cli.home)
