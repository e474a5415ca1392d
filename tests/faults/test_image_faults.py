"""The image fault matrix through the real CLI and services: every provider shape x every fault.

Each case asserts what a user would notice: the exit code, one clear sentence as the last line of
stderr (never a traceback, never the key), the server's requested wait asked of the one retry loop's
sleep (injected: nothing really waits),
and nothing left behind: every file under images/ has its gallery row and every row its file.
"""

from __future__ import annotations

import pytest

from tests.fakes.server import FakeServer, RecordingSleep
from tests.faults.image_cases import CASE_IDS, CASES, PROVIDERS, WRONG_KEYS, Fault, Provider, middle
from tests.faults.links import LinkServer
from tests.faults.support import assert_no_orphans, image_rows, one_sentence
from tests.generation_support import generation_path  # noqa: F401  (a fixture: both stores)
from tests.support import Cli

# The storage of a fault's outcome does not depend on the provider: the plain sqlite3 store runs every
# fault once, on the first provider (whose answers may carry links); the matrix's fresh homes take the ORM's.
PLAIN_CASES = [(p, f) for p, f in CASES if p is PROVIDERS[0]]


def add_profile(cli: Cli, p: Provider, fake: FakeServer, *, key: str) -> None:
    cli.monkeypatch.setenv(p.env_var, key)
    made = cli("image-profiles", "add", "--name", "art", "--provider", p.provider, "--model", p.model,
               "--base-url", fake.base_url, "--default")
    assert made.code == 0, made.err


@pytest.mark.parametrize(("p", "fault"), CASES, ids=CASE_IDS)
def test_generate_fault(cli: Cli, links: LinkServer, sleeps: RecordingSleep, p: Provider, fault: Fault) -> None:
    check_fault(cli, links, sleeps, p, fault)


@pytest.mark.usefixtures("generation_path")
@pytest.mark.parametrize("generation_path", ["plain"], indirect=True)
@pytest.mark.parametrize(("p", "fault"), PLAIN_CASES, ids=[f"{p.id}-{f.id}" for p, f in PLAIN_CASES])
def test_generate_fault_on_the_plain_store(
    cli: Cli, links: LinkServer, sleeps: RecordingSleep, p: Provider, fault: Fault
) -> None:
    check_fault(cli, links, sleeps, p, fault)


def check_fault(cli: Cli, links: LinkServer, sleeps: RecordingSleep, p: Provider, fault: Fault) -> None:
    """What a user notices of ``fault`` on ``p``: the exit code, one sentence, the audit row, no orphans."""
    with p.fake() as fake:
        add_profile(cli, p, fake, key=WRONG_KEYS[p.kind] if fault.bad_key else p.key)
        prompt, replies = fault.arrange(p, fake, links)
        fake.script(*replies)
        result = cli("generate", "--json", prompt, env=fault.env)
        calls = [r for r in fake.requests if r.method == "POST"]

    assert result.code == fault.code_for(p), result.err
    for secret in (p.key, WRONG_KEYS[p.kind], middle(p.key), middle(WRONG_KEYS[p.kind])):
        assert secret not in result.out + result.err
    audit = cli("audit", "--json").json()
    if fault.code_for(p) == 0:
        (image,) = result.json()["images"]
        assert image["path"].startswith(str(cli.home / "images"))
        assert len(calls) == 2, "one failed attempt, then the retry that worked"
        assert "retrying in" in result.err
        assert [e["outcome"] for e in audit] == ["ok"]
        assert len(image_rows(cli.home)) == 1
    else:
        message = one_sentence(result)
        assert any(w in message.lower() for w in fault.words), message
        assert result.out == ""
        assert [e["outcome"] for e in audit] == ["error"] and audit[0]["error"] == message
        assert image_rows(cli.home) == set()
    if fault.retried_wait is not None:
        assert f"retrying in {fault.retried_wait:.1f} s" in result.err
        assert sleeps.waits == [fault.retried_wait], "the wait the server asked for was not the one slept"
    assert_no_orphans(cli.home)
