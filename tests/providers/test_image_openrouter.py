"""OpenRouter images: the Images API (``POST /api/v1/images``) and chat image output, against a loopback fake.

Each test pins the exact request (path, body, key and app headers) and what a user sees: the saved image,
``used``, warnings, and one sentence when OpenRouter refuses. The fake refuses what OpenRouter refuses
(unknown fields, n > 1 on single-image models, a chat-only model on ``/images`` and the reverse).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from quilltap_tui.errors import AuthError, BadRequest, ContentRefused, MalformedResponse, RateLimited
from quilltap_tui.imagegen.capabilities import known_models, spec_for
from quilltap_tui.imagegen.mapping import plan
from quilltap_tui.imagegen.providers.openrouter import OpenRouterImages, build_request, parse_response
from quilltap_tui.imagegen.registry import get_image_provider
from quilltap_tui.imagegen.spec import EditInputs, ImageRequest, InputImage
from tests.fakes.image_servers import make_image
from tests.fakes.openrouter_images import OPENROUTER_KEY, FakeOpenRouterImages, openrouter_error
from tests.fakes.server import RecordingSleep
from tests.support import Cli

APP_HEADERS = {"x-title": "quilltap-tui", "http-referer": "https://github.com/quilltap/quilltap-tui"}
AWKWARD = {"size": "1792x1024", "quality": "hd", "style": "vivid", "count": 4, "negative_prompt": "blur", "seed": 7}


@pytest.fixture
def fake() -> Iterator[FakeOpenRouterImages]:
    with FakeOpenRouterImages() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    made = Cli(tmp_path / "home", monkeypatch)  # clears provider key variables: set ours after it
    monkeypatch.setenv("OPENROUTER_API_KEY", OPENROUTER_KEY)
    return made


def test_the_registry_builds_the_openrouter_image_provider() -> None:
    assert isinstance(get_image_provider("openrouter"), OpenRouterImages)
    assert isinstance(get_image_provider("OPENROUTER"), OpenRouterImages)


def expected_body(model: str, label: str) -> tuple[str, dict[str, Any]]:
    chat = spec_for("openrouter", model).api == "openrouter-chat"
    prompt = "a red fox" if label == "typical" else "a red fox\n\nAvoid: blur"
    if chat:
        body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": prompt}],
                                "modalities": ["image", "text"]}
        if label == "awkward":
            body["image_config"] = {"aspect_ratio": "16:9"}
        return "/chat/completions", body
    body = {"model": model, "prompt": prompt, "n": 1}
    if label == "awkward":
        body.update({"aspect_ratio": "16:9", "resolution": "2K", "seed": 7})
    return "/images", body


MATRIX = [(model, label) for model, _spec in known_models("openrouter") for label in ("typical", "awkward")]


@pytest.mark.parametrize(("model", "label"), MATRIX, ids=[f"{m}-{label}" for m, label in MATRIX])
async def test_every_catalogue_model_on_the_wire(fake: FakeOpenRouterImages, model: str, label: str) -> None:
    request = ImageRequest(prompt="a red fox", model=model, **(AWKWARD if label == "awkward" else {}))
    planned = plan(spec_for("openrouter", model), request)
    assert len(planned.calls) == (4 if label == "awkward" else 1), "one image per request, split by the planner"
    async with OpenRouterImages(max_retries=0) as client:
        images, warnings, _raw = await client.generate(planned.calls[0], api_key=OPENROUTER_KEY,
                                                       base_url=fake.base_url)
    (sent,) = [r for r in fake.requests if r.method == "POST"]
    path, body = expected_body(model, label)
    assert (sent.path, sent.json) == ("/api/v1" + path, body)
    assert sent.headers["authorization"] == f"Bearer {OPENROUTER_KEY}"
    assert {k: sent.headers[k] for k in APP_HEADERS} == APP_HEADERS
    assert len(images) == 1 and images[0].mime_type == "image/png" and warnings == []
    if label == "awkward":
        assert images[0].width > images[0].height, "16:9 reached the server"


def test_extras_and_references_are_images_api_fields() -> None:
    ref = InputImage(data=make_image(32, 32), mime_type="image/png", width=32, height=32)
    request = ImageRequest(prompt="a fox", model="black-forest-labs/flux.2-pro", aspect_ratio="21:9",
                           extras={"output_format": "webp", "background": "opaque", "output_compression": 80})
    call = plan(spec_for("openrouter", request.model), request).calls[0]
    assert build_request(call)[1] == {"model": "black-forest-labs/flux.2-pro", "prompt": "a fox", "n": 1,
                                      "aspect_ratio": "21:9", "output_format": "webp", "background": "opaque",
                                      "output_compression": 80}
    edit = replace(call, inputs=EditInputs(images=(ref,)))
    url = "data:image/png;base64," + base64.b64encode(ref.data).decode()
    assert build_request(edit)[1]["input_references"] == [{"type": "image_url", "image_url": {"url": url}}]
    chat = replace(plan(spec_for("openrouter", "openai/gpt-5-image"),
                        ImageRequest(prompt="a fox", model="openai/gpt-5-image")).calls[0],
                   inputs=EditInputs(images=(ref,)))
    assert build_request(chat)[1]["messages"] == [{"role": "user", "content": [
        {"type": "text", "text": "a fox"}, {"type": "image_url", "image_url": {"url": url}}]}]


def test_generate_end_to_end_saves_the_image(cli: Cli, fake: FakeOpenRouterImages) -> None:
    made = cli("image-profiles", "add", "--name", "or", "--provider", "openrouter",
               "--model", "black-forest-labs/flux.2-pro", "--base-url", fake.base_url, "--default")
    assert made.code == 0, made.err
    result = cli("generate", "--json", "--aspect-ratio", "3:2", "--seed", "11", "a lighthouse")
    assert result.code == 0, result.err
    (sent,) = fake.requests_to("/images")
    assert sent.json == {"model": "black-forest-labs/flux.2-pro", "prompt": "a lighthouse", "n": 1,
                         "aspect_ratio": "3:2", "seed": 11}
    doc = result.json()
    assert doc["provider"] == "openrouter" and doc["warnings"] == []
    assert doc["used"]["aspect_ratio"] == "3:2" and doc["used"]["seed"] == 11
    saved = Path(doc["images"][0]["path"])
    with Image.open(io.BytesIO(saved.read_bytes())) as image:
        assert image.size[0] > image.size[1]


def test_a_chat_only_model_goes_through_chat_completions(cli: Cli, fake: FakeOpenRouterImages) -> None:
    made = cli("image-profiles", "add", "--name", "or", "--provider", "openrouter", "--model", "openai/gpt-5-image",
               "--base-url", fake.base_url, "--default")
    assert made.code == 0, made.err
    result = cli("generate", "--json", "--aspect-ratio", "16:9", "a red kite")
    assert result.code == 0, result.err
    assert fake.requests_to("/images") == []
    (sent,) = fake.requests_to("/chat/completions")
    assert sent.json == {"model": "openai/gpt-5-image", "messages": [{"role": "user", "content": "a red kite"}],
                         "modalities": ["image", "text"], "image_config": {"aspect_ratio": "16:9"}}
    assert result.json()["images"][0]["revised_prompt"] == "Here is your image."


def test_a_chat_answer_without_an_image_says_what_the_model_wrote(cli: Cli, fake: FakeOpenRouterImages) -> None:
    cli("image-profiles", "add", "--name", "or", "--provider", "openrouter", "--model", "openai/gpt-5-image",
        "--base-url", fake.base_url, "--default")
    result = cli("generate", "[no-image] a kite")
    assert result.code == 5
    assert result.err.strip().splitlines()[-1] == (
        "quilltap-tui: OpenRouter answered without any image. It said: I can't draw that, but here is a poem instead.")


async def test_errors_map_onto_the_error_tree(fake: FakeOpenRouterImages) -> None:
    call = plan(spec_for("openrouter", "black-forest-labs/flux.2-pro"),
                ImageRequest(prompt="[refuse] a fox", model="black-forest-labs/flux.2-pro")).calls[0]
    async with OpenRouterImages(max_retries=0, sleep=RecordingSleep()) as client:
        with pytest.raises(ContentRefused, match=r"OpenRouter refused the request: .*flagged.*\(violence\)"):
            await client.generate(call, api_key=OPENROUTER_KEY, base_url=fake.base_url)
        with pytest.raises(AuthError, match="rejected the API key"):
            await client.generate(call, api_key="sk-or-v1-nope", base_url=fake.base_url)
        fake.script(openrouter_error(402, "Insufficient credits. Add more using https://openrouter.ai/credits"))
        with pytest.raises(BadRequest, match="Insufficient credits") as info:
            await client.generate(call, api_key=OPENROUTER_KEY, base_url=fake.base_url)
        assert info.value.status == 402
        fake.script(openrouter_error(429, "Rate limit exceeded", headers={"retry-after": "7"}))
        with pytest.raises(RateLimited) as limited:
            await client.generate(call, api_key=OPENROUTER_KEY, base_url=fake.base_url)
        assert limited.value.retry_after == 7
        fake.script(openrouter_error(400, "black-forest-labs/flux.2-pro only supports generating a single image"))
        with pytest.raises(BadRequest, match="single image"):
            await client.generate(call, api_key=OPENROUTER_KEY, base_url=fake.base_url)
    with pytest.raises(MalformedResponse, match="without any image"):
        parse_response({"created": 1, "data": []})


def test_models_lists_built_in_models_without_a_key(cli: Cli) -> None:
    cli.monkeypatch.delenv("OPENROUTER_API_KEY")
    listed = cli("models", "--provider", "openrouter", "--json")
    assert listed.code == 0, listed.err
    ids = [m["id"] for m in listed.json()]
    assert "black-forest-labs/flux.2-pro" in ids and "openai/gpt-5-image" in ids
    assert all(m["source"] == ["built-in"] for m in listed.json())


def test_discovery_lists_image_models_and_image_output_chat_models(cli: Cli, fake: FakeOpenRouterImages) -> None:
    listed = cli("models", "--provider", "openrouter", "--base-url", fake.base_url, "--json")
    assert listed.code == 0, listed.err
    rows = {m["id"]: m for m in listed.json()}
    assert "google/gemini-3-pro-image" in rows and "openai/gpt-image-2" in rows
    assert "openai/gpt-5" not in rows and "anthropic/claude-sonnet-5" not in rows, "text-only models are left out"
    assert rows["black-forest-labs/flux.2-pro"]["source"] == ["built-in", "live"]
    (models_call,) = fake.requests_to("/api/v1/models")
    assert models_call.query == {"output_modalities": ["image"]}


async def test_key_validation_asks_the_key_endpoint(fake: FakeOpenRouterImages) -> None:
    async with OpenRouterImages(max_retries=0) as client:
        await client.validate_key(api_key=OPENROUTER_KEY, base_url=fake.base_url)
        with pytest.raises(AuthError):
            await client.validate_key(api_key="sk-or-v1-bad", base_url=fake.base_url)
    assert [r.path for r in fake.requests] == ["/api/v1/key", "/api/v1/key"]
