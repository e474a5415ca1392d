"""Every text field holds ``[/x]``-style markup and the escape corpus, and every screen is walked
(issue 16 items 4-6): nothing crashes (MarkupError), no markup is obeyed (``[@click=app.quit]`` does not
quit, ``[bold red]`` shows literally), and no raw ESC, C1 control or bidi override reaches what is
drawn. The data arrives the way real data does: a key label and profile names and tags typed on the
command line, a chat whose first message (its title), reply, tool call, image prompt and provider
error carry the corpus, model ids a server lists, and a provider error shown by the profile form.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from quilltap_tui.db.models import ImageProfile, ImageProfileTag, Tag
from tests.fakes.chat_servers import FakeChatServer, HttpError, tool_then_text
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages, openai_error
from tests.security.escapes import CORPUS, PAYLOAD, raw_controls
from tests.support import Cli
from tests.ui.conftest import SIZE, settle, until
from tests.ui.conftest import screen_text as widget_text

KEY_LABEL = "work[/INST]X"
PROFILE = "[@click=app.quit]Q[/]"
CHAT_PROFILE = "[bold red]talk[/]"
TAGS = ("[/x]", "[bold red]t")
TITLE = "What does [/INST] mean?"
HOSTILE_MODELS = ("gpt-image-1[/x]", "gpt-image-1" + CORPUS["osc-title"], "gpt-image-1\x9d52;c;eA==\x9c")


def drawn(app: Any) -> str:
    """What the screen draws, as text, from the SVG export (so the rendering itself is checked)."""
    svg = app.export_screenshot()
    return html.unescape("".join(re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S))).replace("\xa0", " ")


def palette_hits(app: Any) -> str:
    """The help lines of the command palette's current hits."""
    from textual.command import Command, CommandList

    return "\n".join(str(option.hit.help) for options in app.screen.query(CommandList)
                     for option in options.options if isinstance(option, Command))


# What the app itself sends to draw a frame: SGR colours (CSI ... m) and cursor moves (CSI ... H) only.
_OWN_SEQUENCES = re.compile(r"\x1b\[[0-9;]*[mH]")


def terminal_bytes(app: Any) -> str:
    """The bytes the driver would write for a full redraw of the current screen (run_test is headless)."""
    update = app.screen._compositor.render_update(full=True)
    return str(update.render_segments(app.console))


def assert_inert(app: Any, where: str, *literals: str) -> None:
    assert app.is_running and app._exception is None, f"{where}: the app stopped"
    foreign = _OWN_SEQUENCES.sub("", terminal_bytes(app))
    assert raw_controls(foreign.replace("\n", "")) == [], f"{where}: a raw control reaches the terminal"
    text = drawn(app)
    assert raw_controls(text) == [], f"{where}: raw controls drawn"
    squeezed = text.replace(" ", "")
    for literal in literals:  # cells may pad or clip; compare without spaces
        assert literal.replace(" ", "") in squeezed, f"{where}: {literal!r} not shown literally"


@pytest.fixture
def world(ctx: Any, ui_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    cli = Cli(Path(ui_env["QUILLTAP_HOME"]), monkeypatch)
    monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "0")
    with FakeOpenAIImages(models=(*HOSTILE_MODELS, "gpt-image-1")) as images, FakeChatServer("openai") as chat:
        def run(*args: str, stdin: str | None = None) -> None:
            result = cli(*args, stdin=stdin)
            assert result.code == 0, (args, result.err)

        run("keys", "add", "--provider", "openai", "--label", KEY_LABEL, stdin=TEST_KEYS["openai"] + "\n")
        run("image-profiles", "add", "--name", PROFILE, "--provider", "openai", "--model", "gpt-image-1",
            "--key", KEY_LABEL, "--base-url", images.base_url, "--tag", TAGS[0], "--tag", TAGS[1], "--default")
        run("chat-profiles", "add", "--name", CHAT_PROFILE, "--provider", "openai", "--model", "fake-chat-1",
            "--key", KEY_LABEL, "--base-url", chat.base_url, "--default")
        chat.decider = tool_then_text(arguments={"prompt": "[/END] a kite " + PAYLOAD},
                                      final_text="Reply [/x] [@click=app.quit]q[/] " + PAYLOAD)
        run("ask", "--chat-profile", CHAT_PROFILE, f"{TITLE} {PAYLOAD}")
        chat.decider = None
        chat.enqueue(HttpError(500, {"error": {"message": "[/] boom " + PAYLOAD, "type": "api_error"}}))
        chat_id = cli("chats", "list", "--json").json()[0]["id"]
        cli("ask", "--chat", chat_id, "again")
        log_file = ctx.paths.log_file
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("a", encoding="utf-8") as handle:  # a logged provider message, as the log viewer reads it
            handle.write("WARNING provider said [/x] " + PAYLOAD.replace("\n", " ") + "\n")
        # Rows written before tags and names were validated (or by another tool) must draw inert too.
        with ctx.db.session() as session:
            tag = Tag(name="old" + CORPUS["osc52-clipboard"] + CORPUS["bidi"])
            profile = session.exec(select(ImageProfile).where(ImageProfile.name == PROFILE)).one()
            session.add(tag)
            session.flush()
            session.add(ImageProfileTag(image_profile_id=profile.id, tag_id=tag.id))
            session.commit()
        yield images, chat, chat_id


