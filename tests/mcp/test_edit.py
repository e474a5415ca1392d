"""``edit_image`` over MCP: offered for profiles that can edit, gallery ids only, ``edit --json``'s document."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.fakes.image_servers import FakeOpenAIImages
from tests.mcp.harness import add_profile, file_bytes, stdio_session
from tests.support import Cli


async def test_edit_image_from_a_gallery_image(cli: Cli, home: Path, openai_fake: FakeOpenAIImages) -> None:
    add_profile(cli, openai_fake.base_url, "art", "gpt-image-1", "--default", "--tag", "illustration")
    add_profile(cli, openai_fake.base_url, "poster", "dall-e-3")
    async with stdio_session(home) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        made = await client.call_tool("generate_image", {"prompt": "a lighthouse"})
        source = made.structured_content["images"][0]
        edited = await client.call_tool("edit_image", {"prompt": "add a storm", "images": [source["id"][:8]]})
        cannot = await client.call_tool("edit_image", {"prompt": "x", "images": [source["id"]], "profile": "poster"})
        path = await client.call_tool("edit_image", {"prompt": "x", "images": ["/etc/passwd"]})
    edit = tools["edit_image"]
    assert edit.input_schema["required"] == ["prompt", "images"]
    assert edit.input_schema["properties"]["profile"]["enum"] == ["art"]  # dall-e-3 takes no input images
    assert edit.input_schema["properties"]["images"]["maxItems"] == 16
    assert '"art" [default]: OpenAI gpt-image-1, up to 16 input images; good for: illustration' in edit.description

    assert not edited.is_error, edited.content
    document = edited.structured_content
    assert document["inputs"] == [{"id": source["id"], "path": source["path"], "sha256": source["sha256"]}]
    assert set(document) == {"images", "profile", "provider", "model", "used", "warnings", "inputs"}
    assert [b.type for b in edited.content] == ["text", "image"] and source["id"] in edited.content[0].text
    (sent,) = openai_fake.requests_to("/images/edits")
    assert file_bytes(source["path"]) in sent.body  # the gallery image's own bytes went to the provider
    gallery = {item["id"]: item for item in (await asyncio.to_thread(cli, "images", "list", "--json")).json()}
    assert gallery[document["images"][0]["id"]]["inputs"] == [source["id"]]
    audit = (await asyncio.to_thread(cli, "audit", "--json")).json()
    assert (audit[0]["action"], audit[0]["source"], audit[0]["outcome"]) == ("edit", "mcp", "ok")

    assert cannot.is_error and cannot.content[0].text == (
        "Image profile 'poster' cannot edit (model dall-e-3 takes no input images); profiles that can: art.")
    assert path.is_error
    assert path.content[0].text == "images must hold gallery ids (at least 6 hex characters), not '/etc/passwd'."
    assert len(openai_fake.requests_to("/images/edits")) == 1  # the refused calls sent nothing
