"""Cold command-line runs, each beside a yardstick measured in the same run, as ratios.

Absolute times on a shared 2-core machine are not figures (a busy machine made every earlier row
1.5-3.9x worse); a ratio to a yardstick timed interleaved with it mostly is. Every figure is the
median wall time of a fresh process, against loopback fakes, with the load average printed beside it:

- ``ask --no-images`` vs a bare ``openai`` SDK script making the same streamed request (target <= 1.1x);
- ``images list`` (and ``keys list``, ``chats list``, ``chats show ID``, ``audit``, ``image-profiles list``) vs
  ``python -c "import openai"`` (target <= 0.4x); ``models --provider openai`` (the built-in table, no key) too;
- ``generate`` vs a bare SDK ``images.generate`` that writes and fsyncs the file (target <= 1.05x);
- ``ask`` whose model calls ``generate_image`` vs a bare SDK script doing the same requests: the streamed chat
  request declaring the tool, ``images.generate`` with the call's prompt, the file written and fsynced, the
  streamed follow-up request with the tool result, its text printed (no target in issue 17; it showed the
  ORM's import between the tool call and the image request);
- ``keys list`` and ``images list`` vs ``python -c pass`` (the interpreter's own floor).

``BENCH_ONLY=ask`` (words, comma-separated) keeps only the rows whose name contains one of them, plus
their yardsticks: a quicker run while working on one figure.

``BENCH_BEFORE=DIR`` (a ``src`` directory of another checkout, e.g. ``git archive HEAD~3 src | tar -x -C
/tmp/before``) adds ``ask --no-images``, ``generate`` and ``ask`` with a tool call run from that code,
interleaved with the rest:
a change's before and after measured in one run, under the same load.

Every process runs with bytecode caching on, in a temporary ``PYTHONPYCACHEPREFIX`` warmed by one
unmeasured pass: an installed program has its ``.pyc`` files. With ``PYTHONDONTWRITEBYTECODE``
inherited from a test shell every run compiled this package's modules from source (the
SDK's, installed with their bytecode, did not): generate took 6.6 s instead of 4.9 s at load 10.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.chat_support import CHAT_KEYS
from tests.fakes.chat_servers import FakeChatServer, Recorded, Reply, Text, last_user_text, tool_then_text
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.support import base_env

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
PY = sys.executable

_BARE_CHAT = """
import sys, openai
client = openai.OpenAI(base_url=sys.argv[1], api_key=sys.argv[2], max_retries=0)
stream = client.chat.completions.create(model="fake-chat-1", messages=[{"role": "user", "content": "hi"}], stream=True)
for chunk in stream:
    if chunk.choices and chunk.choices[0].delta.content:
        sys.stdout.write(chunk.choices[0].delta.content)
print()
"""

_BARE_IMAGE = """
import base64, os, sys, openai
client = openai.OpenAI(base_url=sys.argv[1], api_key=sys.argv[2], max_retries=0)
result = client.images.generate(model="gpt-image-1", prompt="a lighthouse", n=1, size="1024x1024")
path = os.path.join(sys.argv[3], "bare.png")
with open(path, "wb") as fh:
    fh.write(base64.b64decode(result.data[0].b64_json))
    fh.flush()
    os.fsync(fh.fileno())
print(path)
"""

# The same turn as ``ask "draw a lighthouse"`` whose model calls generate_image once, with the SDK alone.
_BARE_TOOL_TURN = """
import base64, json, os, sys, openai
chat = openai.OpenAI(base_url=sys.argv[1], api_key=sys.argv[2], max_retries=0)
images = openai.OpenAI(base_url=sys.argv[3], api_key=sys.argv[4], max_retries=0)
tools = [{"type": "function", "function": {"name": "generate_image", "description": "Make an image.",
          "parameters": {"type": "object", "properties": {"prompt": {"type": "string"}}, "required": ["prompt"]}}}]
messages = [{"role": "user", "content": "draw a lighthouse"}]

def turn():
    calls = {}
    for chunk in chat.chat.completions.create(model="fake-chat-1", messages=messages, tools=tools, stream=True):
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        if delta.content:
            sys.stdout.write(delta.content)
        for call in delta.tool_calls or ():
            entry = calls.setdefault(call.index, {"id": "", "name": "", "arguments": ""})
            entry["id"] = call.id or entry["id"]
            if call.function is not None:
                entry["name"] += call.function.name or ""
                entry["arguments"] += call.function.arguments or ""
    return list(calls.values())

