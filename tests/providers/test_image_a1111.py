"""AUTOMATIC1111 / Forge against a loopback fake: the exact txt2img and img2img bodies, seeds from ``info``,
Basic auth from a ``user:pass`` key, errors in one sentence, interrupt on cancel, checkpoint discovery."""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from quilltap_tui.errors import AuthError, BadRequest, Unavailable
from quilltap_tui.imagegen.capabilities import spec_for
from quilltap_tui.imagegen.mapping import plan
from quilltap_tui.imagegen.providers.automatic1111 import A1111Images, build_request
from quilltap_tui.imagegen.registry import get_image_provider
from quilltap_tui.imagegen.spec import EditInputs, ImageRequest, InputImage, ProviderCall
from tests.fakes.a1111_server import FakeA1111
from tests.fakes.image_servers import make_image
from tests.support import Cli

SDXL = "sd_xl_base_1.0.safetensors"


@pytest.fixture
def fake() -> Iterator[FakeA1111]:
    with FakeA1111() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path / "home", monkeypatch)


def call(**fields: object) -> ProviderCall:
    request = ImageRequest(prompt=str(fields.pop("prompt", "a fox")), model=str(fields.pop("model", SDXL)),
                           **fields)  # type: ignore[arg-type]
    return plan(spec_for("automatic1111", request.model), request).calls[0]


def test_forge_is_an_alias() -> None:
    assert isinstance(get_image_provider("forge"), A1111Images)


def test_txt2img_body() -> None:
    assert build_request(call(size="1000x600", seed=3, negative_prompt="blur", steps=30, guidance_scale=6, count=2,
                              extras={"sampler_name": "DPM++ 2M", "denoising_strength": 0.5})) == (
        "/sdapi/v1/txt2img", {"prompt": "a fox", "negative_prompt": "blur", "seed": 3, "batch_size": 2,
                              "override_settings": {"sd_model_checkpoint": SDXL}, "send_images": True,
                              "save_images": False, "width": 1000, "height": 600, "sampler_name": "DPM++ 2M",
                              "cfg_scale": 6, "steps": 30})


def test_generate_end_to_end_reports_each_seed(cli: Cli, fake: FakeA1111) -> None:
    made = cli("image-profiles", "add", "--name", "forge", "--provider", "forge", "--model", SDXL,
               "--base-url", fake.origin, "--param", "steps=25", "--default")
    assert made.code == 0, made.err
    result = cli("generate", "--json", "--count", "2", "--size", "768x512", "--seed", "40", "a lighthouse")
    assert result.code == 0, result.err
    (sent,) = fake.requests_to("/txt2img")
    assert sent.json["seed"] == 40 and sent.json["batch_size"] == 2 and sent.json["steps"] == 25
    assert "authorization" not in sent.headers
    doc = result.json()
    assert doc["provider"] == "automatic1111"
    assert [(i["width"], i["height"]) for i in doc["images"]] == [(768, 512)] * 2


async def test_img2img_for_edits_and_the_seed_from_info(fake: FakeA1111) -> None:
    ref = InputImage(data=make_image(64, 64), mime_type="image/png", width=64, height=64)
    edit = replace(call(size="512x512", extras={"denoising_strength": 0.6}), inputs=EditInputs(images=(ref,)))
    async with A1111Images(max_retries=0) as client:
        result = await client.generate(edit, api_key=None, base_url=fake.origin)
    (sent,) = fake.requests_to("/img2img")
    assert sent.json["init_images"] == [base64.b64encode(ref.data).decode()]
    assert sent.json["denoising_strength"] == 0.6 and sent.json["seed"] == -1
    assert isinstance(result.images[0].seed, int), "a random seed is read back from info"


async def test_basic_auth_and_errors(tmp_path: Path) -> None:
    with FakeA1111(auth="me:secret") as fake:
        async with A1111Images(max_retries=0) as client:
            with pytest.raises(AuthError, match="Incorrect username or password"):
                await client.generate(call(), api_key=None, base_url=fake.origin)
            images, _w, _r = await client.generate(call(), api_key="me:secret", base_url=fake.origin)
            assert len(images) == 1
            assert await client.list_models(api_key="me:secret", base_url=fake.origin) == [
                "v1-5-pruned-emaonly.safetensors [6ce0161689]", "sd_xl_base_1.0.safetensors [31e35c80fc]"]
            with pytest.raises(Unavailable, match=r"model 'dreamshaper\.safetensors' not found"):
                await client.generate(call(model="dreamshaper.safetensors"), api_key="me:secret",
                                      base_url=fake.origin)
            bad = replace(call(), size="1001x600")  # past the planner: what the server says
            with pytest.raises(BadRequest, match="width: must be a multiple of 8"):
                await client.generate(bad, api_key="me:secret", base_url=fake.origin)


async def test_cancelling_interrupts_the_job(fake: FakeA1111) -> None:
    fake.delay = 2.0
    arrived = threading.Event()
    original = fake.generate

    def generate(request, match):  # type: ignore[no-untyped-def]
        arrived.set()
        return original(request, match)

    fake.generate = generate  # type: ignore[method-assign]
    async with A1111Images(max_retries=0) as client:
        task = asyncio.create_task(client.generate(call(), api_key=None, base_url=fake.origin))
        assert await asyncio.to_thread(arrived.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert fake.interrupted == 1


def test_models_without_a_server_and_with_one(cli: Cli, fake: FakeA1111) -> None:
    built_in = cli("models", "--provider", "automatic1111", "--json")
    assert built_in.code == 0 and [m["id"] for m in built_in.json()] == ["v1-5-pruned-emaonly.safetensors", SDXL]
    live = cli("models", "--provider", "forge", "--base-url", fake.origin, "--json")
    assert live.code == 0, live.err
    assert "sd_xl_base_1.0.safetensors [31e35c80fc]" in [m["id"] for m in live.json()]
