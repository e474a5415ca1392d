"""The real ``quilltap-tui`` in tmux: attach an image file to a message (ctrl+o), then "edit this" (f8) on
the picture the chat made. Checks the screen, the request the chat server got, and the lineage."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.test_tui_chat import FINAL, _cli, fake_urls  # noqa: F401  (fake_urls is a fixture)
from tests.e2e.tmux import TmuxSession
from tests.support import base_env

pytestmark = pytest.mark.e2e


def test_attach_then_edit_this_in_tmux(tmp_path: Path, fake_urls: tuple[str, str]) -> None:  # noqa: F811
    chat_url, image_url = fake_urls
    home = tmp_path / "home"
    photo = tmp_path / "sketch-of-a-boat.png"
    Image.new("RGB", (320, 240), (30, 60, 90)).save(photo)
    _cli(home, "keys", "add", "--provider", "openai", "--label", "chat", stdin="sk-e2e-chat-0000000000000abcd")
    _cli(home, "keys", "add", "--provider", "openai", "--label", "img", stdin="sk-e2e-image-000000000000wxyz")
    _cli(home, "image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-2",
         "--key", "img", "--base-url", image_url, "--default")
    _cli(home, "chat-profiles", "add", "--name", "main", "--provider", "openai", "--model", "fake-chat-1",
         "--key", "chat", "--base-url", chat_url, "--default")
    env = {**base_env(home), "PYTHONPATH": str(Path.cwd() / "src")}
    with TmuxSession([sys.executable, "-m", "quilltap_tui"], env=env, cols=160, rows=48) as term:
        term.wait_for("No chats yet")
        term.send("C-n")
        term.wait_for("Tags (comma-separated")
        term.send("Enter")
        term.wait_for("Type a message")
        term.send("C-o")
        term.wait_for("Attach an image")
        term.type(str(tmp_path / "sketch-of"))
        for _ in range(40):  # → accepts the completion once it has been computed
            term.send("Right")
            if "sketch-of-a-boat.png" in term.screen():
                break
            time.sleep(0.25)
        term.send("Enter")
        term.wait_for("320x240", timeout=15)  # the attachment's preview label above the prompt
        term.type("a boat like this one")
        term.send("Enter")
        term.wait_for(FINAL, timeout=30)
        term.send("F8")
        term.wait_for("Edit this image")
        term.type("the same boat at night")
        term.send("Enter")
        term.wait_for("Editing an image")
        screen = term.wait_for("Saved 1 image with art", timeout=30)  # then the gallery opens on it
        term.send("C-q")
    items = json.loads(_cli(home, "images", "list", "--json"))
    by_prompt = {item["prompt"]: item for item in items}
    attached = by_prompt["Attached file sketch-of-a-boat.png"]
    made = next(item for item in items if item["prompt"].startswith("a boat like this one"))
    edited = by_prompt["the same boat at night"]
    assert edited["inputs"] == [made["id"]] and attached["width"] == 320, screen
