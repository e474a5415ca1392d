"""A queueing provider over MCP: its notes ("fal.ai: queue position N") are the progress heartbeats a
client that asked for progress gets, in place of "Waiting for the image provider"."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.fal_queue import FAL_KEY, FakeFalQueue
from tests.mcp.harness import server_env, stdio_session
from tests.support import Cli


async def test_queue_notes_are_progress_heartbeats(cli: Cli, home: Path) -> None:
    with FakeFalQueue(polls=8, ahead=3) as fal:  # about 4 s in the queue at fal's 0.5 s polls
        made = cli("image-profiles", "add", "--name", "queue", "--provider", "fal", "--model", "fal-ai/flux/dev",
                   "--base-url", fal.base_url, "--default")
        assert made.code == 0, made.err
        notes: list[str | None] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            notes.append(message)

        async with stdio_session(home, env=server_env(home, FAL_KEY=FAL_KEY)) as client:
            result = await client.call_tool("generate_image", {"prompt": "a kite"}, progress_callback=on_progress)
    assert not result.is_error, result.content
    assert notes[0] == "Sending the request to the image provider." and notes[-1] == "Saved 1 image."
    queued = [n for n in notes if n and n.startswith("fal.ai: ")]
    assert queued and all(n.endswith(" s).") for n in queued), notes
    assert any(n.startswith("fal.ai: queue position ") for n in queued), notes
