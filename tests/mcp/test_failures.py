"""Failures over MCP: the command line's sentences as tool errors, limits, a locked vault, cancellation, progress."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import anyio
import pytest

from tests.fakes.image_servers import FakeOpenAIImages, b64, make_image, openai_error
from tests.fakes.server import Reply
from tests.mcp.harness import HangingUpstream, add_profile, gallery_count, image_files, server_env, stdio_session
from tests.support import Cli


async def cli_sentence(cli: Cli, *args: str) -> str:
    """What ``quilltap-tui generate`` says last, without its ``quilltap-tui: `` prefix (in a thread: the
    command runs its own event loop)."""
    result = await asyncio.to_thread(cli, "generate", *args)
    assert result.code != 0
    return result.last_err_line.removeprefix("quilltap-tui: ")


async def test_provider_errors_are_error_results_with_the_cli_sentence(
    cli: Cli, home: Path, openai_fake: FakeOpenAIImages
) -> None:
    add_profile(cli, openai_fake.base_url, "art", "gpt-image-1", "--default")
    openai_fake.script(openai_error(400, "Invalid value for 'quality': 'ultra'.", param="quality"))
    expected_400 = await cli_sentence(cli, "a dog")
    expected_refusal = await cli_sentence(cli, "a dog [refuse]")
    openai_fake.script(openai_error(400, "Invalid value for 'quality': 'ultra'.", param="quality"))
    async with stdio_session(home) as client:
        bad = await client.call_tool("generate_image", {"prompt": "a dog"})
        refused = await client.call_tool("generate_image", {"prompt": "a dog [refuse]"})
        invalid = await client.call_tool("generate_image", {"prompt": "  "})
    assert bad.is_error and [b.text for b in bad.content] == [expected_400]
    assert "quality" in expected_400
    assert refused.is_error and [b.text for b in refused.content] == [expected_refusal]
    assert "safety system" in expected_refusal
    assert invalid.is_error and invalid.content[0].text == "prompt is required: describe the image to make."
    assert bad.structured_content is None
    assert gallery_count(home) == 0
    rows = cli("audit", "--json").json()
    assert [(r["source"], r["outcome"]) for r in rows[:2]] == [("mcp", "error"), ("mcp", "error")]


async def test_limits_apply_as_for_generate(cli: Cli, home: Path, openai_fake: FakeOpenAIImages) -> None:
    add_profile(cli, openai_fake.base_url, "art", "gpt-image-1", "--default", "--max-per-minute", "1")
    async with stdio_session(home) as client:
        first = await client.call_tool("generate_image", {"prompt": "one"})
        second = await client.call_tool("generate_image", {"prompt": "two"})
    assert not first.is_error
    assert second.is_error
    assert second.content[0].text == await cli_sentence(cli, "three")
    assert second.content[0].text.startswith("Image profile art allows 1 images per minute")
    assert len(openai_fake.requests_to("/images/generations")) == 1
    outcomes = [(r["source"], r["outcome"]) for r in cli("audit", "--json").json()]
    assert outcomes == [("cli", "limited"), ("mcp", "limited"), ("mcp", "ok")]


async def test_locked_vault_is_an_error_result_saying_how_to_unlock(
    cli: Cli, home: Path, openai_fake: FakeOpenAIImages
) -> None:
    add_profile(cli, openai_fake.base_url, "art", "gpt-image-1", "--default")
    env = server_env(home)
    del env["QUILLTAP_VAULT_PASSPHRASE"]
    started = time.monotonic()
    async with stdio_session(home, env=env) as client:
        result = await client.call_tool("generate_image", {"prompt": "a locked door"})
    assert time.monotonic() - started < 30  # answered, never waiting on a prompt
    assert result.is_error
    text = result.content[0].text
    assert text.startswith("The key vault is locked: this MCP server never prompts")
    for way in ("QUILLTAP_VAULT_PASSPHRASE", "QUILLTAP_VAULT=keyring", "QUILLTAP_VAULT=env", "OPENAI_API_KEY"):
        assert way in text
    assert openai_fake.requests == []


async def test_progress_is_reported_to_clients_that_ask(cli: Cli, home: Path, openai_fake: FakeOpenAIImages) -> None:
    add_profile(cli, openai_fake.base_url, "art", "gpt-image-1", "--default")
    slow = Reply(json={"created": 1, "data": [{"b64_json": b64(make_image(64, 64))}]}, delay=2.3)
    openai_fake.script(slow)
    notes: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        notes.append((progress, total, message))

    async with stdio_session(home) as client:
        result = await client.call_tool("generate_image", {"prompt": "slow"}, progress_callback=on_progress)
        quiet = await client.call_tool("generate_image", {"prompt": "no token"})
    assert not result.is_error and not quiet.is_error
    messages = [m for _, _, m in notes]
    assert messages[0] == "Sending the request to the image provider."
    assert "Waiting for the image provider (1 s)." in messages and "Waiting for the image provider (2 s)." in messages
    assert messages[-1] == "Saved 1 image."
    assert [p for p, _, _ in notes] == sorted({p for p, _, _ in notes})  # strictly increasing


async def test_cancelled_request_aborts_the_provider_call_and_saves_nothing(cli: Cli, home: Path) -> None:
    upstream = HangingUpstream()
    add_profile(cli, upstream.base_url, "art", "gpt-image-1", "--default")
    started = anyio.Event()

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        started.set()

    try:
        async with stdio_session(home) as client:
            with anyio.move_on_after(30) as scope:
                async with anyio.create_task_group() as group:
                    group.start_soon(
                        lambda: client.call_tool("generate_image", {"prompt": "never"}, progress_callback=on_progress)
                    )
                    await started.wait()
                    assert await asyncio.to_thread(upstream.received.wait, 20)
                    group.cancel_scope.cancel()  # the SDK sends notifications/cancelled
            assert not scope.cancelled_caught
            # The provider's connection is closed by the server, not left running.
            assert await asyncio.to_thread(upstream.aborted.wait, 20)
            assert not (await client.call_tool("list_image_profiles", {})).is_error  # still serving
        rows = await _audit_settled(cli)
    finally:
        upstream.close()
    assert [(r["source"], r["outcome"], r["image_ids"]) for r in rows] == [("mcp", "cancelled", [])]
    assert gallery_count(home) == 0 and image_files(home) == []


async def _audit_settled(cli: Cli) -> list[dict]:
    for _ in range(100):
        rows = cli("audit", "--json").json()
        if rows and rows[0]["outcome"] != "pending":
            return rows
        await asyncio.sleep(0.1)
    pytest.fail("the cancelled attempt's audit row never got its outcome")
