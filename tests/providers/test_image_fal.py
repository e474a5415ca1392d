"""fal.ai's queue API against a loopback fake: the exact submit, the polling with queue position on stderr,
the result links downloaded at once, NSFW flags, FastAPI-style errors, cancellation and the key's reach."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from quilltap_tui.errors import AuthError, BadRequest, ContentRefused, MalformedResponse
from quilltap_tui.imagegen import progress
from quilltap_tui.imagegen.capabilities import spec_for
from quilltap_tui.imagegen.mapping import plan
from quilltap_tui.imagegen.providers.fal import FalImages, build_request
from quilltap_tui.imagegen.registry import get_image_provider
from quilltap_tui.imagegen.spec import ImageRequest, ProviderCall
from tests.fakes.fal_queue import FAL_KEY, FakeFalQueue
from tests.fakes.server import RecordingSleep, Reply
from tests.support import Cli

DEV = "fal-ai/flux/dev"


@pytest.fixture
def fake() -> Iterator[FakeFalQueue]:
    with FakeFalQueue() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    made = Cli(tmp_path / "home", monkeypatch)
    monkeypatch.setenv("FAL_KEY", FAL_KEY)
    return made


def call(**fields: object) -> ProviderCall:
    request = ImageRequest(prompt=str(fields.pop("prompt", "a fox")), model=str(fields.pop("model", DEV)),
                           **fields)  # type: ignore[arg-type]
    return plan(spec_for("fal", request.model), request).calls[0]


def test_the_registry_builds_fal_under_its_aliases() -> None:
    assert isinstance(get_image_provider("fal"), FalImages) and isinstance(get_image_provider("fal.ai"), FalImages)


def test_the_model_input_uses_fals_names() -> None:
    assert build_request(call(size="1000x600", seed=3, steps=30, guidance_scale=4.5, count=2,
                              extras={"output_format": "png"})) == ("/fal-ai/flux/dev", {
        "prompt": "a fox", "num_images": 2, "image_size": {"width": 1008, "height": 608}, "seed": 3,
        "num_inference_steps": 30, "guidance_scale": 4.5, "output_format": "png"})


def test_generate_end_to_end_with_queue_position_on_stderr(cli: Cli, fake: FakeFalQueue) -> None:
    made = cli("image-profiles", "add", "--name", "fal", "--provider", "fal", "--model", DEV,
               "--base-url", fake.base_url, "--default")
    assert made.code == 0, made.err
    fake.polls = 4
    result = cli("generate", "--json", "--size", "768x512", "--seed", "5", "a lighthouse")
    assert result.code == 0, result.err
    (submit,) = fake.requests_to("/fal-ai/flux/dev")
    assert submit.method == "POST" and submit.headers["authorization"] == f"Key {FAL_KEY}"
    assert submit.json == {"prompt": "a lighthouse", "num_images": 1, "image_size": {"width": 768, "height": 512},
                           "seed": 5}
    assert [r.path.rsplit("/", 1)[-1] for r in fake.requests if "/requests/" in r.path] == \
        ["status"] * 4 + [fake.requests[1].path.split("/")[-2]]
    notes = [line for line in result.err.splitlines() if line.startswith("fal.ai:")]
    assert notes == ["fal.ai: queue position 1", "fal.ai: queue position 0", "fal.ai: running"]
    (image,) = result.json()["images"]
    assert (image["width"], image["height"]) == (768, 512)
    assert "authorization" not in fake.requests_to("/files/")[0].headers, "the key never goes with a download"


async def test_nsfw_flags_and_errors(fake: FakeFalQueue) -> None:
    async with FalImages(max_retries=0, sleep=RecordingSleep()) as client:
        some = await client.generate(call(prompt="[nsfw-one] a fox", count=2), api_key=FAL_KEY, base_url=fake.base_url)
        assert len(some.images) == 1
        assert some.warnings == ["fal.ai's safety checker flagged 1 of the images; they were left out.",
                                 "fal.ai returned 1 of the 2 images asked for."]
        with pytest.raises(ContentRefused, match="flagged every image"):
            await client.generate(call(prompt="[nsfw] a fox"), api_key=FAL_KEY, base_url=fake.base_url)
        with pytest.raises(AuthError, match="rejected the API key"):
            await client.generate(call(), api_key="wrong:key", base_url=fake.base_url)
        with pytest.raises(BadRequest, match=r"num_inference_steps: Input should be between 1 and 12") as bad:
            await client.generate(call(model="fal-ai/flux/schnell", steps=30), api_key=FAL_KEY,
                                  base_url=fake.base_url)
        assert bad.value.field == "num_inference_steps"


async def test_a_status_url_on_another_host_gets_no_key(fake: FakeFalQueue) -> None:
    fake.script(Reply(json={"request_id": "r1", "status_url": "https://evil.example/s", "response_url":
                            "https://evil.example/r", "cancel_url": "https://evil.example/c"}))
    async with FalImages(max_retries=0) as client:
        with pytest.raises(MalformedResponse, match=r"another host \(evil\.example\); the key is not sent there"):
            await client.generate(call(), api_key=FAL_KEY, base_url=fake.base_url)
    assert len(fake.requests) == 1


async def test_cancelling_cancels_at_fal(fake: FakeFalQueue) -> None:
    fake.polls = 1000
    waiting = asyncio.Event()

    async def sleep(seconds: float) -> None:
        waiting.set()
        await asyncio.sleep(3600)

    heard: list[str] = []
    async with FalImages(max_retries=0, sleep=sleep) as client:
        with progress.listening(heard.append):
            task = asyncio.create_task(client.generate(call(), api_key=FAL_KEY, base_url=fake.base_url))
            await waiting.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    assert fake.cancelled == list(fake.jobs) and heard == ["fal.ai: queue position 997"]
    (put,) = [r for r in fake.requests if r.method == "PUT"]
    assert put.path.startswith("/fal-ai/flux/requests/") and put.headers["authorization"] == f"Key {FAL_KEY}"


def test_models_lists_the_built_in_apps_without_a_key(cli: Cli) -> None:
    cli.monkeypatch.delenv("FAL_KEY")
    listed = cli("models", "--provider", "fal", "--json")
    assert listed.code == 0, listed.err
    assert [m["id"] for m in listed.json()] == [DEV, "fal-ai/flux/schnell", "fal-ai/flux-pro/kontext",
                                                "fal-ai/flux-2-pro/edit"]
    edits = {m["id"]: m["capabilities"]["max_input_images"] for m in listed.json()}
    assert edits == {DEV: None, "fal-ai/flux/schnell": None, "fal-ai/flux-pro/kontext": 1, "fal-ai/flux-2-pro/edit": 8}
