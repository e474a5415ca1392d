"""Dead time between the steps of a tool turn (issue 17): two gaps, in ms, median of N turns.

1. tool call -> image request: from the end of the chat stream that carried a complete
   ``generate_image`` call (the fake chat server's last byte written) to the image request reaching
   the fake image server;
2. image saved -> follow-up chat request: from the moment the generation service has the image saved
   (file and row committed) to the next chat request reaching the fake chat server.

Both fakes run in this process on loopback threads (their clocks are ours). The turn runs as ``ask``
runs it (``services.chat_turn.ask``), then as the TUI runs it (the chat screen, images shown as
half-cells; ``--no-tui`` leaves it out). The first turn of a process pays one-time imports and is left out.
In the TUI it also reports the UI thread's CPU time inside each gap: what the turn's thread competed
with for the interpreter lock, a figure that holds on a busy machine where the gaps' wall time does not.
Run: ``.venv/bin/python -m bench.toolturn [--runs N] [--no-tui] [--previews off]`` (or ``python -m bench
toolturn``). Prints figures; asserts nothing. Absolute times move with the machine's load: compare runs
taken one after the other.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


_MAIN_CPU = time.pthread_getcpuclockid(threading.main_thread().ident or 0)  # the UI's thread, in the TUI


def stamp() -> tuple[float, float]:
    """(perf_counter(), CPU seconds the main thread has used): taken on any thread."""
    return time.perf_counter(), time.clock_gettime(_MAIN_CPU)


@dataclass
class Marks:
    """stamp()s of one turn's steps, appended as they happen (every list in order)."""

    stream_end: list[tuple[float, float]] = field(default_factory=list)  # each chat stream's last byte written
    chat_request: list[tuple[float, float]] = field(default_factory=list)  # each chat request received
    image_request: list[tuple[float, float]] = field(default_factory=list)
    image_saved: list[tuple[float, float]] = field(default_factory=list)

    def clear(self) -> None:
        for stamps in (self.stream_end, self.chat_request, self.image_request, self.image_saved):
            stamps.clear()

    def gaps(self) -> tuple[float, float, float, float]:
        """For one turn, in ms: tool call -> image request, image saved -> follow-up chat request, and the
        main thread's CPU time inside each of the two."""
        (call, call_cpu), (image, image_cpu) = self.stream_end[0], self.image_request[0]
        (saved, saved_cpu), (follow, follow_cpu) = self.image_saved[0], self.chat_request[1]
        return ((image - call) * 1000, (follow - saved) * 1000, (image_cpu - call_cpu) * 1000,
                (follow_cpu - saved_cpu) * 1000)


@contextmanager
def marked() -> Iterator[Marks]:
    """Stamp the fakes' request arrivals and stream ends and the service's save (bench-only wrappers)."""
    from tests.fakes import chat_servers
    from tests.fakes.image_servers import FakeOpenAIImages

    from quilltap_tui.services.generation import GenerationService

    marks = Marks()
    originals = (chat_servers._Handler._stream, chat_servers.FakeChatServer._record_and_pick,
                 FakeOpenAIImages.dispatch, GenerationService._save)

    def stream(handler: Any, *args: Any) -> None:
        originals[0](handler, *args)
        marks.stream_end.append(stamp())

    def record(server: Any, request: Any, endpoint: str) -> Any:
        if endpoint == "chat":
            marks.chat_request.append(stamp())
        return originals[1](server, request, endpoint)

    def dispatch(server: Any, request: Any) -> Any:
        if "/images/" in request.path:
            marks.image_request.append(stamp())
        return originals[2](server, request)

    def save(service: Any, *args: Any) -> Any:
        saved = originals[3](service, *args)
        marks.image_saved.append(stamp())
        return saved

    chat_servers._Handler._stream = stream  # type: ignore[method-assign]
    chat_servers.FakeChatServer._record_and_pick = record  # type: ignore[method-assign]
    FakeOpenAIImages.dispatch = dispatch  # type: ignore[method-assign]
    GenerationService._save = save  # type: ignore[method-assign]
    try:
        yield marks
    finally:
        (chat_servers._Handler._stream, chat_servers.FakeChatServer._record_and_pick,  # type: ignore[method-assign]
         FakeOpenAIImages.dispatch, GenerationService._save) = originals


