"""Ollama's experimental image models against a loopback fake: the exact ``/api/generate`` body (seed as a
model option, at the server root), the saved image, a text model's answer, errors, models without a key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from quilltap_tui.errors import BadRequest, MalformedResponse
from quilltap_tui.imagegen.capabilities import spec_for
from quilltap_tui.imagegen.mapping import plan
from quilltap_tui.imagegen.providers.ollama import OllamaImages, build_request, root_of
from quilltap_tui.imagegen.registry import get_image_provider
from quilltap_tui.imagegen.spec import ImageRequest, ProviderCall
from tests.fakes.ollama_images import FakeOllamaImages
from tests.support import Cli

ZIT = "x/z-image-turbo"


@pytest.fixture
def fake() -> Iterator[FakeOllamaImages]:
    with FakeOllamaImages() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path / "home", monkeypatch)


def call(model: str = ZIT, **fields: object) -> ProviderCall:
    request = ImageRequest(prompt=str(fields.pop("prompt", "a fox")), model=model, **fields)  # type: ignore[arg-type]
    return plan(spec_for("ollama", model), request).calls[0]


def test_the_registry_builds_the_ollama_image_provider() -> None:
    assert isinstance(get_image_provider("ollama"), OllamaImages)
    assert root_of("http://localhost:11434/v1/") == "http://localhost:11434"


def test_the_body_puts_the_seed_in_options() -> None:
    assert build_request(call(size="1000x600", seed=42, steps=9, count=3)) == ("/api/generate", {
        "model": ZIT, "prompt": "a fox", "stream": False, "width": 1008, "height": 608, "steps": 9,
        "options": {"seed": 42}})


def test_generate_end_to_end(cli: Cli, fake: FakeOllamaImages) -> None:
    made = cli("image-profiles", "add", "--name", "local", "--provider", "ollama", "--model", ZIT,
               "--base-url", fake.base_url, "--default")
    assert made.code == 0, made.err
    result = cli("generate", "--json", "--count", "2", "--size", "768x512", "--seed", "3", "a lighthouse")
    assert result.code == 0, result.err
    sent = fake.requests_to("/api/generate")
    assert len(sent) == 2 and sent[0].path == "/api/generate" and "authorization" not in sent[0].headers
    assert sent[0].json == {"model": ZIT, "prompt": "a lighthouse", "stream": False, "width": 768, "height": 512,
                            "options": {"seed": 3}}
    assert [(i["width"], i["height"]) for i in result.json()["images"]] == [(768, 512)] * 2


async def test_a_text_model_and_a_missing_model(fake: FakeOllamaImages) -> None:
    async with OllamaImages(max_retries=0) as client:
        with pytest.raises(MalformedResponse, match=r"without any image .*It wrote: I am a language model"):
            await client.generate(call("llama3.2"), api_key=None, base_url=fake.base_url)
        with pytest.raises(BadRequest, match='model "x/nope" not found, try pulling it first'):
            await client.generate(call("x/nope"), api_key=None, base_url=fake.base_url)


def test_models_lists_the_built_in_ones_without_a_server(cli: Cli) -> None:
    listed = cli("models", "--provider", "ollama", "--json")
    assert listed.code == 0, listed.err
    assert [m["id"] for m in listed.json()] == [ZIT]
