"""The whole first walk in the real app in tmux (issue 12): an empty home, the first-run guide, a key (the
vault's passphrase chosen twice on the way), an image profile and a chat profile made in the forms, a chat
that makes an image, F5, the viewer on that image, and esc back to the chat. Loopback fakes only."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_tui_chat import FINAL, fake_urls  # noqa: F401  (fake_urls is a fixture)
from tests.e2e.tmux import TmuxSession
from tests.support import base_env, run_subprocess

pytestmark = pytest.mark.e2e
PASSPHRASE = "correct horse battery staple"


def _opened(term: TmuxSession, text: str, timeout: float = 20.0) -> None:
    """Wait for a dialog or form, then a moment for its focus to land (keys before that go nowhere)."""
    term.wait_for(text, timeout=timeout)
    time.sleep(0.5)


def _tab(term: TmuxSession, times: int) -> None:
    # One key at a time: a form checks the field it leaves (and may keep the focus there on a mistake).
    for _ in range(times):
        term.send("Tab")
        time.sleep(0.3)


def _form_ready(term: TmuxSession, timeout: float = 60.0) -> None:
    """The form has built its fields and finished listing the default URL's models (keys typed while that
    listing ran were seen lost now and then: noted in the report)."""
    deadline = time.monotonic() + timeout
    while not re.search(r"list models|models found|models listed|No models listed", term.screen()):
        if time.monotonic() > deadline:
            raise AssertionError(f"the profile form never got ready:\n{term.screen()}")
        time.sleep(0.1)


def _fill_profile(term: TmuxSession, name: str, base_url: str, model: str) -> None:
    """Name, then (past Provider and Key, preselected) Base URL and Model; ctrl+s saves."""
    _form_ready(term)
    _type_into(term, "Name", name)
    _tab(term, 3)
    _type_into(term, "Base URL", base_url)  # the field's text is selected on focus: typing replaces it
    _tab(term, 1)
    _type_into(term, "Model", model)
    term.send("C-s")


def _type_into(term: TmuxSession, label: str, text: str) -> None:
    """Type into the focused field and see it land beside ``label``.

    Under load, keys typed just as a form settles were seen to go missing (issue noted in the report): one
    more try then, so the walk checks the screens after, not that race. The first wait is long: keys that
    are only slow to show (a loaded machine) and typed again would land twice ("artart").
    """
    for attempt in range(2):
        term.type(text)
        try:
            term.wait_for(f"{label:<26}{text}", timeout=15)
            return
        except AssertionError:
            if attempt:
                raise


def test_first_run_to_an_image_in_the_viewer_and_back_to_the_chat(tmp_path: Path,
                                                                  fake_urls: tuple[str, str]) -> None:  # noqa: F811
    chat_url, image_url = fake_urls
    home = tmp_path / "home"
    env = {**base_env(home), "QUILLTAP_IMAGES": "halfcell", "PYTHONPATH": str(Path.cwd() / "src")}
    del env["QUILLTAP_VAULT_PASSPHRASE"]  # a real first run: the app asks for the new vault's passphrase
    with TmuxSession([sys.executable, "-m", "quilltap_tui"], env=env, cols=160, rows=48) as term:
        _opened(term, "Welcome to quilltap-tui", timeout=30)
        term.send("Enter")  # "Add a key" has the focus
        _opened(term, "Add an API key")
        term.type("main")
        term.wait_for("main")
        _tab(term, 1)
        term.type("sk-e2e-first-run-0000000000abcd")
        term.send("Enter")
        _opened(term, "Choose the key vault's passphrase")
        term.type(PASSPHRASE)
        term.send("Enter")  # to the repeat field
        time.sleep(0.3)
        term.type(PASSPHRASE)
        term.send("Enter")
        _opened(term, "1. An API key — 1 stored", timeout=30)
        term.send("Enter")  # the focus moved on to "Create an image profile"
        _opened(term, "New image profile")
        _fill_profile(term, "art", image_url, "gpt-image-1")
        _opened(term, "✓ 2. An image profile")
        term.send("Enter")  # on to "Create a chat profile"
        _opened(term, "New chat profile")
        _fill_profile(term, "talk", chat_url, "fake-chat-1")
        _opened(term, "✓ 3. A chat profile")
        term.send("Enter")  # "Done"
        term.wait_for("No chats yet", timeout=20)
        term.send("C-n")
        term.wait_for("Tags (comma-separated")
        term.send("Enter")
        term.wait_for("Type a message")
        term.type("a red kite")
        term.send("Enter")
        screen = term.wait_for(FINAL, timeout=30)
        assert "generate_image · done · 1 image" in screen, screen
        term.send("F5")
        term.wait_for("1024x1024  a red kite")  # the gallery's row of the new image, its cells whole
        term.send("Enter")
        screen = term.wait_for("m Made from")  # the viewer's footer
        deadline = time.monotonic() + 30
        while "▀" not in screen and time.monotonic() < deadline:  # the half-cell picture, drawn in a worker
            time.sleep(0.1)
            screen = term.screen()
        assert "▀" in screen and "Loading preview" not in screen, screen
        term.send("Escape")
        term.wait_for("g Grid/table")  # the gallery's footer (the viewer shows "Prompt" too)
        term.send("Escape")
        screen = term.wait_for(FINAL)  # the chat again
        assert "chat: talk" in screen and "image: art" in screen, screen
        term.send("C-q")
    keys = run_subprocess(["keys", "list"], home=home, env={"QUILLTAP_VAULT_PASSPHRASE": PASSPHRASE})
    assert keys.code == 0 and re.search(r"main .*abcd", keys.out), keys.out + keys.err
    images = run_subprocess(["images", "list", "--json"], home=home, env={"QUILLTAP_VAULT_PASSPHRASE": PASSPHRASE})
    [image] = json.loads(images.out)
    assert Path(image["path"]).is_file() and "art" in json.dumps(image)
