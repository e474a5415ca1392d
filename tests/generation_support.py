"""Both generation stores (services/generation_store.py) for tests that assert rows: each such test runs on
the ORM's store and on the plain sqlite3 one, which must behave the same."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from quilltap_tui.services import image_store, plain_generation_store
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.generation_store import GenerationStore
from quilltap_tui.services.sql_generation_store import SqlGenerationStore

STORES = ("orm", "plain")


def open_store(ctx: AppContext, kind: str) -> GenerationStore:
    """``kind``'s store on ``ctx``'s home (for the plain one, after the sweep's first full scan, as a run
    that finds the file at the current schema with nothing to sweep sees it)."""
    if kind == "orm":
        return SqlGenerationStore(ctx)
    image_store.sweep_orphans(ctx)
    store = plain_generation_store.open_store(ctx)
    assert store is not None, "the plain store stepped aside"
    return store


@pytest.fixture(params=STORES)
def generation_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``generate`` and ``edit`` in this test take the ORM's store, or the plain one, every time.

    ORM: as when the plain path steps aside (the runs sweep, then store through the ORM). Plain: a fresh
    home's first run would step aside (the sweep's first full scan is due), so the scan runs first, as after
    any earlier run. Import it into a test module and mark the tests ``usefixtures("generation_path")``.
    """
    original = plain_generation_store.open_store
    taken: list[bool] = []

    def open_store(ctx: AppContext) -> plain_generation_store.PlainGenerationStore | None:
        if request.param == "orm":
            taken.append(False)
            return None
        store = original(ctx)
        if store is None:
            image_store.sweep_orphans(ctx)
            store = original(ctx)
        taken.append(store is not None)
        return store

    monkeypatch.setattr(plain_generation_store, "open_store", open_store)
    yield request.param
    assert (taken and all(taken)) if request.param == "plain" else not any(taken), "a run took the other store"
