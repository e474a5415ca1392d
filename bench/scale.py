"""Scale benchmarks: the first gallery page with 10,000 images; a chat of 5,000 messages.

Run: ``.venv/bin/python -m bench scale``. Rows are inserted directly (one transaction) so set-up is fast;
what is timed is what the app does when a user opens the gallery or the chat, each beside a yardstick
taken in the same run (``bench/yardstick.py``): the same rows read with plain ``sqlite3``, and a plain
Textual app pushing a screen with the same number of table rows or the same messages as Markdown.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import statistics
import tempfile
import time
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import yardstick

IMAGES = 10_000
MESSAGES = 5_000


def make_context(home: Path) -> Any:
    from quilltap_tui.services.context import AppContext

    environ = {**os.environ, "QUILLTAP_HOME": str(home), "QUILLTAP_VAULT": "file",
               "QUILLTAP_VAULT_PASSPHRASE": "bench", "QUILLTAP_IMAGES": "off"}
    return AppContext(environ=environ)


def fill(ctx: Any) -> str:
    """10,000 image rows and one chat of 5,000 messages; returns the chat id."""
    from quilltap_tui.db.models import Chat, GeneratedImageRecord, Message, new_id, utcnow

    now = utcnow()
    chat = Chat(title="long chat")
    rows: list[Any] = [chat]
    for i in range(IMAGES):
        image_id = new_id()
        rows.append(GeneratedImageRecord(
            id=image_id, file_path=f"images/2026/11/{image_id}.png", mime_type="image/png", width=1024,
            height=1024, bytes=1_500_000, sha256="0" * 64, prompt=f"picture number {i}", provider="openai",
            model="gpt-image-1", profile_name="art", created_at=now - timedelta(seconds=i),
        ))
    for seq in range(MESSAGES):
        role = "user" if seq % 2 == 0 else "assistant"
        rows.append(Message(chat_id=chat.id, seq=seq, role=role,
                            content=f"Message {seq}: " + "lorem ipsum dolor sit amet " * 12))
    with ctx.db.session() as session:
        session.add_all(rows)
        session.commit()
    return chat.id


def timed(fn: Any, runs: int = 7) -> float:
    """Median seconds of ``runs`` calls."""
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def bare_page(ctx: Any) -> None:
    """The yardstick of the gallery's query: the same page's rows with plain ``sqlite3``, nothing else."""
    with closing(sqlite3.connect(ctx.paths.database)) as conn:
        conn.execute("SELECT * FROM generated_image ORDER BY created_at DESC, id LIMIT 50").fetchall()


def bare_messages(ctx: Any, chat_id: str) -> None:
    """The yardstick of reading a chat's messages: the same rows with plain ``sqlite3``."""
    with closing(sqlite3.connect(ctx.paths.database)) as conn:
        conn.execute("SELECT * FROM message WHERE chat_id = ? ORDER BY seq", (chat_id,)).fetchall()


async def opens_in_tui(ctx: Any, chat_id: str, runs: int = 5) -> tuple[list[float], list[float]]:
    """Seconds from opening the gallery until its first page is on screen, and from opening the chat of
    5,000 messages until its last page is drawn (headless Textual, 160x48; ``runs`` each)."""
    from quilltap_tui.ui.app import QuilltapApp

    app = QuilltapApp(ctx, image_protocol="off")
    app._welcomed = True  # no key or profile here: the first-run guide would cover the chat list
    gallery, chat = [], []
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        for _ in range(200):  # as users run it: after the start-up warm-up (imports, gc.freeze)
            if app.collector.enabled:
                break
            await pilot.pause(0.05)
        await app.workers.wait_for_complete()
        for _run in range(runs):
            t0 = time.perf_counter()
            app.action_open("gallery")
            while not _gallery_ready(app):
                await pilot.pause(0.001)
            await pilot.pause()  # drawn once
            gallery.append(time.perf_counter() - t0)
            app.pop_screen()
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
            t0 = time.perf_counter()
            app.screen.query_one("ChatList").open_chat(chat_id)
            while not _chat_ready(app):
                await pilot.pause(0.001)
            await pilot.pause()
            chat.append(time.perf_counter() - t0)
            app.pop_screen()
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
    return gallery, chat


