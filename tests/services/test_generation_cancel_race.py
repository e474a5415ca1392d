"""A cancellation that lands while the images are being saved (in a worker thread): the first outcome stands.

An MCP client's ``notifications/cancelled`` or the TUI's esc can arrive after the provider answered,
while the save runs in a thread that cannot be interrupted. Cancelled before the images are committed:
nothing is saved and the audit row says ``cancelled``. Cancelled once they are being committed: they are
kept and the row says ``ok`` (never ``cancelled`` beside images in the gallery).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from quilltap_tui.services import audit, image_files
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.generation import GenerationService
from quilltap_tui.services.generation_store import GenerationStore
from quilltap_tui.services.plain_generation_store import PlainGenerationStore
from tests.chat_support import add_image_profile, make_ctx
from tests.fakes.image_servers import FakeOpenAIImages
from tests.generation_support import STORES, open_store


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    context = make_ctx(tmp_path / "home")
    with FakeOpenAIImages() as fake:
        add_image_profile(context, fake)
        yield context
    context.close()


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, ctx: AppContext) -> Iterator[GenerationStore]:
    made = open_store(ctx, request.param)
    yield made
    made.close()


def gated(original: Callable[..., Any]) -> tuple[Callable[..., Any], threading.Event, threading.Event]:
    """``original`` made to wait, in its thread, until the test opens the gate."""
    entered, gate = threading.Event(), threading.Event()

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        assert gate.wait(20)
        return original(*args, **kwargs)

    return wrapper, entered, gate


def counts(ctx: AppContext) -> tuple[int, int]:
    files = [p for p in (ctx.paths.data / "images").rglob("*") if p.is_file()]
    with ctx.db.engine.connect() as conn:
        rows = conn.execute(text("select count(*) from generated_image")).scalar_one()
    return len(files), int(rows)


async def test_cancelled_before_the_commit_saves_nothing(
    ctx: AppContext, store: GenerationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrapper, entered, gate = gated(image_files.journal_add)  # the save's first step, before any file
    monkeypatch.setattr(image_files, "journal_add", wrapper)
    finished: list[BaseException | None] = []
    save = image_files.write_batch

    def watched_save(*args: Any, **kwargs: Any) -> Any:
        try:
            result = save(*args, **kwargs)
        except BaseException as exc:
            finished.append(exc)
            raise
        finished.append(None)
        return result

    monkeypatch.setattr(image_files, "write_batch", watched_save)
    service = GenerationService(ctx, store=store)
    task = asyncio.create_task(service.generate("a lighthouse", profile="art", source="mcp"))
    assert await asyncio.to_thread(entered.wait, 20)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task  # the cancellation is recorded before the save goes on
    gate.set()
    for _ in range(200):
        if finished:
            break
        await asyncio.sleep(0.05)
    await service.aclose()
    assert len(finished) == 1 and isinstance(finished[0], audit.AttemptCancelled)
    assert counts(ctx) == (0, 0)
    (entry,) = audit.list_entries(ctx)
    assert (entry.outcome, entry.image_ids, entry.source) == ("cancelled", (), "mcp")


async def test_cancelled_during_the_commit_keeps_the_images_and_says_ok(
    ctx: AppContext, store: GenerationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Inside the save's transaction, the image rows already inserted.
    if isinstance(store, PlainGenerationStore):
        wrapper, entered, gate = gated(PlainGenerationStore._finish_ok)
        monkeypatch.setattr(PlainGenerationStore, "_finish_ok", wrapper)
    else:
        wrapper, entered, gate = gated(audit.finish_ok)
        monkeypatch.setattr(audit, "finish_ok", wrapper)
    service = GenerationService(ctx, store=store)
    task = asyncio.create_task(service.generate("a lighthouse", profile="art", source="mcp"))
    assert await asyncio.to_thread(entered.wait, 20)
    task.cancel()
    await asyncio.sleep(0.2)  # the failure record now waits for the save's transaction
    gate.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    await service.aclose()
    assert counts(ctx) == (1, 1)
    (entry,) = audit.list_entries(ctx)
    assert entry.outcome == "ok" and len(entry.image_ids) == 1 and entry.error is None
