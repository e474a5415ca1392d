"""The real server over stdio, driven by the official SDK's client as Claude Desktop or Cursor would start it."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

from quilltap_tui.services.context import AppContext
from quilltap_tui.ui.gallery_data import load_page
from tests.fakes.image_servers import FakeOpenAIImages
from tests.mcp.harness import add_profile, file_bytes, gallery_count, server_env, stdio_session
from tests.support import Cli


async def test_tools_generate_resources_and_gallery(cli: Cli, home: Path, openai_fake: FakeOpenAIImages) -> None:
    add_profile(cli, openai_fake.base_url, "art", "gpt-image-1", "--tag", "illustration", "--default")
    add_profile(cli, openai_fake.base_url, "poster", "dall-e-3", "--tag", "posters")
    async with stdio_session(home) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == {"generate_image", "edit_image", "list_image_profiles"}
        generate = tools["generate_image"]
        props = generate.input_schema["properties"]
        assert props["profile"]["enum"] == ["art", "poster"] and props["profile"]["default"] == "art"
        assert generate.input_schema["required"] == ["prompt"]
        # Each model's own values, and who allows what.
        assert set(props["size"]["enum"]) == {"1024x1024", "1536x1024", "1024x1536", "auto", "1792x1024", "1024x1792"}
        assert "poster: 1024x1024, 1792x1024, 1024x1792" in props["size"]["description"]
        assert props["style"]["enum"] == ["vivid", "natural"] and "Only for: poster" in props["style"]["description"]
        assert '"art" [default]: OpenAI gpt-image-1; good for: illustration' in generate.description
        assert '"poster": OpenAI dall-e-3; good for: posters' in generate.description

        result = await client.call_tool("generate_image", {"prompt": "a lighthouse at dusk", "size": "1536x1024"})
        assert not result.is_error, result.content
        listing = await client.list_resources()
        document = result.structured_content
        image = document["images"][0]
        read = await client.read_resource(f"quilltap://images/{image['id']}")

    # structuredContent is generate --json's document: the same service and builder, field for field.
    assert set(document) == {"images", "profile", "provider", "model", "used", "warnings"}
    assert (document["profile"], document["provider"], document["model"]) == ("art", "openai", "gpt-image-1")
    assert document["used"]["size"] == "1536x1024" and document["used"]["count"] == 1
    gallery = cli("images", "list", "--json").json()
    assert len(gallery) == 1  # an ordinary gallery row, as the TUI's gallery shows it
    assert {k: gallery[0][k] for k in image} == image
    assert file_bytes(image["path"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(openai_fake.requests_to("/images/generations")[0].body)["size"] == "1536x1024"

    # A short summary, then one small preview per image; never the full image as base64.
    text, preview = result.content
    assert text.type == "text" and image["id"] in text.text and f"quilltap://images/{image['id']}" in text.text
    assert preview.type == "image"
    raw = base64.b64decode(preview.data)
    assert len(raw) <= 200_000 and raw != file_bytes(image["path"])
    with Image.open(io.BytesIO(raw)) as shown:
        assert max(shown.size) <= 512 and shown.size == (512, 341)
        assert Image.MIME[shown.format] == preview.mime_type

    # The full image is a resource with its own bytes and mime type; the gallery lists it.
    assert [str(r.uri) for r in listing.resources] == [f"quilltap://images/{image['id']}"]
    assert listing.resources[0].mime_type == "image/png" and listing.resources[0].size == image["bytes"]
    (contents,) = read.contents
    assert contents.mime_type == "image/png"
    assert base64.b64decode(contents.blob) == file_bytes(image["path"])

    # Audited like generate, and marked as made over MCP.
    (row,) = cli("audit", "--json").json()
    assert (row["source"], row["outcome"], row["image_ids"]) == ("mcp", "ok", [image["id"]])

    # The terminal app's gallery shows it, marked as made over MCP (an image from `generate` is not).
    assert (await asyncio.to_thread(cli, "generate", "--json", "a second lighthouse")).code == 0
    ctx = AppContext(environ=server_env(home))
    try:
        by_source = {item.id: item for item in await asyncio.to_thread(load_page, ctx)}
    finally:
        ctx.close()
    assert len(by_source) == 2 and by_source[image["id"]].source == "mcp"
    assert "over MCP" in by_source[image["id"]].details()
    (other,) = (item for item in by_source.values() if item.id != image["id"])
    assert other.source == "cli" and "over MCP" not in other.details()


async def test_list_image_profiles_says_what_each_model_accepts(
    cli: Cli, home: Path, openai_fake: FakeOpenAIImages
) -> None:
    add_profile(cli, openai_fake.base_url, "art", "gpt-image-1", "--tag", "illustration", "--default")
    add_profile(cli, openai_fake.base_url, "poster", "dall-e-3", "--tag", "posters")
    async with stdio_session(home) as client:
        result = await client.call_tool("list_image_profiles", {})
    profiles = {p["name"]: p for p in result.structured_content["profiles"]}
    assert profiles["art"]["default"] is True and profiles["poster"]["default"] is False
    assert (profiles["poster"]["provider"], profiles["poster"]["model"], profiles["poster"]["tags"]) == (
        "openai", "dall-e-3", ["posters"])
    assert profiles["poster"]["accepts"]["quality"]["enum"] == ["standard", "hd"]
    assert "style" not in profiles["art"]["accepts"]
    assert json.loads(result.content[0].text) == result.structured_content
    assert "key" not in json.dumps(result.structured_content).lower()


async def test_profile_option_limits_what_is_served(cli: Cli, home: Path, openai_fake: FakeOpenAIImages) -> None:
    add_profile(cli, openai_fake.base_url, "art", "gpt-image-1", "--default")
    add_profile(cli, openai_fake.base_url, "poster", "dall-e-3")
    async with stdio_session(home, "--profile", "poster") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == {"generate_image", "list_image_profiles"}  # dall-e-3 cannot edit: no edit_image
        assert tools["generate_image"].input_schema["properties"]["profile"]["enum"] == ["poster"]
        refused = await client.call_tool("generate_image", {"prompt": "a cat", "profile": "art"})
        made = await client.call_tool("generate_image", {"prompt": "a cat"})  # the served one is the default
    assert refused.is_error
    assert refused.content[0].text == "Image profile 'art' is not served by this MCP server; it serves: poster."
    assert not made.is_error and made.structured_content["profile"] == "poster"
    assert len(openai_fake.requests_to("/images/generations")) == 1  # the refused call sent nothing


def test_unknown_profile_option_exits_3(cli: Cli, home: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "quilltap_tui", "mcp", "--profile", "nope"], env=server_env(home),
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)
    assert proc.returncode == 3 and proc.stdout == ""
    assert proc.stderr.strip().splitlines()[-1] == "quilltap-tui: No image profile named 'nope'."


def test_stdout_carries_only_protocol_messages(cli: Cli, home: Path, openai_fake: FakeOpenAIImages) -> None:
    """A handshake-era client (the 2025 ``initialize``), raw: every stdout line is one JSON-RPC message."""
    add_profile(cli, openai_fake.base_url, "art", "gpt-image-1", "--default")
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
         "params": {"name": "generate_image", "arguments": {"prompt": "a boat"}}},
    ]
    proc = subprocess.Popen([sys.executable, "-m", "quilltap_tui", "mcp", "--debug"], env=server_env(home),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    answers = []
    for message in messages:
        proc.stdin.write(json.dumps(message) + "\n")
        proc.stdin.flush()
        if "id" in message:
            answers.append(json.loads(proc.stdout.readline()))
    rest, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and rest == ""
    assert [a["id"] for a in answers] == [1, 2, 3] and all(a["jsonrpc"] == "2.0" for a in answers)
    assert answers[0]["result"]["protocolVersion"] == "2025-06-18"
    assert answers[2]["result"]["structuredContent"]["profile"] == "art"
    assert "serving image profiles over stdio: art" in err  # logs went to stderr
    assert gallery_count(home) == 1
