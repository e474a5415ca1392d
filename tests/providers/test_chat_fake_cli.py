"""The fake chat upstream as a separate process (as end-to-end tests and benchmarks run it)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from quilltap_tui.chat.registry import get_chat_provider
from quilltap_tui.chat.spec import ChatMessage, TextDelta, TurnBuilder
from quilltap_tui.tools.spec import ToolSpec

ROOT = Path(__file__).resolve().parents[2]
TOOL = ToolSpec("generate_image", "Make an image.", {"type": "object", "properties": {"prompt": {"type": "string"}}})


def _wait_for_port(port_file: Path, proc: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 30  # a bound on waiting, not an assertion about speed
    while time.monotonic() < deadline:
        if port_file.exists() and port_file.read_text().strip():
            return int(port_file.read_text())
        assert proc.poll() is None, "the fake server exited early"
        time.sleep(0.02)
    raise AssertionError("the fake server never wrote its port")


@pytest.fixture(params=[("openai", "openai", "/v1"), ("anthropic", "anthropic", "")])
def fake_process(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A fake upstream process running the scripted tool-then-text LLM; yields (provider id, base URL)."""
    kind, pid, root = request.param
    port_file = tmp_path / "port"
    command = [sys.executable, "-m", "tests.fakes.chat_servers", "--kind", kind, "--port-file", str(port_file)]
    proc = subprocess.Popen([*command, "--script", "tool", "--final-text", "Your picture is ready."], cwd=ROOT)
    try:
        yield pid, f"http://127.0.0.1:{_wait_for_port(port_file, proc)}{root}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_scripted_tool_then_text_over_the_command_line(fake_process: tuple[str, str]) -> None:
    pid, base_url = fake_process
    provider = get_chat_provider(pid, api_key="sk-any", base_url=base_url)
    builder = TurnBuilder()
    async for event in provider.stream(model="m", messages=[ChatMessage.user("a red fox")], tools=[TOOL]):
        builder.add(event)
    (call,) = builder.tool_calls
    assert (call.name, call.arguments) == ("generate_image", {"prompt": "a red fox"})
    history = [ChatMessage.user("a red fox"), builder.message(), ChatMessage.tool_result(call, "saved img1")]
    stream = provider.stream(model="m", messages=history, tools=[TOOL])
    text = [event.text async for event in stream if isinstance(event, TextDelta)]
    assert "".join(text) == "Your picture is ready."
    await provider.aclose()