async def test_every_screen_draws_the_corpus_literally(make_app: Any, world: Any) -> None:
    images, _chat, chat_id = world
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert_inert(app, "home", "What does [", PROFILE, CHAT_PROFILE)  # the title is clipped to its column
        await pilot.press("f2")
        await settle(pilot)
        assert_inert(app, "keys", KEY_LABEL)
        await pilot.press("f3")
        await settle(pilot)
        assert_inert(app, "image profiles", PROFILE, TAGS[0], TAGS[1], "old\u241b]52;c;")
        await pilot.click("DataTable", offset=(8, 1))  # on the name cell: a parsed @click would quit
        await settle(pilot)
        assert app.is_running and app.return_code is None
        await pilot.press("enter")  # the edit form lists the provider's models: hostile ids arrive as options
        await settle(pilot)
        from textual.widgets import Select

        picker = app.screen.query_one("#model-choices", Select)
        labels = [str(label) for label, _ in picker._options]
        assert any("gpt-image-1\u241b]0;pwned" in label for label in labels), labels
        assert raw_controls("".join(labels)) == []
        picker.expanded = True
        await settle(pilot)
        assert_inert(app, "model options", "gpt-image-1\u241b]0;pwned")
        picker.expanded = False
        await settle(pilot)
        images.script(openai_error(400, "[/] upstream " + PAYLOAD, code="invalid_value"))
        await pilot.press("ctrl+t")  # test generate: the provider's error is shown in the form
        await settle(pilot)
        app.screen.query_one("#form-status").scroll_visible(animate=False)
        await settle(pilot)
        assert_inert(app, "profile form (provider error)", "[/] upstream")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert_inert(app, "chat profiles", CHAT_PROFILE)
        await pilot.press("f5")
        await settle(pilot)
        assert_inert(app, "gallery", "[/END]")
        await pilot.press("enter")
        await settle(pilot)
        assert_inert(app, "viewer", "[/END]")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert_inert(app, "help")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert_inert(app, "logs", "provider said [/x]")
        app.action_open("home")  # esc goes back screen by screen now; home is the bottom of the stack
        await settle(pilot)
        app.screen.query_one("ChatList").open_chat(chat_id)
        await settle(pilot)
        assert_inert(app, "chat", "Reply [/x]", "[/] boom")
        for collapsible in app.screen.query("Collapsible"):
            collapsible.collapsed = False  # the tool call's arguments: the image prompt the LLM chose
        await settle(pilot)
        widgets = widget_text(app)
        assert "[/END] a kite" in widgets and raw_controls(widgets) == []
        assert "[/INST]" in app.screen.title
        app.action_open("home")
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert type(app.screen).__name__ == "NewChatModal"
        assert_inert(app, "new chat dialog", PROFILE)
        app.pop_screen()
        await settle(pilot)
        await pilot.press("ctrl+p")  # the command palette lists profiles by name
        await settle(pilot)
        assert type(app.screen).__name__ == "CommandPalette"
        await pilot.press(*"generate with")
        await settle(pilot)
        # The palette searches on a timer of its own: wait until its hits are listed (then drawn by the export).
        await until(pilot, lambda: "Prompt for an image with this profile" in palette_hits(app), "the palette's hits")
        assert_inert(app, "palette", "image profile: " + PROFILE)
        await pilot.press("escape")
        await settle(pilot)
        app.notify("toast [/x] " + PAYLOAD)
        await settle(pilot)
        assert_inert(app, "after a toast")
    assert app.return_code in (None, 0)