def _gallery_ready(app: Any) -> bool:
    screen = app.screen
    return type(screen).__name__ == "GalleryScreen" and len(getattr(screen, "items", ())) > 0


def _chat_ready(app: Any) -> bool:
    from textual.widgets import Markdown

    screen = app.screen
    if type(screen).__name__ != "ChatScreen" or not screen.query("MessageView"):
        return False
    return all(md.children or not md.source for md in screen.query(Markdown))


def main() -> None:
    from quilltap_tui.services import chats
    from quilltap_tui.ui import gallery_data
    from quilltap_tui.ui.chat_data import PAGE
    from quilltap_tui.ui.screens.gallery import COLUMNS

    load_before = yardstick.load()
    with tempfile.TemporaryDirectory() as tmp:
        ctx = make_context(Path(tmp) / "home")
        chat_id = fill(ctx)
        queries = yardstick.interleaved({
            "page": lambda: timed(lambda: gallery_data.load_page(ctx, 0), runs=1),
            "bare page": lambda: timed(lambda: bare_page(ctx), runs=1),
            "messages": lambda: timed(lambda: chats.get_messages(ctx, chat_id), runs=1),
            "bare messages": lambda: timed(lambda: bare_messages(ctx, chat_id), runs=1),
        }, runs=7)
        items = gallery_data.load_page(ctx, 0)
        rows = [(f"2026-11-30 12:{i % 60:02d}", "art", "gpt-image-1", "1024x1024", item.prompt or "")
                for i, item in enumerate(items)]
        texts = [m.content for m in chats.get_messages(ctx, chat_id, last=PAGE)]
        tui: dict[str, list[float]] = {"gallery": [], "chat": []}
        plain: dict[str, list[float]] = {"rows": [], "markdown": []}
        try:
            for _round in range(2):  # the app's opens and the plain app's, taken in turns
                gallery, chat = asyncio.run(opens_in_tui(ctx, chat_id, runs=3))
                tui["gallery"] += gallery
                tui["chat"] += chat
                plain["rows"].append(yardstick.plain_rows_open(COLUMNS, rows, runs=3))
                plain["markdown"].append(yardstick.plain_markdown_open(texts, runs=3))
        except Exception as exc:  # the figure is reported as missing, with why
            print(f"  (opening in the TUI not measured: {type(exc).__name__}: {exc})")
        ctx.close()
    print(f"scale: {IMAGES:,} images, a chat of {MESSAGES:,} messages; load average {load_before:.2f} -> "
          f"{yardstick.load():.2f}; ratios first (figure / yardstick, medians, taken in turns)")
    print(yardstick.ratio_line("first gallery page query", queries["page"],
                               "the same page with plain sqlite3", queries["bare page"]))
    print(yardstick.ratio_line(f"all {MESSAGES:,} messages of a chat (service)", queries["messages"],
                               "the same rows with plain sqlite3", queries["bare messages"]))
    if tui["gallery"] and plain["rows"]:
        print(yardstick.ratio_line(f"gallery opened, first {len(rows)} rows on screen",
                                   statistics.median(tui["gallery"]),
                                   f"a plain Textual screen with {len(rows)} DataTable rows",
                                   statistics.median(plain["rows"])))
        print(yardstick.ratio_line(f"chat of {MESSAGES:,} opened, last {len(texts)} messages drawn",
                                   statistics.median(tui["chat"]),
                                   f"a plain Textual screen with {len(texts)} Markdown widgets",
                                   statistics.median(plain["markdown"])))
        print(f"  quiet-machine targets: gallery page on screen 100 ms, chat opened 0.2 s (absolute, "
              f"{statistics.median(tui['gallery']) * 1000:.0f} ms and {statistics.median(tui['chat']):.2f} s here)")


if __name__ == "__main__":
    main()
