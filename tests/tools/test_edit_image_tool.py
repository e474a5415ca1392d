"""The edit_image tool: offered only where the image profile can edit, ids only, short results."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quilltap_tui.chat.spec import ToolCallRequest, parse_arguments
from quilltap_tui.db.models import Chat
from quilltap_tui.services import chat_turn, chats
from quilltap_tui.services.chat_turn_tools import ProfileImages
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.generation import GenerationService
from quilltap_tui.tools.edit_image import EditImageTool, build_spec
from quilltap_tui.tools.generate_image import ImageToolProfile
from quilltap_tui.tools.registry import ToolContext, ToolRegistry
from tests.chat_support import add_chat_profile, add_image_profile, make_ctx
from tests.fakes.chat_servers import FakeChatServer
from tests.fakes.image_servers import FakeOpenAIImages

PROFILE = ImageToolProfile("art", "openai", "gpt-image-2", {}, 4)


def call(arguments: dict[str, Any]) -> ToolCallRequest:
    raw = json.dumps(arguments)
    parsed, error = parse_arguments(raw)
    return ToolCallRequest("call_1", "edit_image", parsed, raw, error)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[AppContext, FakeOpenAIImages, ToolRegistry]]:
    with FakeOpenAIImages() as fake:
        ctx = make_ctx(tmp_path / "home")
        add_image_profile(ctx, fake, model="gpt-image-2")  # type: ignore[arg-type]
        yield ctx, fake, ToolRegistry([EditImageTool(ProfileImages(GenerationService(ctx), PROFILE.name), PROFILE)])  # type: ignore[misc]
        ctx.close()


def test_schema_is_generate_images_plus_images_up_to_the_models_maximum() -> None:
    schema = build_spec(PROFILE).input_schema
    assert schema["required"] == ["prompt", "images"]
    assert schema["properties"]["images"]["maxItems"] == 16 and schema["properties"]["images"]["minItems"] == 1
    assert list(schema["properties"])[:2] == ["prompt", "images"] and "size" in schema["properties"]
    grok = build_spec(ImageToolProfile("x", "grok", "grok-imagine-image", {}, 4)).input_schema
    assert grok["properties"]["images"]["maxItems"] == 3


async def test_edits_by_id_and_refuses_file_paths_unknown_ids_and_too_many(
    setup: tuple[AppContext, FakeOpenAIImages, ToolRegistry], tmp_path: Path
) -> None:
    ctx, fake, registry = setup
    made = await GenerationService(ctx).generate("a red fox", profile="art")
    parent = made.images[0].id
    result = await registry.execute(call({"prompt": "bigger", "images": [parent[:8]]}), ToolContext())
    assert result.ok, result.error
    assert result.for_model["made_from"] == [parent]
    assert "b64" not in result.model_text() and len(result.model_text()) < 2000
    outside = tmp_path / "secret.png"  # an existing image file: still refused, the LLM names ids only
    shutil.copyfile(made.images[0].path, outside)
    sent_before = len(fake.requests_to("/images/edits"))
    for arguments, words in (
        ({"prompt": "x", "images": [str(outside)]}, "No gallery image with id"),
        ({"prompt": "x", "images": ["ffffffffff"]}, "No gallery image with id"),
        ({"prompt": "x", "images": [parent] * 17}, "takes at most 16 input images; 17 were given"),
        ({"prompt": "x"}, "images is required"),
    ):
        failed = await registry.execute(call(arguments), ToolContext())
        assert not failed.ok and words in str(failed.error), failed.error
    assert len(fake.requests_to("/images/edits")) == sent_before


def test_offered_only_when_the_chat_image_profile_can_edit(tmp_path: Path) -> None:
    with FakeOpenAIImages() as fake, FakeChatServer("openai") as server:
        ctx = make_ctx(tmp_path / "home")
        try:
            add_chat_profile(ctx, server)
            add_image_profile(ctx, fake, model="gpt-image-2")  # type: ignore[arg-type]
            add_image_profile(ctx, fake, name="old", model="dall-e-3", default=False)  # type: ignore[arg-type]
            chat_id = str(chats.create_chat(ctx, chat_profile="talk", image_profile="art").id)
            assert chat_turn.prepare_turn(ctx, chat_id).tools.names() == ["generate_image", "edit_image"]
            chats.set_image_profile(ctx, chat_id, "old")
            assert chat_turn.prepare_turn(ctx, chat_id).tools.names() == ["generate_image"]
            with ctx.db.session() as session:
                assert session.get(Chat, chat_id).show_images is False  # type: ignore[union-attr]
        finally:
            ctx.close()
