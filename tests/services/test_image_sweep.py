"""The orphan sweep: a killed run's files found through the pending journal; the full scan throttled."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from quilltap_tui.imagegen.spec import GeneratedImage
from quilltap_tui.services import image_store, image_sweep
from quilltap_tui.services.context import AppContext
from tests.chat_support import make_ctx
from tests.fakes.image_servers import make_image

OLD = time.time() - image_sweep.MIN_AGE_S - 60


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    context = make_ctx(tmp_path / "home")
    image_sweep.sweep_orphans(context)  # the first start scans everything and leaves the marker
    yield context
    context.close()


def rel(n: int, ext: str = "png") -> str:
    return f"images/2024/01/{n:032x}.{ext}"


def plant(ctx: AppContext, relative: str, *, old: bool = True) -> Path:
    path = ctx.paths.data / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\npartial")
    if old:
        os.utime(path, (OLD, OLD))
    return path


def entries(ctx: AppContext) -> list[Path]:
    root = ctx.paths.data / image_sweep.JOURNAL_DIR
    return sorted(root.glob("*.json"))


def age_marker(ctx: AppContext) -> None:
    marker = ctx.paths.data / image_sweep.JOURNAL_DIR / image_sweep.MARKER
    stale = time.time() - image_sweep.FULL_SWEEP_INTERVAL_S - 1
    os.utime(marker, (stale, stale))


def save_one(ctx: AppContext) -> image_store.GeneratedImageRecord:
    image = GeneratedImage(data=make_image(64, 48), mime_type="image/png", width=64, height=48)
    origin = image_store.ImageOrigin(prompt="a sweep test", provider="openai", model="gpt-image-1")
    (record,) = image_store.save_batch(ctx, [image], origin)
    return record


def test_a_killed_save_is_cleaned_up_from_its_journal_entry_without_scanning_the_gallery(ctx: AppContext) -> None:
    # A run wrote its entry and the first of two files, then was killed before its commit.
    image_sweep.journal_add(ctx, [rel(1), rel(2)])
    left = plant(ctx, rel(1))
    stray = plant(ctx, rel(99))  # no entry names it: only the full scan can know it is an orphan
    assert image_sweep.sweep_orphans(ctx) == [left]
    assert not left.exists()
    assert stray.exists(), "the full scan ran although its interval had not passed"
    age_marker(ctx)
    assert image_sweep.sweep_orphans(ctx) == [stray]
    assert not stray.exists()


def test_fresh_files_of_a_run_still_saving_are_kept(ctx: AppContext) -> None:
    image_sweep.journal_add(ctx, [rel(3), rel(4)])
    fresh = plant(ctx, rel(3), old=False)
    assert image_sweep.sweep_orphans(ctx) == []
    assert fresh.exists()
    assert len(entries(ctx)) == 1, "the entry of a run that may still commit was dropped"


def test_an_entry_of_a_run_that_has_written_nothing_yet_is_kept(ctx: AppContext) -> None:
    image_sweep.journal_add(ctx, [rel(5)])
    image_sweep.sweep_orphans(ctx)
    assert len(entries(ctx)) == 1
    # The run goes on and is killed after writing its file: the kept entry still finds it later.
    left = plant(ctx, rel(5))
    assert image_sweep.sweep_orphans(ctx) == [left]


def test_an_entry_whose_rows_were_committed_goes_and_its_files_stay(ctx: AppContext) -> None:
    record = save_one(ctx)
    path = image_store.absolute_path(ctx, record)
    os.utime(path, (OLD, OLD))
    image_sweep.journal_add(ctx, [record.file_path])  # killed between its commit and removing the entry
    assert image_sweep.sweep_orphans(ctx) == []
    assert path.exists()
    assert entries(ctx) == []


def test_a_journal_entry_never_deletes_outside_the_gallery(ctx: AppContext) -> None:
    outside = ctx.paths.data / "notes.png"
    outside.write_bytes(b"mine")
    os.utime(outside, (OLD, OLD))
    odd = plant(ctx, "images/2024/01/not-an-image-id.png")
    entry = ctx.paths.data / image_sweep.JOURNAL_DIR / f"{'e' * 32}.json"
    entry.write_text(json.dumps(["notes.png", "../notes.png", "images/2024/01/not-an-image-id.png"]))
    image_sweep.sweep_orphans(ctx)
    assert outside.exists() and odd.exists()


def test_an_unreadable_entry_is_dropped_once_old(ctx: AppContext) -> None:
    entry = ctx.paths.data / image_sweep.JOURNAL_DIR / f"{'f' * 32}.json"
    entry.write_text('["images/2024/01/')  # cut short by a kill while it was written
    image_sweep.sweep_orphans(ctx)
    assert entry.exists()
    os.utime(entry, (OLD, OLD))
    image_sweep.sweep_orphans(ctx)
    assert not entry.exists()


def test_save_batch_leaves_its_file_private_and_no_entry(ctx: AppContext) -> None:
    record = save_one(ctx)
    path = image_store.absolute_path(ctx, record)
    assert path.stat().st_mode & 0o777 == 0o600
    assert hashlib.sha256(path.read_bytes()).hexdigest() == record.sha256
    assert entries(ctx) == []
    assert not list(path.parent.glob(".*")), "a temporary file was left beside the image"


def test_a_failed_commit_removes_the_files_and_the_entry(ctx: AppContext) -> None:
    image = GeneratedImage(data=make_image(32, 32), mime_type="image/png", width=32, height=32)
    origin = image_store.ImageOrigin(prompt="doomed", provider="openai", model="gpt-image-1")

    def fail(_conn: object, _records: object) -> None:
        raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        image_store.save_batch(ctx, [image, image], origin, also=fail)
    images = ctx.paths.images
    assert not [p for p in images.rglob("*") if p.is_file()]
    assert entries(ctx) == []


def test_the_full_scan_runs_at_most_once_per_interval(ctx: AppContext) -> None:
    stray = plant(ctx, rel(7))
    assert image_sweep.sweep_orphans(ctx) == []
    assert image_sweep.sweep_orphans(ctx, full=True) == [stray]
    again = plant(ctx, rel(8))
    assert image_sweep.sweep_orphans(ctx) == [], "the forced scan did not restart the interval"
    age_marker(ctx)
    assert image_sweep.sweep_orphans(ctx) == [again]
