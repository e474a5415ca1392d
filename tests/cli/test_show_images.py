"""A two-turn chat through `ask` (draw, then "change it") against OpenAI- and Anthropic-shaped fakes.

With `--show-images` the request after each image tool call carries the image, downscaled to at most
1024 px (Anthropic: an image block inside the tool_result; OpenAI: a user message of image_url data URLs
right after the tool messages). Without it no request carries an image. The tool result text never
carries base64, and the second turn's `edit_image` call edits the first turn's image by id.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.chat_support import CHAT_KEYS
from tests.cli.test_ask_cli import lines, query
from tests.fakes.chat_servers import FakeChatServer, Recorded, Reply, Text, ToolCall, ToolCalls, last_user_text
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.support import Cli

BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{200,}")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "0")
    return Cli(tmp_path / "home", monkeypatch)


@pytest.fixture(params=["openai", "anthropic"])
def chat(request: pytest.FixtureRequest) -> Iterator[FakeChatServer]:
    with FakeChatServer(request.param) as fake:
        yield fake


def setup(cli: Cli, chat: FakeChatServer, images: FakeOpenAIImages) -> None:
    steps: list[tuple[tuple[str, ...], str]] = [
        (("keys", "add", "--provider", "openai", "--label", "img"), TEST_KEYS["openai"]),
        (("keys", "add", "--provider", chat.kind, "--label", "llm"), CHAT_KEYS[chat.kind]),
        (("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-2", "--key", "img",
          "--base-url", images.base_url, "--param", "size=1536x1024", "--default"), ""),
        (("chat-profiles", "add", "--name", "talk", "--provider", chat.kind, "--model", "fake-chat-1", "--key", "llm",
          "--base-url", chat.base_url, "--default"), ""),
    ]
    for args, stdin in steps:
        result = cli(*args, stdin=stdin + "\n" if stdin else None)
        assert result.code == 0, result.err


def tool_texts(body: dict[str, Any]) -> list[str]:
    """Every tool result's text, in either API shape."""
    found = []
    for message in body.get("messages", []):
        if message.get("role") == "tool":
            found.append(str(message["content"]))
        for block in message.get("content") if isinstance(message.get("content"), list) else []:
            if block.get("type") == "tool_result":
                content = block["content"]
                found.extend([content] if isinstance(content, str)
                             else [b["text"] for b in content if b.get("type") == "text"])
    return found


def shown_images(body: dict[str, Any]) -> list[tuple[str, bytes]]:
    """(where, bytes) of every image given to the model: tool_result image blocks or image_url parts."""
    found = []
    for message in body.get("messages", []):
        content = message.get("content")
        for block in content if isinstance(content, list) else []:
            if block.get("type") == "image_url":
                url = block["image_url"]["url"]
                found.append((f"{message['role']}:image_url", base64.b64decode(url.split(",", 1)[1])))
            for inner in block.get("content", []) if block.get("type") == "tool_result" else []:
                if isinstance(inner, dict) and inner.get("type") == "image":
                    found.append(("tool_result:image", base64.b64decode(inner["source"]["data"])))
    return found


def offered(body: dict[str, Any]) -> list[str]:
    return [t.get("name") or t["function"]["name"] for t in body.get("tools", [])]


def scripted_model(request: Recorded) -> Reply:
    """Draws on "draw", edits the last image on "change it", and answers after each tool result."""
    body = request.body
    texts = tool_texts(body)
    last = body["messages"][-1]
    after_tool = last.get("role") == "tool" or (last.get("role") == "user" and shown_images({"messages": [last]})) \
        or any(isinstance(b, dict) and b.get("type") == "tool_result" for b in last.get("content") or [])
    if after_tool:
        return Text("Done.")
    if "change it" in last_user_text(body):
        image_id = json.loads(texts[-1])["images"][0]["id"]
        return ToolCalls([ToolCall("edit_image", {"prompt": "the same fox, twice as big", "images": [image_id]})])
    return ToolCalls([ToolCall("generate_image", {"prompt": "a red fox"})])


