"""Reservations: a pending audit row counts against the limits while its run may still be going."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text, update

from quilltap_tui.db.models import AuditEntry, utcnow
from quilltap_tui.errors import LimitExceeded
from quilltap_tui.imagegen.spec import ProviderCall
from quilltap_tui.services import audit, image_sweep
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.generation import GenerationService
from quilltap_tui.services.generation_profile import PENDING_TTL, ResolvedProfile
from quilltap_tui.services.generation_store import GenerationStore
from tests.chat_support import add_image_profile, make_ctx
from tests.fakes.image_servers import FakeOpenAIImages
from tests.generation_support import STORES, open_store


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    context = make_ctx(tmp_path / "home")
    with FakeOpenAIImages() as fake:
        add_image_profile(context, fake, max_images_per_minute=100, max_images_per_day=2)
        yield context
    context.close()


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, ctx: AppContext) -> Iterator[GenerationStore]:
    made = open_store(ctx, request.param)
    yield made
    made.close()


def row_for(profile: ResolvedProfile) -> dict[str, Any]:
    return {"action": "generate", "source": "cli", "image_profile_id": profile.id, "profile_name": profile.name,
            "provider": profile.provider, "model": profile.model, "prompt": "p", "parameters": {},
            "image_ids": []}


def age_rows(ctx: AppContext, by: timedelta) -> None:
    with ctx.db.engine.begin() as conn:
        conn.execute(update(AuditEntry).values(created_at=utcnow() - by))


def test_a_reservation_counts_until_it_is_stale_and_the_sweep_closes_it(
    ctx: AppContext, store: GenerationStore
) -> None:
    profile = store.resolve_profile("art")
    store.reserve(profile, 2, row_for(profile))  # a run that was killed while its provider worked
    with pytest.raises(LimitExceeded) as info:
        store.reserve(profile, 1, row_for(profile))
    assert "2 images per day; 2 were made" in str(info.value)

    age_rows(ctx, PENDING_TTL + timedelta(minutes=1))
    store.reserve(profile, 1, row_for(profile))  # the dead run's reservation no longer counts
    image_sweep.sweep_orphans(ctx, full=True)
    outcomes = [entry.outcome for entry in audit.list_entries(ctx)]
    assert outcomes == ["pending", "interrupted"]  # newest first; the refusal above reserved nothing


class Hanging:
    """A provider whose request never answers (until cancelled), like a stalled upstream."""

    started = asyncio.Event()

    async def generate(self, call: ProviderCall, *, api_key: str | None, base_url: str) -> Any:
        self.started.set()
        await asyncio.sleep(3600)


async def test_a_cancelled_generation_gives_its_reservation_back(ctx: AppContext, store: GenerationStore) -> None:
    provider = Hanging()
    provider.started = asyncio.Event()
    service = GenerationService(ctx, provider_factory=lambda _pid: provider, store=store)
    task = asyncio.create_task(service.generate("a slow lighthouse", profile="art", source="tui"))
    await provider.started.wait()
    pending = audit.list_entries(ctx)
    assert [(e.outcome, e.source) for e in pending] == [("pending", "tui")]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (entry,) = audit.list_entries(ctx)
    assert entry.outcome == "cancelled" and entry.error
    profile = store.resolve_profile("art")
    store.reserve(profile, 2, row_for(profile))  # the whole day's limit is free again


def test_a_refused_reservation_records_nothing(ctx: AppContext, store: GenerationStore) -> None:
    profile = store.resolve_profile("art")
    store.reserve(profile, 2, row_for(profile))
    with pytest.raises(LimitExceeded):
        store.reserve(profile, 1, row_for(profile))
    with ctx.db.engine.connect() as conn:
        count = conn.execute(text("select count(*) from audit_log")).scalar_one()
    assert count == 1, "a refused reservation left a row behind"
