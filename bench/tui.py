"""TUI benchmarks: start-up and a 4000-token reply in tmux, render cost, loop stalls, a 5000-message chat.

Run: ``.venv/bin/python -m bench tui``. Prints figures; asserts nothing.

* In tmux at 160x48 (real ``quilltap-tui`` process): time to the first interactive screen (median of
  5), and a 4000-token reply at 500 tokens/s from ``tests.fakes.chat_servers`` run as its own process,
  which logs when it wrote the last token: how long after that the last token is visible, and the
  app's CPU (utime+stime from /proc) over the reply. The screen is polled every 10 ms.
* In-process (headless Textual): the cost of streaming a 2.5k vs a 10k-character reply through the
  message widget, the longest event-loop stall while an image is generated, saved and previewed
  (half-cell previews on) with what filled each stall (how many Textual frames, the longest frame, the
  loop's work outside frames), and the time to open a chat of 5000 messages.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLK = os.sysconf("SC_CLK_TCK")
SOCKET = "qt-bench"
PASS = "bench passphrase"


# -- tmux --------------------------------------------------------------------------------------


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, "-f", "/dev/null", *args], capture_output=True, text=True,
                          check=False).stdout


def launch(env: dict[str, str], command: str | None = None) -> tuple[float, int]:
    """Start the app (or ``command``) in a fresh 160x48 session; return (spawn time, app pid)."""
    tmux("kill-server")
    full = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "PATH": os.environ.get("PATH", ""), **env}
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in full.items())
    app = command or shlex.quote(str(ROOT / ".venv/bin/quilltap-tui"))
    for _attempt in range(20):  # a server that is still shutting down refuses the new session: retry
        started = time.monotonic()
        tmux("new-session", "-d", "-x", "160", "-y", "48", f"exec env -i {exports} {app}")
        pid = tmux("display-message", "-p", "#{pane_pid}").strip()
        if pid:
            return started, int(pid)
        time.sleep(0.1)
    raise RuntimeError("tmux would not start a session")


def wait_for(text: str, timeout: float = 30.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in tmux("capture-pane", "-p", "-J"):
            return time.monotonic()
        time.sleep(0.01)
    raise RuntimeError(f"{text!r} never appeared:\n{tmux('capture-pane', '-p')}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


# -- the fake chat upstream, as its own process, logging when the last token left -----------------


def serve(port_file: str, log: str, tokens: int, tps: float) -> None:
    """``python -m bench.tui serve PORTFILE LOG TOKENS TPS``: the fake chat server, timing each reply's end."""
    from tests.fakes import chat_servers

    original = chat_servers._Handler._stream

    def timed(self: Any, reply: Any, body: Any) -> None:
        original(self, reply, body)
        with open(log, "a") as out:
            out.write(f"{time.monotonic()}\n")

    chat_servers._Handler._stream = timed  # type: ignore[method-assign]
    chat_servers.main(["--kind", "openai", "--port-file", port_file, "--tokens", str(tokens), "--tps", str(tps)])


