"""Together AI against a loopback fake: width/height, steps and seed on the wire, ``response_format`` base64,
the saved image, errors naming the parameter, image models filtered from ``/models``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from quilltap_tui.errors import AuthError, BadRequest
from quilltap_tui.imagegen.capabilities import spec_for
from quilltap_tui.imagegen.mapping import plan
from quilltap_tui.imagegen.providers.together import TogetherImages, build_request
from quilltap_tui.imagegen.spec import ImageRequest, ProviderCall
from tests.fakes.together_images import TOGETHER_KEY, FakeTogether
from tests.support import Cli

SCHNELL = "black-forest-labs/FLUX.1-schnell"


@pytest.fixture
def fake() -> Iterator[FakeTogether]:
    with FakeTogether() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    made = Cli(tmp_path / "home", monkeypatch)
    monkeypatch.setenv("TOGETHER_API_KEY", TOGETHER_KEY)
    return made


def call(model: str = SCHNELL, **fields: object) -> ProviderCall:
    request = ImageRequest(prompt=str(fields.pop("prompt", "a fox")), model=model, **fields)  # type: ignore[arg-type]
    return plan(spec_for("together", model), request).calls[0]


def test_the_body_uses_togethers_words() -> None:
    assert build_request(call(size="1000x600", seed=3, steps=4, negative_prompt="blur", count=2)) == (
        "/images/generations", {"model": SCHNELL, "prompt": "a fox", "n": 2, "response_format": "base64",
                                "width": 1008, "height": 608, "seed": 3, "negative_prompt": "blur", "steps": 4})


def test_generate_end_to_end(cli: Cli, fake: FakeTogether) -> None:
    made = cli("image-profiles", "add", "--name", "tg", "--provider", "together", "--model", SCHNELL,
               "--base-url", fake.base_url, "--param", "steps=4", "--default")
    assert made.code == 0, made.err
    result = cli("generate", "--json", "--size", "768x512", "--seed", "9", "a lighthouse")
    assert result.code == 0, result.err
    (sent,) = fake.requests_to("/images/generations")
    assert sent.headers["authorization"] == f"Bearer {TOGETHER_KEY}"
    assert sent.json == {"model": SCHNELL, "prompt": "a lighthouse", "n": 1, "response_format": "base64",
                         "width": 768, "height": 512, "seed": 9, "steps": 4}
    (image,) = result.json()["images"]
    assert (image["width"], image["height"]) == (768, 512)


async def test_errors_name_the_parameter(fake: FakeTogether) -> None:
    async with TogetherImages(max_retries=0) as client:
        with pytest.raises(BadRequest, match="steps must be between 1 and 12") as info:
            await client.generate(call(steps=30), api_key=TOGETHER_KEY, base_url=fake.base_url)
        assert info.value.field == "steps"
        with pytest.raises(AuthError):
            await client.generate(call(), api_key="tgp_wrong", base_url=fake.base_url)
        assert await client.list_models(api_key=TOGETHER_KEY, base_url=fake.base_url) == [
            SCHNELL, "black-forest-labs/FLUX.1.1-pro"]


def test_models_without_a_key(cli: Cli) -> None:
    cli.monkeypatch.delenv("TOGETHER_API_KEY")
    listed = cli("models", "--provider", "together", "--json")
    assert listed.code == 0 and len(listed.json()) == 2
