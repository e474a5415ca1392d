"""The real ``quilltap-tui`` in tmux (160x48) against loopback fakes run as separate processes: keys and
profiles made with the command line, then a chat driven with send-keys. Checks the screen, the database
(through the command line's JSON) and the saved image file."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.tmux import TmuxSession, require_tmux
from tests.support import base_env, run_subprocess

pytestmark = pytest.mark.e2e
FINAL = "The picture is ready ZZEND"


def _start(module: str, port_file: Path, *args: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", module, "--port-file", str(port_file), *args],
                            cwd=Path(__file__).resolve().parents[2], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not (port_file.exists() and port_file.read_text().strip()):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise AssertionError(f"{module} did not start")
        time.sleep(0.05)
    return proc


@pytest.fixture
def fake_urls(tmp_path: Path) -> Iterator[tuple[str, str]]:
    require_tmux()
    chat = _start("tests.fakes.chat_servers", tmp_path / "chat.port", "--kind", "openai", "--script", "tool",
                  "--final-text", FINAL)
    images = _start("tests.fakes.image_servers", tmp_path / "img.port", "--kind", "openai", "--no-key")
    try:
        yield (f"http://127.0.0.1:{(tmp_path / 'chat.port').read_text().strip()}/v1",
               f"http://127.0.0.1:{(tmp_path / 'img.port').read_text().strip()}/v1")
    finally:
        for proc in (chat, images):
            proc.terminate()
            proc.wait(timeout=10)


def _cli(home: Path, *args: str, stdin: str = "") -> str:
    result = run_subprocess(list(args), home=home, stdin=stdin)
    assert result.code == 0, result.err
    return result.out


def test_chat_in_tmux_makes_and_saves_an_image(tmp_path: Path, fake_urls: tuple[str, str]) -> None:
    chat_url, image_url = fake_urls
    home = tmp_path / "home"
    _cli(home, "keys", "add", "--provider", "openai", "--label", "chat", stdin="sk-e2e-chat-0000000000000abcd")
    _cli(home, "keys", "add", "--provider", "openai", "--label", "img", stdin="sk-e2e-image-000000000000wxyz")
    _cli(home, "image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1",
         "--key", "img", "--base-url", image_url, "--default")
    _cli(home, "chat-profiles", "add", "--name", "main", "--provider", "openai", "--model", "fake-chat-1",
         "--key", "chat", "--base-url", chat_url, "--default")
    env = {**base_env(home), "PYTHONPATH": str(Path.cwd() / "src")}
    with TmuxSession([sys.executable, "-m", "quilltap_tui"], env=env, cols=160, rows=48) as term:
        term.wait_for("No chats yet")
        term.send("C-n")
        term.wait_for("Tags (comma-separated")
        term.send("Enter")  # create with the preselected defaults
        term.wait_for("Type a message")
        term.type("a lighthouse at dusk")
        term.send("Enter")
        screen = term.wait_for(FINAL, timeout=30)
        assert "generate_image · done · 1 image" in screen, screen
        screen = term.wait_for("Previews are off")  # the preview box may draw a frame after the text
        assert ".png" in screen, screen
        term.send("Escape")
        # Back on the list, titled by the prompt (the chat showed the prompt too: wait for the list's own line).
        term.wait_for("ctrl+n new · enter open", "a lighthouse at dusk")
        term.send("C-q")
    [chat] = json.loads(_cli(home, "chats", "list", "--json"))
    assert chat["title"] == "a lighthouse at dusk" and chat["images"] == 1 and chat["messages"] == 3
    shown = json.loads(_cli(home, "chats", "show", chat["id"], "--json"))
    assert [m["status"] for m in shown["messages"]] == ["complete", "complete", "complete"]
    assert shown["messages"][-1]["content"] == FINAL
    [image] = json.loads(_cli(home, "images", "list", "--json"))
    path = Path(image["path"])
    assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.name in screen or image["path"] in "".join(screen.split())


def test_chat_image_gallery_viewer_and_back_to_the_chat(tmp_path: Path, fake_urls: tuple[str, str]) -> None:
    """chat -> image -> F5 -> viewer (the picture drawn, not 'Loading preview…') -> esc, esc -> the same chat,
    its unsent draft intact (issue 12: the viewer bug and the screen stack)."""
    chat_url, image_url = fake_urls
    home = tmp_path / "home"
    _cli(home, "keys", "add", "--provider", "openai", "--label", "main", stdin="sk-e2e-main-0000000000000abcd")
    _cli(home, "image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1",
         "--key", "main", "--base-url", image_url, "--default")
    _cli(home, "chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "fake-chat-1",
         "--key", "main", "--base-url", chat_url, "--default")
    env = {**base_env(home), "QUILLTAP_IMAGES": "halfcell", "PYTHONPATH": str(Path.cwd() / "src")}
    with TmuxSession([sys.executable, "-m", "quilltap_tui"], env=env, cols=160, rows=48) as term:
        term.wait_for("No chats yet")
        term.send("C-n")
        term.wait_for("Tags (comma-separated")
        term.send("Enter")
        term.wait_for("Type a message")
        term.type("a red kite")
        term.send("Enter")
        term.wait_for(FINAL, timeout=30)
        term.type("my next thought")
        term.send("F5")
        term.wait_for("1024x1024  a red kite")  # the gallery's row (the chat showed the prompt already)
        term.send("Enter")
        screen = term.wait_for("m Made from")  # the viewer's footer (the gallery shows "Path:" too)
        deadline = time.monotonic() + 30
        while "▀" not in screen and time.monotonic() < deadline:  # the half-cell picture, drawn in a worker
            time.sleep(0.1)
            screen = term.screen()
        assert "▀" in screen and "Loading preview" not in screen, screen
        term.send("Escape")
        term.wait_for("g Grid/table")  # the gallery's footer (the viewer shows "Prompt" too)
        term.send("Escape")
        screen = term.wait_for("my next thought")  # the chat, with the draft as it was
        assert FINAL in screen and "chat: talk" in screen, screen
        term.send("C-q")