@contextmanager
def fake_chat(tmp: Path, tokens: int, tps: float) -> Iterator[tuple[str, Path]]:
    port_file, log = tmp / "port", tmp / "ends.log"
    proc = subprocess.Popen([sys.executable, "-m", "bench.tui", "serve", str(port_file), str(log), str(tokens),
                             str(tps)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not (port_file.exists() and port_file.read_text().strip()):
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port_file.read_text().strip()}/v1", log
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def make_home(home: Path, chat_url: str | None) -> dict[str, str]:
    """A home with a key, a chat profile at ``chat_url`` and one chat (made through the services)."""
    env = {"QUILLTAP_HOME": str(home), "QUILLTAP_VAULT": "file", "QUILLTAP_VAULT_PASSPHRASE": PASS,
           "QUILLTAP_IMAGES": "off"}
    if chat_url is None:
        return env
    from quilltap_tui.services import chats, keys, profiles
    from quilltap_tui.services.context import AppContext

    ctx = AppContext(environ=env)
    keys.add_key(ctx, provider="openai", label="chat", secret="sk-bench-000000000000000abcd")
    profiles.create(ctx, profiles.CHAT, name="main", provider="openai", model="fake-chat-1", key="chat",
                    base_url=chat_url, default=True)
    chats.create_chat(ctx, chat_profile="main", title="bench chat", no_images=True)
    ctx.close()
    return env


def startup(runs: int = 5) -> None:
    """First interactive screen and usable (profiles read), each beside a minimal Textual app's first paint
    launched in turn with it (``bench/yardstick.py``): the ratio holds on a busy machine, the seconds do not."""
    from bench import yardstick

    plain_cmd = f"{shlex.quote(sys.executable)} -m bench.yardstick plain-app"
    painted, usable, plain = [], [], []
    load_before = yardstick.load()
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs + 1):
            # A key (in the file vault: its scrypt check is part of the start), a chat profile and a chat.
            env = make_home(Path(tmp) / f"h{run}", "http://127.0.0.1:9/v1")
            started, _pid = launch(env)
            shown = wait_for("ctrl+n new")
            ready = wait_for("default: main (F4)")  # the setup panel once keys and profiles are read
            tmux("kill-server")
            started_plain, _pid = launch({"PYTHONPATH": str(ROOT)}, plain_cmd)
            plain_shown = wait_for(yardstick.PLAIN_READY)
            tmux("kill-server")
            if run:  # the first launches warm the disk cache
                painted.append(shown - started)
                usable.append(ready - started)
                plain.append(plain_shown - started_plain)
    print(f"start-up in tmux 160x48, median of {runs} launches each, in turns; load average {load_before:.2f} -> "
          f"{yardstick.load():.2f}")
    base = statistics.median(plain)
    print(yardstick.ratio_line("first interactive screen", statistics.median(painted),
                               "a minimal Textual app's first paint", base, unit="s"))
    print(yardstick.ratio_line("usable (keys and profiles read)", statistics.median(usable),
                               "a minimal Textual app's first paint", base, unit="s"))
    print(f"         quiet-machine target for the first screen: 0.4 s (min {min(painted):.3f}, "
          f"max {max(painted):.3f} here)")


def streaming(tokens: int = 4000, tps: float = 500.0) -> None:
    with tempfile.TemporaryDirectory() as tmp, fake_chat(Path(tmp), tokens, tps) as (url, log):
        env = make_home(Path(tmp) / "home", url)
        _started, pid = launch(env)
        wait_for("bench chat")
        tmux("send-keys", "Enter")
        wait_for("Type a message")
        # A user reads the screen before typing; by then the app has imported what a turn needs in the
        # background (about 1 s of CPU, once per process), which is not part of streaming this reply.
        time.sleep(2.5)
        tmux("send-keys", "-l", "go")
        cpu_before = cpu_seconds(pid)
        tmux("send-keys", "Enter")
        sent = time.monotonic()
        first = wait_for(" word")  # any reply text (early words scroll away fast)
        visible = wait_for(f"word{tokens - 1}", timeout=120)
        cpu = cpu_seconds(pid) - cpu_before
        last_token = float(log.read_text().split()[-1])
        tmux("kill-server")
    print(f"{tokens}-token reply at {tps:.0f} tok/s: first token visible {first - sent:.2f} s after enter, "
          f"last token visible {visible - last_token:+.3f} s after it left the fake (target 0.2 s), "
          f"app CPU {cpu:.2f} s over {visible - sent:.1f} s (target 3 s)")


# -- in-process --------------------------------------------------------------------------------


