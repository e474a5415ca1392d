"""Partial images in a chat: the image tool call's placeholder shows OpenAI's partial images as they
stream (the preview sharpens), before the final image; only the final image is saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from quilltap_tui.ui.widgets.preview import ImagePreview
from quilltap_tui.ui.widgets.tool_call import ToolCallView
from tests.ui.conftest import SIZE
from tests.ui.scripted import tool_then_text
from tests.ui.test_chat_ui import _send, _setup, _views, fakes, settle  # noqa: F401  (fakes: a fixture)


@pytest.mark.parametrize("protocol", ["off", "halfcell"])
async def test_placeholder_shows_partials_before_the_final_image(
    make_app: Any, ctx: Any, fakes: Any, monkeypatch: pytest.MonkeyPatch, protocol: str  # noqa: F811
) -> None:
    chat, images = fakes
    _setup(ctx, chat, images)
    chat.decider = tool_then_text(final_text="Here is your fox.")
    seen: list[tuple[int, list[ImagePreview]]] = []  # at the final image: partials shown, partial previews
    final = ToolCallView.set_result

    def recording(view: ToolCallView, ok: bool, result: dict[str, Any]) -> None:
        seen.append((view.partials, list(view.query(".partial-preview").results(ImagePreview))))
        final(view, ok, result)

    monkeypatch.setattr(ToolCallView, "set_result", recording)
    app = make_app(image_protocol=protocol)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("enter")  # a new chat with the default profiles
        await settle(pilot)
        await _send(pilot, "a fox in the snow")
        (call,) = _views(app, ToolCallView)
        assert call.status == "ok"
        assert not call.query(".partial-preview")  # the final image took the partial preview's place
    [request] = images.requests_to("/images/generations")
    assert request.json["stream"] is True and request.json["partial_images"] == 3
    [(partials, previews)] = seen
    assert partials == 3  # three partial images reached the placeholder before the final one
    assert len(previews) == (0 if protocol == "off" else 1)
    # Only the final image is saved: one file, the completed event's image.
    assert saved_files(Path(ctx.paths.images)) == [Path(call.images[0].path)]


def saved_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]
