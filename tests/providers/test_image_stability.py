"""Stability AI against a loopback fake: multipart form fields per endpoint, the image and seed from the JSON
answer, moderation (403) and the content filter, errors in one sentence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from quilltap_tui.errors import AuthError, BadRequest, ContentRefused
from quilltap_tui.imagegen.capabilities import spec_for
from quilltap_tui.imagegen.mapping import plan
from quilltap_tui.imagegen.providers.stability import StabilityImages, build_request
from quilltap_tui.imagegen.spec import ImageRequest, ProviderCall
from tests.fakes.image_edits import parse_multipart
from tests.fakes.stability_server import STABILITY_KEY, FakeStability
from tests.support import Cli


@pytest.fixture
def fake() -> Iterator[FakeStability]:
    with FakeStability() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    made = Cli(tmp_path / "home", monkeypatch)
    monkeypatch.setenv("STABILITY_API_KEY", STABILITY_KEY)
    return made


def call(model: str, **fields: object) -> ProviderCall:
    request = ImageRequest(prompt=str(fields.pop("prompt", "a fox")), model=model, **fields)  # type: ignore[arg-type]
    return plan(spec_for("stability", model), request).calls[0]


def test_each_model_names_its_endpoint() -> None:
    assert build_request(call("sd3.5-large", size="1792x1024", seed=3, negative_prompt="blur", guidance_scale=5)) == (
        "/v2beta/stable-image/generate/sd3", [("prompt", "a fox"), ("model", "sd3.5-large"),
                                              ("negative_prompt", "blur"), ("aspect_ratio", "16:9"), ("seed", "3"),
                                              ("cfg_scale", "5")])
    assert build_request(call("stable-image-core", extras={"style_preset": "anime"})) == (
        "/v2beta/stable-image/generate/core", [("prompt", "a fox"), ("style_preset", "anime")])
    assert build_request(call("stable-image-ultra", aspect_ratio="21:9"))[0].endswith("/ultra")


def test_generate_end_to_end_is_multipart(cli: Cli, fake: FakeStability) -> None:
    made = cli("image-profiles", "add", "--name", "sd", "--provider", "stability", "--model", "sd3.5-large",
               "--base-url", fake.base_url, "--default")
    assert made.code == 0, made.err
    result = cli("generate", "--json", "--aspect-ratio", "3:2", "--seed", "77", "a lighthouse")
    assert result.code == 0, result.err
    (sent,) = fake.requests_to("/generate/sd3")
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["authorization"] == f"Bearer {STABILITY_KEY}"
    parsed = parse_multipart(sent)
    assert parsed is not None
    assert [f for f in parsed[0] if f[0] != "none"] == [
        ("prompt", "a lighthouse"), ("model", "sd3.5-large"), ("aspect_ratio", "3:2"), ("seed", "77")]
    (image,) = result.json()["images"]
    assert image["width"] > image["height"]


async def test_refusals_and_errors(fake: FakeStability) -> None:
    async with StabilityImages(max_retries=0) as client:
        with pytest.raises(ContentRefused, match=r"refused the request: .*flagged"):
            await client.generate(call("stable-image-core", prompt="[moderate] x"), api_key=STABILITY_KEY,
                                  base_url=fake.base_url)
        with pytest.raises(ContentRefused, match="CONTENT_FILTERED"):
            await client.generate(call("stable-image-core", prompt="[filter] x"), api_key=STABILITY_KEY,
                                  base_url=fake.base_url)
        with pytest.raises(AuthError):
            await client.generate(call("stable-image-core"), api_key="sk-wrong", base_url=fake.base_url)
        with pytest.raises(BadRequest, match="seed: must be between 0 and 4294967294"):
            await client.generate(call("stable-image-core", seed=2**40), api_key=STABILITY_KEY,
                                  base_url=fake.base_url)
        await client.validate_key(api_key=STABILITY_KEY, base_url=fake.base_url)


def test_models_without_a_key(cli: Cli) -> None:
    cli.monkeypatch.delenv("STABILITY_API_KEY")
    listed = cli("models", "--provider", "stability", "--json")
    assert listed.code == 0 and [m["id"] for m in listed.json()][:2] == ["stable-image-ultra", "stable-image-core"]
