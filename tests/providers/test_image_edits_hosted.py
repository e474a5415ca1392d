"""Edits on the hosted and self-hosted providers of issue 15, against their loopback fakes.

For each: the exact request (JSON fields, data URLs or multipart parts, as that API takes references),
``edit`` end to end (the image saved with its lineage), wrong input refused before anything is sent
(too many images for the model, a mask the model does not take), and the provider's own refusal of a
reference mapped to one sentence with nothing saved.
"""

from __future__ import annotations

import base64
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from quilltap_tui.errors import BadRequest, Invalid
from quilltap_tui.imagegen.capabilities import spec_for
from quilltap_tui.imagegen.mapping import plan
from quilltap_tui.imagegen.providers import bfl, fal, replicate, stability
from quilltap_tui.imagegen.providers.bfl import BflImages
from quilltap_tui.imagegen.providers.comfy_workflow import EDIT_NAME, default_template
from quilltap_tui.imagegen.providers.comfyui import ComfyUIImages
from quilltap_tui.imagegen.providers.fal import FalImages
from quilltap_tui.imagegen.providers.replicate import ReplicateImages
from quilltap_tui.imagegen.providers.stability import StabilityImages
from quilltap_tui.imagegen.spec import EditInputs, ImageRequest, InputImage, ProviderCall
from tests.fakes.bfl_server import BFL_KEY, FakeBfl
from tests.fakes.comfyui_server import CHECKPOINTS, FakeComfyUI
from tests.fakes.fal_queue import FAL_KEY, FLUX2_EDIT, KONTEXT, FakeFalQueue
from tests.fakes.image_edits import parse_multipart
from tests.fakes.image_servers import make_image
from tests.fakes.replicate_server import KONTEXT as REPLICATE_KONTEXT
from tests.fakes.replicate_server import REPLICATE_TOKEN, FakeReplicate
from tests.fakes.server import RecordingSleep
from tests.fakes.stability_server import STABILITY_KEY, FakeStability
from tests.support import Cli


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    made = Cli(tmp_path / "home", monkeypatch)  # it clears provider keys from the environment: set them after
    monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "0")
    monkeypatch.setenv("BFL_API_KEY", BFL_KEY)
    monkeypatch.setenv("FAL_KEY", FAL_KEY)
    monkeypatch.setenv("STABILITY_API_KEY", STABILITY_KEY)
    monkeypatch.setenv("REPLICATE_API_TOKEN", REPLICATE_TOKEN)
    return made


def png(width: int = 64, height: int = 48, seed: str = "a") -> InputImage:
    return InputImage(data=make_image(width, height, "PNG", seed), mime_type="image/png", width=width,
                      height=height, name=f"image-{seed}.png")


def data_uri(image: InputImage) -> str:
    return f"data:{image.mime_type};base64,{base64.b64encode(image.data).decode()}"


def call_for(provider: str, model: str, images: int = 1, **fields: Any) -> ProviderCall:
    request = ImageRequest(model=model, prompt=fields.pop("prompt", "make the fox bigger"), **fields)
    inputs = EditInputs(images=tuple(png(seed=str(i)) for i in range(images)))
    return replace(plan(spec_for(provider, model), request).calls[0], inputs=inputs)