calls = turn()
messages.append({"role": "assistant", "content": None, "tool_calls": [
    {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}} for c in calls]})
for number, call in enumerate(calls):
    result = images.images.generate(model="gpt-image-1", prompt=json.loads(call["arguments"])["prompt"], n=1)
    path = os.path.join(sys.argv[5], f"bare-tool-{number}.png")
    with open(path, "wb") as fh:
        fh.write(base64.b64decode(result.data[0].b64_json))
        fh.flush()
        os.fsync(fh.fileno())
    messages.append({"role": "tool", "tool_call_id": call["id"], "content": json.dumps({"images": [{"path": path}]})})
turn()
print()
"""
_DRAW = "draw a lighthouse"
_TOOL_TURN = tool_then_text(arguments={"prompt": "a lighthouse"}, final_text="Here is your lighthouse.")


def _reply(request: Recorded) -> Reply:
    """The fake model: a tool call for the tool-turn rows (then text once the result is in), else a greeting."""
    if last_user_text(request.body) == _DRAW:
        return _TOOL_TURN(request)
    return Text("Hello from the fake server.")


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    if cmd and cmd[0] == "env":  # ["env", "NAME=value", *cmd]: one command with an extra variable
        name, _, value = cmd[1].partition("=")
        env, cmd = {**env, name: value}, cmd[2:]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, timeout=120)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed ({proc.returncode}): {proc.stderr.strip()[-400:]}")
    return elapsed


def _setup(env: dict[str, str], chat: FakeChatServer, images: FakeOpenAIImages) -> str:
    """Keys, profiles and one chat (its id)."""
    cli = [PY, "-m", "quilltap_tui"]
    steps: list[tuple[list[str], str]] = [
        (["keys", "add", "--provider", "openai", "--label", "img"], TEST_KEYS["openai"]),
        (["keys", "add", "--provider", "openai", "--label", "llm"], CHAT_KEYS["openai"]),
        (["image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1",
          "--key", "img", "--base-url", images.base_url, "--default",
          # generate runs 2 + 2 * BENCH_RUNS times within the minute with BENCH_BEFORE: above the default limits
          "--max-per-minute", "1000", "--max-per-day", "100000"], ""),
        (["chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "fake-chat-1",
          "--key", "llm", "--base-url", chat.base_url, "--default"], ""),
    ]
    steps.append((["ask", "--json", "--no-images", "hi"], ""))  # a chat for `chats show`
    for args, stdin in steps:
        proc = subprocess.run([*cli, *args], env=env, input=stdin + "\n" if stdin else None,
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"setup {' '.join(args[:2])} failed: {proc.stderr.strip()}")
    return str(json.loads(proc.stdout.splitlines()[-1])["chat_id"])


def _commands(chat: FakeChatServer, images: FakeOpenAIImages, out: str, chat_id: str) -> dict[str, list[str]]:
    cli = [PY, "-m", "quilltap_tui"]
    before = os.environ.get("BENCH_BEFORE")
    older = {
        "ask --no-images (before)": ["env", f"PYTHONPATH={before}", *cli, "ask", "--no-images", "hi"],
        "generate (before)": ["env", f"PYTHONPATH={before}", *cli, "generate", "a lighthouse"],
        "ask with a tool call (before)": ["env", f"PYTHONPATH={before}", *cli, "ask", _DRAW],
        "image-profiles list (before)": ["env", f"PYTHONPATH={before}", *cli, "image-profiles", "list"],
        "models --provider openai (before)": ["env", f"PYTHONPATH={before}", *cli, "models", "--provider", "openai"],
        "chats show (before)": ["env", f"PYTHONPATH={before}", *cli, "chats", "show", chat_id],
    } if before else {}
    return {
        **older,
        "python -c pass": [PY, "-c", "pass"],
        "python -c 'import openai'": [PY, "-c", "import openai"],
        "bare SDK streamed chat": [PY, "-c", _BARE_CHAT, chat.base_url, CHAT_KEYS["openai"]],
        "bare SDK images.generate + fsync": [PY, "-c", _BARE_IMAGE, images.base_url, TEST_KEYS["openai"], out],
        "ask --no-images": [*cli, "ask", "--no-images", "hi"],
        "images list": [*cli, "images", "list"],
        "keys list": [*cli, "keys", "list"],
        "chats list": [*cli, "chats", "list"],
        "audit": [*cli, "audit"],
        "image-profiles list": [*cli, "image-profiles", "list"],
        "models --provider openai": [*cli, "models", "--provider", "openai"],
        "chats show": [*cli, "chats", "show", chat_id],
        "generate": [*cli, "generate", "a lighthouse"],
        "bare SDK chat + tool + images.generate": [PY, "-c", _BARE_TOOL_TURN, chat.base_url, CHAT_KEYS["openai"],
                                                   images.base_url, TEST_KEYS["openai"], out],
        "ask with a tool call": [*cli, "ask", _DRAW],
    }


RATIOS = (  # (figure, yardstick, target)
    ("ask --no-images", "bare SDK streamed chat", 1.1),
    ("images list", "python -c 'import openai'", 0.4),
    ("generate", "bare SDK images.generate + fsync", 1.05),
    ("keys list", "python -c 'import openai'", 0.4),
    ("chats list", "python -c 'import openai'", 0.4),
    ("audit", "python -c 'import openai'", 0.4),
    ("image-profiles list", "python -c 'import openai'", 0.4),
    ("models --provider openai", "python -c 'import openai'", None),
    ("chats show", "python -c 'import openai'", 0.4),
    ("images list", "python -c pass", None),
    ("keys list", "python -c pass", None),
    ("ask with a tool call", "bare SDK chat + tool + images.generate", None),
)
BEFORE_RATIOS = (
    ("ask --no-images (before)", "bare SDK streamed chat", 1.1),
    ("generate (before)", "bare SDK images.generate + fsync", 1.05),
    ("ask with a tool call (before)", "bare SDK chat + tool + images.generate", None),
    ("image-profiles list (before)", "python -c 'import openai'", 0.4),
    ("models --provider openai (before)", "python -c 'import openai'", None),
    ("chats show (before)", "python -c 'import openai'", 0.4),
)


def _only(commands: dict[str, list[str]], words: str) -> dict[str, list[str]]:
    """The rows named by ``BENCH_ONLY`` (all when empty) and the yardsticks of their ratios."""
    wanted = [word.strip() for word in words.split(",") if word.strip()]
    if not wanted:
        return commands
    keep = {name for name in commands if any(word in name for word in wanted)}
    keep |= {yardstick for figure, yardstick, _ in RATIOS + BEFORE_RATIOS if figure in keep}
    return {name: cmd for name, cmd in commands.items() if name in keep}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeChatServer("openai") as chat, FakeOpenAIImages() as images:
        env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_")}
        env.update(base_env(Path(tmp) / "home"))
        env["QUILLTAP_MAX_RETRIES"] = "0"
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # see the module doc: measure what an install runs
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        chat.decider = _reply
        chat_id = _setup(env, chat, images)
        commands = _only(_commands(chat, images, tmp, chat_id), os.environ.get("BENCH_ONLY", ""))
        for cmd in commands.values():  # one unmeasured pass: the page cache and .pyc files are warm
            _timed(cmd, env)
        load_before = os.getloadavg()[0]
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(RUNS):  # interleaved, so a load change hits figure and yardstick alike
            for name, cmd in commands.items():
                times[name].append(_timed(cmd, env))
        load_after = os.getloadavg()[0]
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"cold starts, median of {RUNS} interleaved runs, load average {load_before:.2f} -> {load_after:.2f}"
          f" on {os.cpu_count()} CPUs (bytecode cached, as installed)")
    for name, value in medians.items():
        print(f"  {name:<42} {value:6.3f} s")
    print("ratios (figure / yardstick in the same run):")
    for figure, yardstick, target in RATIOS + BEFORE_RATIOS:
        if figure not in medians or yardstick not in medians:
            continue
        goal = f"  (target <= {target}x)" if target else ""
        print(f"  {figure:<29} / {yardstick:<38} = {medians[figure] / medians[yardstick]:5.2f}x{goal}")


if __name__ == "__main__":
    main()
