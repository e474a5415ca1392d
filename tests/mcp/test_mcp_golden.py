"""Golden MCP answers: ``tools/list`` (names, titles, descriptions, schemas, annotations) and the results of
each tool (structured content, the text summary, one preview block per image), byte for byte once the run's
ids, hashes, home, fake server address and preview bytes are replaced by placeholders. How a tool is
declared or answered may be refactored; what a client receives may not change unnoticed."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from tests.fakes.image_servers import FakeOpenAIImages
from tests.golden import check_text
from tests.mcp.harness import add_profile, dump, stdio_session
from tests.support import Cli

GOLDEN = Path(__file__).parent / "golden"
_SHA = re.compile(r"\b[0-9a-f]{64}\b")
_ID = re.compile(r"\b[0-9a-f]{32}\b")
_YEAR_MONTH = re.compile(r"images/\d{4}/\d\d/")


def normal(home: Path, text: str, base_url: str) -> str:
    text = text.replace(str(home.resolve()), "HOME").replace(str(home), "HOME").replace(base_url, "BASE")
    text = _YEAR_MONTH.sub("images/YYYY/MM/", text)
    return _ID.sub("ID", _SHA.sub("SHA256", text))


def pretty(result: Any) -> str:
    document = json.loads(dump(result))
    for block in document.get("content", []):
        if block.get("type") == "image":
            block["data"] = f"<{block['mimeType']} preview>"
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


async def test_tools_and_their_results_are_what_clients_always_received(cli: Cli, home: Path) -> None:
    with FakeOpenAIImages() as fake:
        await asyncio.to_thread(add_profile, cli, fake.base_url, "art", "gpt-image-1", "--default", "--tag", "fox")
        await asyncio.to_thread(add_profile, cli, fake.base_url, "old", "dall-e-3")
        async with stdio_session(home) as client:
            listed = await client.list_tools()
            profiles = await client.call_tool("list_image_profiles", {})
            made = await client.call_tool("generate_image", {"prompt": "a red fox", "size": "1024x1024"})
            parent = made.structured_content["images"][0]["id"]
            edited = await client.call_tool("edit_image", {"prompt": "bigger", "images": [parent[:8]]})
            refused = await client.call_tool("edit_image", {"prompt": "bigger", "images": [parent],
                                                            "profile": "old"})
    for name, result in (("tools_list", listed), ("list_image_profiles", profiles), ("generate_image", made),
                         ("edit_image", edited), ("edit_image_refused", refused)):
        check_text(GOLDEN / f"{name}.json", normal(home, pretty(result), fake.base_url))