def write_png(path: Path, width: int = 64, height: int = 64, *, hole: bool = False) -> Path:
    """An opaque PNG; ``hole``: an RGBA mask whose left half is fully transparent (change there)."""
    buffer = io.BytesIO()
    if hole:
        picture = Image.new("RGBA", (width, height), (0, 0, 0, 255))
        picture.paste((0, 0, 0, 0), (0, 0, width // 2, height))
        picture.save(buffer, "PNG")
    else:
        Image.new("RGB", (width, height), (10, 20, 30)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def profile(cli: Cli, provider: str, model: str, base_url: str) -> None:
    made = cli("image-profiles", "add", "--name", "p", "--provider", provider, "--model", model,
               "--base-url", base_url, "--default")
    assert made.code == 0, made.err


def refused_before_sending(cli: Cli, tmp_path: Path, count: int, mask: bool, message: str) -> None:
    """``edit`` with ``count`` references (and a mask) is exit 2 with ``message``; nothing saved."""
    ref = write_png(tmp_path / "ref.png")
    args = ["--image", str(ref)] * count + (["--mask", str(ref)] if mask else [])
    result = cli("edit", *args, "change it")
    assert result.code == 2, result.err
    assert message in result.err.strip().splitlines()[-1]
    assert not (cli.home / "images").exists() or not list((cli.home / "images").rglob("*.*"))


# -------------------------------------------------------------------------------- Black Forest Labs
def test_bfl_edit_sends_numbered_base64_references() -> None:
    path, body = bfl.build_request(call_for("bfl", "flux-2-pro", images=3, seed=5))
    first, second, third = (base64.b64encode(png(seed=str(i)).data).decode() for i in range(3))
    assert (path, body) == ("/flux-2-pro", {"prompt": "make the fox bigger", "seed": 5, "input_image": first,
                                            "input_image_2": second, "input_image_3": third})


def test_bfl_edit_end_to_end_records_lineage(cli: Cli, tmp_path: Path) -> None:
    with FakeBfl() as fake:
        profile(cli, "bfl", "flux-2-pro", fake.base_url)
        ref = write_png(tmp_path / "ref.png")
        result = cli("edit", "--json", "--image", str(ref), "--image", str(ref), "add a hat")
        assert result.code == 0, result.err
        (submit,) = [r for r in fake.requests if r.method == "POST"]
    expected = base64.b64encode(ref.read_bytes()).decode()
    assert submit.json["input_image"] == expected and submit.json["input_image_2"] == expected
    doc = result.json()
    assert len(doc["images"]) == 1 and [i["path"] for i in doc["inputs"]] == [str(ref), str(ref)]


@pytest.mark.parametrize(("model", "count", "mask", "message"), [
    ("flux-2-klein-4b", 5, False, "Model flux-2-klein-4b takes at most 4 input images; 5 were given."),
    ("flux-2-pro", 9, False, "Model flux-2-pro takes at most 8 input images; 9 were given."),
    ("flux-2-pro", 1, True, "Model flux-2-pro does not take a mask; edit without --mask."),
])
def test_bfl_wrong_input_is_refused_before_sending(cli: Cli, tmp_path: Path, model: str, count: int, mask: bool,
                                                   message: str) -> None:
    with FakeBfl() as fake:
        profile(cli, "bfl", model, fake.base_url)
        refused_before_sending(cli, tmp_path, count, mask, message)
        assert fake.requests == []


async def test_bfl_refusing_a_reference_is_one_sentence() -> None:
    broken = replace(call_for("bfl", "flux-2-pro"), inputs=EditInputs(images=(
        InputImage(data=b"GIF89a not what it says", mime_type="image/png", width=1, height=1),)))
    with FakeBfl() as fake:
        async with BflImages(max_retries=0, sleep=RecordingSleep()) as client:
            with pytest.raises(BadRequest, match=r"input_image: Input image must be a base64 encoded image"):
                await client.generate(broken, api_key=BFL_KEY, base_url=fake.base_url)
        assert not fake.requests_to("/get_result")


# ------------------------------------------------------------------------------------------------ fal.ai
def test_fal_kontext_takes_one_data_uri_as_image_url_and_an_aspect_ratio() -> None:
    path, body = fal.build_request(call_for("fal", KONTEXT, size="1792x1024", seed=3, count=2))
    assert (path, body) == (f"/{KONTEXT}", {"prompt": "make the fox bigger", "num_images": 2, "aspect_ratio": "16:9",
                                            "seed": 3, "image_url": data_uri(png(seed="0"))})


def test_fal_flux2_edit_takes_image_urls_and_no_num_images() -> None:
    path, body = fal.build_request(call_for("fal", FLUX2_EDIT, images=2, size="1024x768"))
    assert (path, body) == (f"/{FLUX2_EDIT}", {"prompt": "make the fox bigger",
                                               "image_size": {"width": 1024, "height": 768},
                                               "image_urls": [data_uri(png(seed="0")), data_uri(png(seed="1"))]})


@pytest.mark.parametrize("model", [KONTEXT, FLUX2_EDIT])
def test_fal_edit_end_to_end_through_the_queue(cli: Cli, tmp_path: Path, model: str) -> None:
    with FakeFalQueue(polls=2) as fake:
        profile(cli, "fal", model, fake.base_url)
        ref = write_png(tmp_path / "ref.png")
        result = cli("edit", "--json", "--image", str(ref), "add a hat")
        assert result.code == 0, result.err
        (submit,) = [r for r in fake.requests if r.method == "POST"]
    sent = f"data:image/png;base64,{base64.b64encode(ref.read_bytes()).decode()}"
    assert submit.path == f"/{model}" and submit.headers["authorization"] == f"Key {FAL_KEY}"
    assert (submit.json.get("image_url") or submit.json["image_urls"][0]) == sent
    assert len(result.json()["images"]) == 1 and "fal.ai: running" in result.err


@pytest.mark.parametrize(("model", "count", "mask", "message"), [
    (KONTEXT, 2, False, "Model fal-ai/flux-pro/kontext takes at most 1 input image; 2 were given."),
    (FLUX2_EDIT, 9, False, "Model fal-ai/flux-2-pro/edit takes at most 8 input images; 9 were given."),
    (FLUX2_EDIT, 1, True, "Model fal-ai/flux-2-pro/edit does not take a mask; edit without --mask."),
    ("fal-ai/flux/dev", 1, False, "Model fal-ai/flux/dev takes no input images, so it cannot edit"),
])
def test_fal_wrong_input_is_refused_before_sending(cli: Cli, tmp_path: Path, model: str, count: int, mask: bool,
                                                   message: str) -> None:
    with FakeFalQueue() as fake:
        profile(cli, "fal", model, fake.base_url)
        refused_before_sending(cli, tmp_path, count, mask, message)
        assert fake.requests == []


async def test_fal_refusing_a_reference_names_the_input() -> None:
    broken = replace(call_for("fal", KONTEXT), inputs=EditInputs(images=(
        InputImage(data=b"GIF89a not what it says", mime_type="image/png", width=1, height=1),)))
    with FakeFalQueue() as fake:
        async with FalImages(max_retries=0, sleep=RecordingSleep()) as client:
            with pytest.raises(BadRequest, match=r"image_url: Failed to load the image"):
                await client.generate(broken, api_key=FAL_KEY, base_url=fake.base_url)
        assert fake.jobs == {}


# ------------------------------------------------------------------------------------------- Stability AI
def test_stability_sd3_edit_is_image_to_image_with_a_strength_and_no_aspect_ratio() -> None:
    edit = call_for("stability", "sd3.5-large", size="1792x1024", seed=9)
    assert stability.build_request(edit) == ("/v2beta/stable-image/generate/sd3", [
        ("prompt", "make the fox bigger"), ("model", "sd3.5-large"), ("mode", "image-to-image"), ("seed", "9"),
        ("strength", "0.7")])
    assert stability.input_files(edit) == [("image", ("image.png", png(seed="0").data, "image/png"))]
    chosen = replace(edit, extras={"denoising_strength": 0.4})
    assert ("strength", "0.4") in stability.build_request(chosen)[1]
    assert stability.build_request(replace(chosen, inputs=None))[1][-1] != ("strength", "0.4")  # generation: none


def test_stability_inpaint_sends_the_mask_as_white_where_it_was_transparent(cli: Cli, tmp_path: Path) -> None:
    with FakeStability() as fake:
        profile(cli, "stability", "stable-image-inpaint", fake.base_url)
        ref, hole = write_png(tmp_path / "ref.png"), write_png(tmp_path / "mask.png", hole=True)
        result = cli("edit", "--json", "--image", str(ref), "--mask", str(hole), "a red door here")
        assert result.code == 0, result.err
        (sent,) = fake.requests
    fields, files = parse_multipart(sent)  # type: ignore[misc]
    assert sent.path == "/v2beta/stable-image/edit/inpaint" and sent.headers["accept"] == "application/json"
    assert fields == [("prompt", "a red door here")]
    parts = {name: data for name, _, _, data in files}
    assert parts["image"] == ref.read_bytes()
    with Image.open(io.BytesIO(parts["mask"])) as mask:
        assert mask.mode == "L" and mask.getpixel((5, 5)) == 255 and mask.getpixel((60, 5)) == 0
    (image,) = result.json()["images"]
    assert (image["width"], image["height"]) == (64, 64)  # the reference's size


@pytest.mark.parametrize("model", ["sd3.5-medium", "stable-image-ultra"])
def test_stability_image_to_image_end_to_end(cli: Cli, tmp_path: Path, model: str) -> None:
    with FakeStability() as fake:
        profile(cli, "stability", model, fake.base_url)
        ref = write_png(tmp_path / "ref.png", 96, 64)
        result = cli("edit", "--json", "--aspect-ratio", "16:9", "--image", str(ref), "make it night")
        assert result.code == 0, result.err
    assert fake.edit_inputs == [["image"]]
    assert (result.json()["images"][0]["width"], result.json()["images"][0]["height"]) == (96, 64)


@pytest.mark.parametrize(("model", "count", "mask", "message"), [
    ("stable-image-ultra", 2, False, "Model stable-image-ultra takes at most 1 input image; 2 were given."),
    ("sd3.5-large", 1, True, "Model sd3.5-large does not take a mask; edit without --mask."),
    ("stable-image-core", 1, False, "Model stable-image-core takes no input images, so it cannot edit"),
])
def test_stability_wrong_input_is_refused_before_sending(cli: Cli, tmp_path: Path, model: str, count: int,
                                                         mask: bool, message: str) -> None:
    with FakeStability() as fake:
        profile(cli, "stability", model, fake.base_url)
        refused_before_sending(cli, tmp_path, count, mask, message)
        assert fake.requests == []


async def test_stability_refusing_a_reference_is_one_sentence() -> None:
    broken = replace(call_for("stability", "sd3.5-large"), inputs=EditInputs(images=(
        InputImage(data=b"GIF89a not what it says", mime_type="image/png", width=1, height=1),)))
    with FakeStability() as fake:
        async with StabilityImages(max_retries=0, sleep=RecordingSleep()) as client:
            with pytest.raises(BadRequest, match=r"image: is not a valid image"):
                await client.generate(broken, api_key=STABILITY_KEY, base_url=fake.base_url)


# ----------------------------------------------------------------------------------------------- ComfyUI
def test_comfyui_edit_uploads_the_reference_and_runs_the_image_to_image_workflow(cli: Cli, tmp_path: Path) -> None:
    with FakeComfyUI() as fake:
        profile(cli, "comfyui", CHECKPOINTS[0], fake.base_url)
        ref = write_png(tmp_path / "ref.png", 96, 64)
        result = cli("edit", "--json", "--seed", "4", "--param", "denoising_strength=0.5", "--image", str(ref),
                     "a watercolour")
        assert result.code == 0, result.err
        (upload,) = fake.requests_to("/upload/image")
        (sent,) = fake.requests_to("/prompt")
    fields, files = parse_multipart(upload)  # type: ignore[misc]
    name = files[0][1]
    assert fields == [("type", "input"), ("overwrite", "true")] and files[0][0] == "image"
    assert name.startswith("quilltap-") and name.endswith(".png") and files[0][3] == ref.read_bytes()
    graph = sent.json["prompt"]
    assert graph["10"] == {"class_type": "LoadImage", "inputs": {"image": name}}
    assert graph["11"]["class_type"] == "VAEEncode" and graph["3"]["inputs"]["latent_image"] == ["11", 0]
    assert (graph["3"]["inputs"]["denoise"], graph["3"]["inputs"]["seed"]) == (0.5, 4)
    (image,) = result.json()["images"]
    assert (image["width"], image["height"], image["seed"]) == (96, 64, 4)


async def test_comfyui_edit_workflow_needs_an_image_placeholder(tmp_path: Path) -> None:
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(default_template()))
    with FakeComfyUI() as fake:
        async with ComfyUIImages(max_retries=0, sleep=RecordingSleep()) as client:
            edit = replace(call_for("comfyui", CHECKPOINTS[0]), extras={"edit_workflow": str(plain)})
            with pytest.raises(Invalid, match=r"has no \{\{image\}\} placeholder: give its LoadImage node"):
                await client.generate(edit, api_key=None, base_url=fake.base_url)
            generation = replace(edit, inputs=None, extras={"workflow": str(_edit_template(tmp_path))})
            with pytest.raises(Invalid, match="it is an edit workflow; name it with --param edit_workflow"):
                await client.generate(generation, api_key=None, base_url=fake.base_url)
        assert fake.requests == []


async def test_comfyui_refusing_an_unknown_input_file_names_the_node() -> None:
    with FakeComfyUI() as fake:
        async with ComfyUIImages(max_retries=0, sleep=RecordingSleep()) as client:
            fake.inputs.clear()
            original = fake.upload

            def lost(request: Any, match: Any) -> Any:  # the server forgets the file (a cleared input folder)
                answer = original(request, match)
                fake.inputs.clear()
                return answer

            fake.upload = lost  # type: ignore[method-assign]
            with pytest.raises(BadRequest, match=r"node 10 \(LoadImage\) Custom validation failed for node image - "
                                                 r"Invalid image file: quilltap-"):
                await client.generate(call_for("comfyui", CHECKPOINTS[0]), api_key=None, base_url=fake.base_url)


@pytest.mark.parametrize(("count", "mask", "message"), [
    (2, False, f"Model {CHECKPOINTS[0]} takes at most 1 input image; 2 were given."),
    (1, True, f"Model {CHECKPOINTS[0]} does not take a mask; edit without --mask."),
])
def test_comfyui_wrong_input_is_refused_before_sending(cli: Cli, tmp_path: Path, count: int, mask: bool,
                                                       message: str) -> None:
    with FakeComfyUI() as fake:
        profile(cli, "comfyui", CHECKPOINTS[0], fake.base_url)
        refused_before_sending(cli, tmp_path, count, mask, message)
        assert fake.requests == []


def _edit_template(folder: Path) -> Path:
    path = folder / "img2img.json"
    path.write_text(json.dumps(default_template(EDIT_NAME)))
    return path


# --------------------------------------------------------------------------------------------- Replicate
def test_replicate_kontext_takes_the_reference_as_a_data_uri_input_image() -> None:
    path, body = replicate.build_request(call_for("replicate", REPLICATE_KONTEXT, seed=2, aspect_ratio="16:9"))
    assert (path, body) == (f"/models/{REPLICATE_KONTEXT}/predictions", {"input": {
        "prompt": "make the fox bigger", "input_image": data_uri(png(seed="0")), "aspect_ratio": "16:9", "seed": 2}})


def test_replicate_edit_end_to_end(cli: Cli, tmp_path: Path) -> None:
    with FakeReplicate() as fake:
        profile(cli, "replicate", REPLICATE_KONTEXT, fake.base_url)
        ref = write_png(tmp_path / "ref.png")
        result = cli("edit", "--json", "--image", str(ref), "a winter coat")
        assert result.code == 0, result.err
        (create,) = fake.requests_to("/predictions")
    sent = f"data:image/png;base64,{base64.b64encode(ref.read_bytes()).decode()}"
    assert create.json == {"input": {"prompt": "a winter coat", "input_image": sent}}
    assert create.headers["prefer"] == "wait=60" and len(result.json()["images"]) == 1


@pytest.mark.parametrize(("model", "count", "mask", "message"), [
    (REPLICATE_KONTEXT, 2, False, f"Model {REPLICATE_KONTEXT} takes at most 1 input image; 2 were given."),
    (REPLICATE_KONTEXT, 1, True, f"Model {REPLICATE_KONTEXT} does not take a mask; edit without --mask."),
    ("black-forest-labs/flux-schnell", 1, False, "Model black-forest-labs/flux-schnell takes no input images"),
])
def test_replicate_wrong_input_is_refused_before_sending(cli: Cli, tmp_path: Path, model: str, count: int,
                                                         mask: bool, message: str) -> None:
    with FakeReplicate() as fake:
        profile(cli, "replicate", model, fake.base_url)
        refused_before_sending(cli, tmp_path, count, mask, message)
        assert fake.requests == []


async def test_replicate_refusing_a_reference_names_the_input() -> None:
    broken = replace(call_for("replicate", REPLICATE_KONTEXT), inputs=EditInputs(images=(
        InputImage(data=b"GIF89a not what it says", mime_type="image/png", width=1, height=1),)))
    with FakeReplicate() as fake:
        async with ReplicateImages(max_retries=0, sleep=RecordingSleep()) as client:
            with pytest.raises(BadRequest, match=r"input_image: Does not match format 'uri'"):
                await client.generate(broken, api_key=REPLICATE_TOKEN, base_url=fake.base_url)
        assert fake.predictions == {}
