"""The tool-call widget says what happened in words: the result summary (by the result's shape, not the
tool's name), the mapping and retirement warnings, and an error's one sentence. No raw JSON."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Static

from quilltap_tui.services import keys, profiles
from quilltap_tui.ui.widgets.tool_call import ToolCallView
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.ui.conftest import SIZE
from tests.ui.scripted import ScriptedChat, tool_then_text
from tests.ui.test_chat_ui import _send, settle


def _texts(view: ToolCallView) -> tuple[str, str]:
    result = str(view.query_one(".call-result", Static).render())
    notes = view.query_one(".call-notes", Static)
    return result, str(notes.render()) if notes.display else ""


def _profiles(ctx: Any, images: FakeOpenAIImages, model: str) -> None:
    keys.add_key(ctx, provider="openai", label="img", secret=TEST_KEYS["openai"])
    profiles.create(ctx, profiles.IMAGE, name="art", provider="openai", model=model, key="img",
                    base_url=images.base_url, default=True)
    profiles.create(ctx, profiles.CHAT, name="main", provider="scripted", model="scripted-1", default=True)


async def _one_call(make_app: Any, ctx: Any, chat: ScriptedChat, model: str,
                    arguments: dict[str, Any]) -> tuple[str, str, str]:
    with FakeOpenAIImages() as images:
        _profiles(ctx, images, model)
        chat.decider = tool_then_text(arguments=arguments, final_text="Done.")
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+n")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await _send(pilot, "a lighthouse")
            (call,) = app.screen.query(ToolCallView)
            assert call.status == "ok"
            result, notes = _texts(call)
            image_id = str(call.images[0].id)
    return result, notes, image_id


async def test_an_image_result_and_its_size_warning_read_as_words(make_app: Any, ctx: Any,
                                                                  scripted_chat: ScriptedChat) -> None:
    result, notes, image_id = await _one_call(
        make_app, ctx, scripted_chat, "gpt-image-1", {"prompt": "a lighthouse", "size": "1792x1024", "count": 2})
    assert result.startswith("Result: 2 images · 1536x1024 · image/png · ids ")
    assert image_id[:8] in result and image_id not in result  # an id prefix, not the whole id
    assert "made by art / gpt-image-1" in result
    assert "{" not in result and '"images"' not in result  # no JSON
    assert "⚠" in notes and "1792x1024" in notes and "1536x1024" in notes


async def test_a_retired_model_says_so_and_the_revised_prompt_is_shown(make_app: Any, ctx: Any,
                                                                       scripted_chat: ScriptedChat) -> None:
    result, notes, _ = await _one_call(make_app, ctx, scripted_chat, "dall-e-3", {"prompt": "a lighthouse"})
    assert result.startswith("Result: 1 image · 1024x1024 · image/png · id ")
    assert "revised prompt: A detailed picture of a lighthouse" in result
    assert "dall-e-3 was retired" in notes and "…" not in notes  # whole: it names the replacement


class _Host(App[None]):
    def __init__(self, view: ToolCallView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        yield self.view


async def test_an_unknown_result_is_key_values_and_an_error_one_sentence_all_inert() -> None:
    view = ToolCallView("lookup", {"q": "x"}, call_id="c1")
    async with _Host(view).run_test() as pilot:
        view.set_result(True, {"answer": "[bold]yes\x1b]52;c;aGk=\x07", "sources": ["a", "b"],
                               "meta": {"took": 3, "cached": None}, "raw": {"big": "x" * 5000}})
        await pilot.pause()
        result, notes = _texts(view)
        assert result == "Result: answer: [bold]yes␛]52;c;aGk=␇\n  sources: a, b\n  meta: took=3"
        assert notes == ""
        view.set_result(False, {"error": "The image provider refused the prompt (content policy)."})
        await pilot.pause()
        result, _ = _texts(view)
        assert result == "Result: The image provider refused the prompt (content policy)."
