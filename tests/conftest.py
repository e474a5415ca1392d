"""Fixtures shared by every test directory. Keep each one small; put helpers in their own modules."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from quilltap_tui import linkguard
from tests.fixtures.db.pg_server import PostgresServer, PostgresUnavailable, postgres_server


def pytest_configure(config: pytest.Config) -> None:
    """Let the programs the tests start see Ctrl-C as a terminal sends it.

    A suite started in the background of a non-interactive shell (``make test &``) inherits SIGINT
    ignored, and an ignored signal stays ignored across ``exec``: every ``ask`` and ``generate`` the Ctrl-C
    tests started then ran to its end. A handled signal is reset to the default at ``exec``, so handling it
    here gives the children (and the xdist workers) Python's usual KeyboardInterrupt.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for ``@pytest.mark.postgres`` tests (skipped, with the reason, if none).

    QUILLTAP_TEST_PG_URL names an existing server (its role needs CREATE on that database); otherwise a throwaway
    cluster is started in a temporary directory for the session.
    """
    try:
        with postgres_server() as server:
            yield server
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL unavailable: {exc}")


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (a schema of its own), dropped after the test."""
    url = pg_server.create_scratch()
    yield url
    pg_server.drop_scratch(url)


# A public address (example.com's) for the reserved names tests use in image links (RFC 2606: they never
# resolve), so the link rules see a public https host; every other name resolves as usual.
_PUBLIC_TEST_ADDRESS = "93.184.215.14"
_real_resolve = linkguard.resolve


async def _resolve_reserved(host: str, port: int) -> list[str]:
    if host.endswith((".test", ".example", ".invalid")) or host in ("example.com", "example.org"):
        return [_PUBLIC_TEST_ADDRESS]
    return await _real_resolve(host, port)


@pytest.fixture(autouse=True)
def _reserved_names_resolve(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(linkguard, "resolve", _resolve_reserved)