@contextmanager
def home() -> Iterator[tuple[Any, Any]]:
    """A fresh home with a chat profile and an image profile on in-process fakes; yields (ctx, chat fake)."""
    from tests.chat_support import add_chat_profile, add_image_profile, make_ctx
    from tests.fakes.chat_servers import FakeChatServer, tool_then_text
    from tests.fakes.image_servers import FakeOpenAIImages

    with tempfile.TemporaryDirectory() as tmp, FakeChatServer("openai") as chat, FakeOpenAIImages() as images:
        ctx = make_ctx(Path(tmp) / "home", QUILLTAP_IMAGES="halfcell")
        add_image_profile(ctx, images, max_images_per_minute=1000, max_images_per_day=100000)  # many turns a minute
        add_chat_profile(ctx, chat, default=True)
        chat.decider = tool_then_text(arguments={"prompt": "a red fox in snow", "size": "1024x1024"},
                                      final_text="Here it is.")
        try:
            yield ctx, chat
        finally:
            ctx.close()


Gaps = tuple[float, float, float, float]


async def headless(runs: int, marks: Marks) -> list[Gaps]:
    from quilltap_tui.services import chat_turn, chats

    out = []
    with home() as (ctx, _):
        for n in range(runs + 1):
            chat_id = chats.create_chat(ctx, chat_profile="talk").id
            marks.clear()
            result = await chat_turn.ask(ctx, chat_id, f"a picture {n}", lambda _: None)
            assert result.status == "complete", result
            if n:  # the first turn pays the one-time imports
                out.append(marks.gaps())
    return out


async def tui(runs: int, marks: Marks, previews: str = "halfcell") -> list[Gaps]:
    from quilltap_tui.services import chats
    from quilltap_tui.ui.app import QuilltapApp

    out = []
    with home() as (ctx, _):
        chat_id = chats.create_chat(ctx, chat_profile="talk").id
        app = QuilltapApp(ctx, image_protocol=previews, environ={**ctx.environ, "QUILLTAP_IMAGES": previews})
        app._welcomed = True
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause(1.0)
            app.screen.query_one("ChatList").open_chat(chat_id)
            await pilot.pause(0.5)
            await app.workers.wait_for_complete()
            for n in range(runs + 1):
                marks.clear()
                await _turn(app, f"a picture {n}", previews != "off")
                if n:
                    out.append(marks.gaps())
    return out


async def _turn(app: Any, text: str, previews: bool) -> None:
    """Send ``text`` on the chat screen; return once the turn is over (and its image drawn, with previews)."""
    from textual import events

    from quilltap_tui.ui.widgets.prompt import PromptArea

    prompt = app.screen.query_one(PromptArea)
    before = len(app.screen.query("ImagePreview .preview-image"))
    prompt.text = text
    prompt.post_message(events.Key("enter", "\r"))
    started = False
    for _ in range(800):
        await asyncio.sleep(0.025)
        started = started or app.screen.turn_worker is not None
        drawn = not previews or len(app.screen.query("ImagePreview .preview-image")) > before
        if started and app.screen.turn_worker is None and drawn:
            break
    await asyncio.sleep(0.3)  # let the screen settle before the next turn


def report(label: str, gaps: list[Gaps], ui_cpu: bool = False) -> None:
    print(f"{label}, median of {len(gaps)} turns (min-max):")
    for index, name in enumerate(("tool call -> image request:          ", "image saved -> follow-up chat request:")):
        wall = [g[index] for g in gaps]
        line = f"  {name} {statistics.median(wall):6.1f} ms ({min(wall):.1f}-{max(wall):.1f})"
        if ui_cpu:
            cpu = [g[index + 2] for g in gaps]
            line += f"; UI thread's CPU inside it {statistics.median(cpu):.1f} ms ({min(cpu):.1f}-{max(cpu):.1f})"
        print(line)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.toolturn")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-tui", dest="tui", action="store_false", help="leave out the TUI's chat screen")
    parser.add_argument("--previews", default="halfcell", help="the TUI's image previews: halfcell (default), off...")
    args = parser.parse_args(argv if argv is not None else [])
    sys.path.insert(0, str(ROOT))
    from bench import yardstick

    load_before = yardstick.load()
    with marked() as marks:
        asked = asyncio.run(headless(args.runs, marks))
        report("tool turn as `ask` runs it", asked)
        if args.tui:
            label = f"tool turn in the TUI (previews: {args.previews})"
            shown = asyncio.run(tui(args.runs, marks, args.previews))
            report(label, shown, ui_cpu=True)
            # The yardstick in the same run: the same turn on ask's path (no screen); peers: bench/peers.
            print(f"ratios (the TUI's gap / ask's, medians); load average {load_before:.2f} -> {yardstick.load():.2f}")
            for i, gap in enumerate(("tool call -> image request", "image saved -> follow-up chat request")):
                print(yardstick.ratio_line(f"TUI {gap}", statistics.median(g[i] for g in shown) / 1000,
                                           "ask's", statistics.median(g[i] for g in asked) / 1000,
                                           target="each gap <= 25 ms"))


if __name__ == "__main__":
    main(sys.argv[1:])