async def _render_cost(chars: int, delta: int = 6) -> tuple[float, float]:
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll

    from quilltap_tui.ui.widgets.message import MessageView

    words = ("lorem ipsum dolor sit amet consectetur " * (chars // 30 + 1))[:chars]
    text = "\n\n".join(words[i:i + 400] for i in range(0, chars, 400))  # paragraphs, as models write

    class Bench(App[None]):
        def compose(self) -> ComposeResult:
            yield VerticalScroll()

    app = Bench()
    async with app.run_test(size=(160, 48)) as pilot:
        view = MessageView("assistant", live=True)
        await app.query_one(VerticalScroll).mount(view)
        await pilot.pause()
        cpu, wall = time.process_time(), time.perf_counter()
        for start in range(0, len(text), delta):
            view.add_text(text[start:start + delta])
            await asyncio.sleep(0.0005)  # a fast stream: about 1500 deltas a second
        view.finish()
        await app.workers.wait_for_complete()  # the stream is closed and the final text rendered
        return time.process_time() - cpu, time.perf_counter() - wall


def render_cost() -> None:
    asyncio.run(_render_cost(500))  # one-time imports and style parsing, not part of any figure
    small, large = (asyncio.run(_render_cost(chars)) for chars in (2500, 10000))
    with frame_spans() as frames:  # the 40k run also tells what one frame costs early and late in it
        huge = asyncio.run(_render_cost(40000))
        lengths = [end - start for start, end in frames]
    print(f"streaming through the widget: 2.5k chars {small[0]:.2f} s CPU ({small[1]:.2f} s wall), "
          f"10k chars {large[0]:.2f} s CPU ({large[1]:.2f} s wall): x{large[0] / small[0]:.1f} for x4 the text "
          f"(linear = x4; 2.5k chars do not fill the 48-line screen, so its frames are cheaper); "
          f"40k chars {huge[0]:.2f} s CPU: x{huge[0] / large[0]:.1f} over 10k")
    quarter = max(1, len(lengths) // 4)
    early, late = statistics.mean(lengths[:quarter]) * 1000, statistics.mean(lengths[-quarter:]) * 1000
    print(f"  frames of the 40k stream: {len(lengths)}, first quarter {early:.1f} ms on average, "
          f"last quarter {late:.1f} ms")


async def _image_turn(app: Any, text: str) -> None:
    from textual import events

    from quilltap_tui.ui.widgets.prompt import PromptArea

    prompt = app.screen.query_one(PromptArea)
    prompt.text = text
    prompt.post_message(events.Key("enter", "\r"))
    before = len(app.screen.query("ImagePreview"))
    for _ in range(400):
        await asyncio.sleep(0.05)
        done = len(app.screen.query("ImagePreview .preview-image")) > before and app.screen.turn_worker is None
        if done:
            break
    await asyncio.sleep(0.5)


@contextmanager
def image_fake_process() -> Iterator[Any]:
    """The loopback image fake in its own process, as a real provider is: run in this process, its PNG
    encoding and base64 work held the GIL and showed up as stalls of the app's event loop."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.image_servers", "--kind", "openai"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        yield types.SimpleNamespace(base_url=proc.stdout.readline().strip())
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def frame_spans() -> Iterator[list[tuple[float, float]]]:
    """Record when each Textual frame ran: (start, end) of every screen update (layout, render or both).

    A frame is one ``Screen._on_timer_update`` (or a ``_refresh_layout`` called outside one, as on a
    resize). Lets the stall figure say what filled each stall: one frame, several, or our own code.
    """
    from textual.screen import Screen

    spans: list[tuple[float, float]] = []
    depth = [0]
    originals = {name: getattr(Screen, name) for name in ("_on_timer_update", "_refresh_layout")}

    def timed(original: Any) -> Any:
        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            depth[0] += 1
            started = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:
                    spans.append((started, time.perf_counter()))
        return run

    for name, original in originals.items():
        setattr(Screen, name, timed(original))
    try:
        yield spans
    finally:
        for name, original in originals.items():
            setattr(Screen, name, original)


def stall_makeup(gaps: list[tuple[float, float]], frames: list[tuple[float, float]]) -> tuple[int, float, float]:
    """Over the stalls (gaps between watcher wake-ups), return the most frames any one stall held, the
    longest single frame, and the longest time the loop spent on anything but frames in one stall."""
    most, longest_frame, other = 0, 0.0, 0.0
    for start, end in gaps:
        inside = [(a, b) for a, b in frames if a >= start and b <= end]
        most = max(most, len(inside))
        longest_frame = max([longest_frame, *(b - a for a, b in inside)])
        other = max(other, (end - start) - sum(b - a for a, b in inside))
    return most, longest_frame, other


@dataclasses.dataclass
class Stalls:
    first_turn: float  # longest stall of the process's first turn (one-time imports)
    longest: float  # longest stall of the second turn, seconds
    p99: float
    frames_in_one: int  # the most Textual frames any one stall held
    longest_frame: float  # the longest single frame
    other: float  # the longest time one stall spent outside frames (our code, decoding, saving)
    frames_over: int  # frames of the second turn longer than 16.7 ms (one 60 Hz frame)
    open_time: float  # opening a chat of 5000 messages


async def _stalls_and_long_chat() -> Stalls:
    sys.path.insert(0, str(ROOT))
    from tests.chat_support import add_chat_profile, add_image_profile, make_ctx
    from tests.fakes.chat_servers import FakeChatServer, tool_then_text

    from quilltap_tui.db.models import Message
    from quilltap_tui.services import chats
    from quilltap_tui.ui.app import QuilltapApp

    with tempfile.TemporaryDirectory() as tmp, FakeChatServer("openai") as chat, image_fake_process() as images:
        ctx = make_ctx(Path(tmp) / "home", QUILLTAP_IMAGES="halfcell")
        add_image_profile(ctx, images)
        add_chat_profile(ctx, chat, default=True)
        chat.decider = tool_then_text(final_text="Here it is.")
        chat_id = chats.create_chat(ctx, chat_profile="talk").id
        long_id = chats.create_chat(ctx, chat_profile="talk", title="long").id
        with ctx.db.session() as session:
            for seq in range(1, 5001):
                session.add(Message(chat_id=long_id, seq=seq, role="user" if seq % 2 else "assistant",
                                    content=f"message {seq} with **some** Markdown"))
            session.commit()
        app = QuilltapApp(ctx, image_protocol="halfcell", environ=dict(ctx.environ))
        app._welcomed = True
        gaps: list[tuple[float, float]] = []
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause(1.0)
            app.screen.query_one("ChatList").open_chat(chat_id)
            await pilot.pause(0.5)
            await app.workers.wait_for_complete()
            # Measure the app as users run it: after its start-up warm-up, which ends in gc.freeze() (full
            # collections of the start-up objects froze the screen for 115-135 ms before).
            for _ in range(600):
                if gc.get_freeze_count():
                    break
                await asyncio.sleep(0.05)
            await pilot.pause(0.2)
            stop = asyncio.Event()

            async def watch() -> None:
                last = time.perf_counter()
                while not stop.is_set():
                    await asyncio.sleep(0.001)
                    now = time.perf_counter()
                    gaps.append((last, now))
                    last = now

            firsts: list[float] = []
            with frame_spans() as frames:
                for turn in range(2):  # the first turn also pays one-time imports (SDKs, Pillow) on the loop
                    gaps.clear()
                    frames.clear()
                    stop.clear()
                    watcher = asyncio.create_task(watch())
                    await _image_turn(app, f"a big picture {turn}")
                    stop.set()
                    await watcher
                    firsts.append(max(end - start for start, end in gaps))
                turn_frames = list(frames)
            app.pop_screen()
            await pilot.pause(0.3)
            opened = time.perf_counter()
            app.screen.query_one("ChatList").open_chat(long_id)
            for _ in range(2000):  # poll: the page arrives from a thread worker
                if app.screen.query("MessageView"):
                    break
                await asyncio.sleep(0.005)
            await pilot.pause()
            open_time = time.perf_counter() - opened
        ctx.close()
    lengths = [end - start for start, end in gaps]
    most, longest_frame, other = stall_makeup([g for g in gaps if g[1] - g[0] > 0.004], turn_frames)
    return Stalls(firsts[0], max(lengths), statistics.quantiles(lengths, n=100)[98], most, longest_frame, other,
                  sum(1 for a, b in turn_frames if b - a > 1 / 60), open_time)


def stalls_and_long_chat() -> None:
    s = asyncio.run(_stalls_and_long_chat())
    print(f"event loop during a tool call that generates, saves and previews an image (half-cell): longest stall "
          f"{s.longest * 1000:.1f} ms, p99 {s.p99 * 1000:.1f} ms; first turn of the process "
          f"{s.first_turn * 1000:.0f} ms (one-time imports)")
    print(f"  what filled the stalls: at most {s.frames_in_one} Textual frame(s) in one stall (target 1); longest "
          f"frame {s.longest_frame * 1000:.1f} ms, {s.frames_over} frame(s) over 16.7 ms; longest work outside "
          f"frames in one stall {s.other * 1000:.1f} ms (decoding, saving, our code)")
    print(f"opening a chat of 5000 messages (last page mounted): {s.open_time:.2f} s")


def main() -> None:
    if subprocess.run(["which", "tmux"], capture_output=True, check=False).returncode == 0:
        startup()
        streaming()
    else:
        print("tmux not installed: skipping the start-up and streaming figures")
    render_cost()
    stalls_and_long_chat()


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    else:
        main()
