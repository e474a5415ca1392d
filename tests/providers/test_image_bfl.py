"""Black Forest Labs against a loopback fake: the exact submit with ``x-key``, polling the returned URL with
progress on stderr, the signed sample fetched at once without the key, moderation and errors, key reach."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from quilltap_tui.errors import AuthError, BadRequest, ContentRefused, MalformedResponse, Unavailable
from quilltap_tui.imagegen.capabilities import known_models, spec_for
from quilltap_tui.imagegen.mapping import plan
from quilltap_tui.imagegen.providers.bfl import BflImages, build_request, key_may_go
from quilltap_tui.imagegen.registry import get_image_provider
from quilltap_tui.imagegen.spec import ImageRequest, ProviderCall
from tests.fakes.bfl_server import BFL_KEY, FakeBfl
from tests.fakes.server import RecordingSleep, Reply
from tests.support import Cli


@pytest.fixture
def fake() -> Iterator[FakeBfl]:
    with FakeBfl() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    made = Cli(tmp_path / "home", monkeypatch)
    monkeypatch.setenv("BFL_API_KEY", BFL_KEY)
    return made


def call(model: str = "flux-2-pro", **fields: object) -> ProviderCall:
    request = ImageRequest(prompt=str(fields.pop("prompt", "a fox")), model=model, **fields)  # type: ignore[arg-type]
    return plan(spec_for("bfl", model), request).calls[0]


def test_the_registry_builds_bfl_under_its_aliases() -> None:
    assert isinstance(get_image_provider("bfl"), BflImages) and isinstance(get_image_provider("flux"), BflImages)


@pytest.mark.parametrize("model", [m for m, _ in known_models("bfl")])
async def test_every_catalogue_model_on_the_wire(fake: FakeBfl, model: str) -> None:
    request = call(model, size="1792x1024", seed=7, count=2, quality="hd", negative_prompt="blur")
    path, body = build_request(request)
    assert (path, body) == (f"/{model}", {"prompt": "a fox\n\nAvoid: blur", "width": 1792, "height": 1024,
                                          "seed": 7})
    async with BflImages(max_retries=0, sleep=RecordingSleep()) as client:
        images, warnings, _raw = await client.generate(request, api_key=BFL_KEY, base_url=fake.base_url)
    (submit,) = [r for r in fake.requests if r.method == "POST"]
    assert submit.path == f"/v1/{model}" and submit.json == body and submit.headers["x-key"] == BFL_KEY
    assert "authorization" not in submit.headers
    assert (images[0].width, images[0].height, images[0].seed) == (1792, 1024, 7) and warnings == []


def test_flex_takes_steps_and_guidance() -> None:
    assert build_request(call("flux-2-flex", steps=30, guidance_scale=4.5, extras={"safety_tolerance": 1})) == (
        "/flux-2-flex", {"prompt": "a fox", "safety_tolerance": 1, "guidance": 4.5, "steps": 30})


def test_generate_end_to_end_polls_and_fetches_the_sample_without_the_key(cli: Cli, fake: FakeBfl) -> None:
    made = cli("image-profiles", "add", "--name", "flux", "--provider", "bfl", "--model", "flux-2-pro",
               "--base-url", fake.base_url, "--default")
    assert made.code == 0, made.err
    result = cli("generate", "--json", "--size", "768x512", "a lighthouse")
    assert result.code == 0, result.err
    polls = fake.requests_to("/get_result")
    assert len(polls) == 3 and all(p.headers["x-key"] == BFL_KEY for p in polls)
    (sample,) = fake.requests_to("/files/")
    assert "x-key" not in sample.headers, "the signed link is fetched without the key"
    assert [line for line in result.err.splitlines() if line.startswith("Black Forest Labs:")] == [
        "Black Forest Labs: running (33%)", "Black Forest Labs: running (67%)"]
    (image,) = result.json()["images"]
    assert (image["width"], image["height"], image["mime_type"]) == (768, 512, "image/jpeg")


async def test_moderation_errors_and_refusals(fake: FakeBfl) -> None:
    async with BflImages(max_retries=0, sleep=RecordingSleep()) as client:
        with pytest.raises(ContentRefused, match=r"refused the request: content moderated \(Derivative Works Filter\)"):
            await client.generate(call(prompt="[moderate] a fox"), api_key=BFL_KEY, base_url=fake.base_url)
        with pytest.raises(Unavailable, match="status Error"):
            await client.generate(call(prompt="[error] a fox"), api_key=BFL_KEY, base_url=fake.base_url)
        with pytest.raises(AuthError, match="rejected the API key"):
            await client.generate(call(), api_key="bfl-wrong", base_url=fake.base_url)
        with pytest.raises(BadRequest, match="steps: Input should be between 1 and 50"):
            await client.generate(call("flux-2-flex", steps=80), api_key=BFL_KEY, base_url=fake.base_url)
        fake.script(Reply(402, {"detail": "Insufficient credits"}))
        with pytest.raises(BadRequest, match="Insufficient credits"):
            await client.generate(call(), api_key=BFL_KEY, base_url=fake.base_url)
        fake.script(Reply(json={"id": "t1", "polling_url": "https://evil.example/get_result?id=t1"}))
        with pytest.raises(MalformedResponse, match=r"another host \(evil\.example\); the key is not sent there"):
            await client.generate(call(), api_key=BFL_KEY, base_url=fake.base_url)


def test_the_key_follows_regional_polling_hosts_only() -> None:
    root = "https://api.bfl.ai/v1"
    assert key_may_go("https://api.eu.bfl.ai/v1/get_result?id=1", root)
    assert key_may_go("https://api.bfl.ai/v1/get_result?id=1", root)
    assert not key_may_go("http://api.eu.bfl.ai/v1/get_result?id=1", root)
    assert not key_may_go("https://bfl.ai.evil.example/get_result", root)
    assert not key_may_go("https://evilbfl.ai/get_result", root)


async def test_a_rate_limit_waits_as_bfl_says(fake: FakeBfl) -> None:
    sleeps = RecordingSleep()
    fake.script(Reply(429, {"error": "rate_limit_exceeded", "message": "Too many active tasks", "retry_after": 5}))
    async with BflImages(max_retries=1, sleep=sleeps) as client:
        images, _w, _r = await client.generate(call(), api_key=BFL_KEY, base_url=fake.base_url)
    assert len(images) == 1 and sleeps.waits[0] == 5


def test_models_lists_the_built_in_models_without_a_key(cli: Cli) -> None:
    cli.monkeypatch.delenv("BFL_API_KEY")
    listed = cli("models", "--provider", "bfl", "--json")
    assert listed.code == 0, listed.err
    assert [m["id"] for m in listed.json()] == ["flux-2-pro", "flux-2-max", "flux-2-flex", "flux-2-klein-4b",
                                                "flux-2-klein-9b"]