@pytest.mark.parametrize("show", ["flag", "setting", None])
def test_draw_then_change_it(cli: Cli, chat: FakeChatServer, tmp_path: Path, show: str | None) -> None:
    with FakeOpenAIImages() as images:
        setup(cli, chat, images)
        chat.decider = scripted_model
        flag = ["--show-images"] if show == "flag" else []
        # The show_images_to_model setting does for every chat what --show-images does for one turn.
        env = {"QUILLTAP_SHOW_IMAGES_TO_MODEL": "1"} if show == "setting" else {}
        first = cli("ask", "--json", *flag, "draw", "a", "fox", env=env)
        assert first.code == 0, first.err
        chat_id = lines(first.out)[-1]["chat_id"]
        second = cli("ask", "--json", *flag, "--chat", chat_id, "change it: make the fox bigger", env=env)
        assert second.code == 0, second.err
        assert len(images.edit_inputs) == 1  # the edit reached the image API with the first image

    events = lines(second.out)
    call = next(e for e in events if e["type"] == "tool_call")
    result = next(e for e in events if e["type"] == "tool_result")
    assert call["name"] == "edit_image" and result["ok"] is True
    assert [i["id"] for i in result["result"]["inputs"]] == call["arguments"]["images"]
    [(child, parent)] = query(cli, "select image_id, input_image_id from image_input")
    assert parent == call["arguments"]["images"][0] and child == result["result"]["images"][0]["id"]

    requests = [r.body for r in chat.chat_requests]
    assert len(requests) == 4  # draw, after draw, change it, after edit
    assert all("edit_image" in offered(body) for body in requests)
    for body in requests:
        for text in tool_texts(body):
            assert "base64" not in text and not BASE64_RUN.search(text)
    if not show:
        assert all(shown_images(body) == [] for body in requests)
        return
    where = "tool_result:image" if chat.kind == "anthropic" else "user:image_url"
    after_draw = shown_images(requests[1])
    assert [w for w, _ in after_draw] == [where]
    with Image.open(io.BytesIO(after_draw[0][1])) as picture:
        assert max(picture.size) == 1024 and picture.size == (1024, 683)  # from 1536x1024
    assert [w for w, _ in shown_images(requests[3])] == [where, where]  # the drawing and the edit
    if chat.kind == "openai":
        roles = [m["role"] for m in requests[1]["messages"]]
        assert roles[-3:] == ["assistant", "tool", "user"]  # the images right after the tool messages


def test_an_attached_file_goes_to_the_gallery_and_to_the_model_which_can_edit_it(
    cli: Cli, chat: FakeChatServer, tmp_path: Path
) -> None:
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (2048, 1536), (200, 100, 50)).save(photo, "JPEG")
    before = photo.read_bytes()

    def model(request: Recorded) -> Reply:
        last = request.body["messages"][-1]
        if last.get("role") == "tool" or any(
                isinstance(b, dict) and b.get("type") == "tool_result" for b in last.get("content") or []):
            return Text("Edited.")
        found = re.search(r"ids for edit_image: ([0-9a-f]+)", last_user_text(request.body))
        assert found is not None
        return ToolCalls([ToolCall("edit_image", {"prompt": "the same scene at night", "images": [found[1]]})])

    with FakeOpenAIImages() as images:
        setup(cli, chat, images)
        chat.decider = model
        result = cli("ask", "--json", "--attach", str(photo), "make", "it", "night")
        assert result.code == 0, result.err
        assert images.edit_inputs == [[("image/jpeg", 2048, 1536)]]  # the original bytes went to the edit
    assert photo.read_bytes() == before
    [(attached_id, prompt)] = query(cli, "select id, prompt from generated_image "
                                                   "where provider = 'attached'")
    assert prompt == "Attached file photo.jpg"
    first = chat.chat_requests[0].body
    user = first["messages"][-1]
    shown = shown_images({"messages": [user]}) if chat.kind == "openai" else [
        ("user:image", base64.b64decode(b["source"]["data"])) for b in user["content"] if b.get("type") == "image"]
    assert len(shown) == 1
    with Image.open(io.BytesIO(shown[0][1])) as picture:
        assert picture.size == (1024, 768)
    assert attached_id in last_user_text(first)
    [(parent,)] = query(cli, "select input_image_id from image_input")
    assert parent == attached_id
