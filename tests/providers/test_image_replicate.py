"""Replicate against a loopback fake: ``Prefer: wait`` and the exact input, polling when the wait runs out
(progress on stderr), output links downloaded without the token, failures, cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from quilltap_tui.errors import AuthError, BadRequest, ContentRefused
from quilltap_tui.imagegen.capabilities import spec_for
from quilltap_tui.imagegen.mapping import plan
from quilltap_tui.imagegen.providers.replicate import ReplicateImages
from quilltap_tui.imagegen.spec import ImageRequest, ProviderCall
from tests.fakes.replicate_server import REPLICATE_TOKEN, FakeReplicate
from tests.fakes.server import RecordingSleep
from tests.support import Cli

SCHNELL = "black-forest-labs/flux-schnell"


@pytest.fixture
def fake() -> Iterator[FakeReplicate]:
    with FakeReplicate() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    made = Cli(tmp_path / "home", monkeypatch)
    monkeypatch.setenv("REPLICATE_API_TOKEN", REPLICATE_TOKEN)
    return made


def call(**fields: object) -> ProviderCall:
    request = ImageRequest(prompt=str(fields.pop("prompt", "a fox")), model=SCHNELL, **fields)  # type: ignore[arg-type]
    return plan(spec_for("replicate", SCHNELL), request).calls[0]


def test_generate_end_to_end_with_prefer_wait(cli: Cli, fake: FakeReplicate) -> None:
    made = cli("image-profiles", "add", "--name", "rep", "--provider", "replicate", "--model", SCHNELL,
               "--base-url", fake.base_url, "--param", "output_format=png", "--default")
    assert made.code == 0, made.err
    result = cli("generate", "--json", "--count", "2", "--size", "1792x1024", "--seed", "4", "a lighthouse")
    assert result.code == 0, result.err
    (sent,) = fake.requests_to("/predictions")
    assert sent.path == f"/v1/models/{SCHNELL}/predictions" and sent.headers["prefer"] == "wait=60"
    assert sent.headers["authorization"] == f"Bearer {REPLICATE_TOKEN}"
    assert sent.json == {"input": {"prompt": "a lighthouse", "num_outputs": 2, "aspect_ratio": "16:9", "seed": 4,
                                   "output_format": "png"}}
    assert all("authorization" not in r.headers for r in fake.requests_to("/files/"))
    assert [i["mime_type"] for i in result.json()["images"]] == ["image/png"] * 2


def test_polling_when_the_wait_runs_out(cli: Cli, fake: FakeReplicate) -> None:
    fake.finish_in = 2
    cli("image-profiles", "add", "--name", "rep", "--provider", "replicate", "--model", SCHNELL,
        "--base-url", fake.base_url, "--default")
    result = cli("generate", "--json", "a kite")
    assert result.code == 0, result.err
    assert len([r for r in fake.requests if r.method == "GET" and "/predictions/" in r.path]) == 2
    assert [line for line in result.err.splitlines() if line.startswith("Replicate:")] == ["Replicate: processing"]


async def test_failures(fake: FakeReplicate) -> None:
    async with ReplicateImages(max_retries=0, sleep=RecordingSleep()) as client:
        with pytest.raises(ContentRefused, match="NSFW content detected"):
            await client.generate(call(prompt="[nsfw] x"), api_key=REPLICATE_TOKEN, base_url=fake.base_url)
        with pytest.raises(AuthError):
            await client.generate(call(), api_key="r8_wrong", base_url=fake.base_url)
        with pytest.raises(BadRequest, match="num_outputs: Must be less than or equal to 4"):
            await client.generate(replace(call(), n=9), api_key=REPLICATE_TOKEN, base_url=fake.base_url)


async def test_cancelling_cancels_the_prediction(fake: FakeReplicate) -> None:
    fake.finish_in = 1000
    waiting = asyncio.Event()

    async def sleep(seconds: float) -> None:
        waiting.set()
        await asyncio.sleep(3600)

    async with ReplicateImages(max_retries=0, sleep=sleep) as client:
        task = asyncio.create_task(client.generate(call(), api_key=REPLICATE_TOKEN, base_url=fake.base_url))
        await waiting.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert fake.cancelled == list(fake.predictions)


def test_models_without_a_key(cli: Cli) -> None:
    cli.monkeypatch.delenv("REPLICATE_API_TOKEN")
    listed = cli("models", "--provider", "replicate", "--json")
    assert listed.code == 0 and [m["id"] for m in listed.json()] == [SCHNELL, "black-forest-labs/flux-kontext-pro"]
    assert [m["capabilities"]["max_input_images"] for m in listed.json()] == [None, 1]
