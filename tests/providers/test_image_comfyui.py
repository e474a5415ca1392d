"""ComfyUI: a workflow template filled per request, queued at ``/prompt``, watched, fetched from ``/view``.

Against a loopback fake that validates the graph the way ComfyUI does (types, ranges, checkpoints,
output nodes): the exact graph sent, progress on stderr, the saved image, a user's own workflow, the
errors in one sentence, cancellation at the server, and the model list without a key.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quilltap_tui.errors import BadRequest, Invalid, MalformedResponse
from quilltap_tui.imagegen import progress
from quilltap_tui.imagegen.capabilities import spec_for
from quilltap_tui.imagegen.mapping import plan
from quilltap_tui.imagegen.providers.comfy_workflow import default_template, load_template
from quilltap_tui.imagegen.providers.comfyui import ComfyUIImages, build_prompt
from quilltap_tui.imagegen.registry import get_image_provider
from quilltap_tui.imagegen.spec import ImageRequest, ProviderCall
from tests.fakes.comfyui_server import FakeComfyUI
from tests.fakes.server import RecordingSleep
from tests.support import Cli

SDXL = "sd_xl_base_1.0.safetensors"


@pytest.fixture
def fake() -> Iterator[FakeComfyUI]:
    with FakeComfyUI() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path / "home", monkeypatch)


def call(**fields: Any) -> ProviderCall:
    request = ImageRequest(prompt=fields.pop("prompt", "a fox"), model=fields.pop("model", SDXL), **fields)
    return plan(spec_for("comfyui", request.model), request).calls[0]


def test_the_registry_builds_comfyui_under_its_alias_too() -> None:
    assert isinstance(get_image_provider("comfyui"), ComfyUIImages)
    assert isinstance(get_image_provider("comfy"), ComfyUIImages)


def test_the_bundled_workflow_is_filled_with_typed_values() -> None:
    body, seed = build_prompt(call(size="1000x600", seed=3, negative_prompt="blur", steps=30, guidance_scale=5.5,
                                   count=2), default_template(), "client-1")
    assert seed == 3 and body["client_id"] == "client-1"
    graph = body["prompt"]
    assert graph["3"]["inputs"] | {} == {"seed": 3, "steps": 30, "cfg": 5.5, "sampler_name": "euler",
                                         "scheduler": "normal", "denoise": 1, "model": ["4", 0],
                                         "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}
    assert graph["4"]["inputs"] == {"ckpt_name": SDXL}
    assert graph["5"]["inputs"] == {"width": 1000, "height": 600, "batch_size": 2}
    assert (graph["6"]["inputs"]["text"], graph["7"]["inputs"]["text"]) == ("a fox", "blur")
    assert "{{" not in json.dumps(body)


def test_generate_end_to_end_reports_progress_and_saves(cli: Cli, fake: FakeComfyUI) -> None:
    fake.queue_polls = 3
    made = cli("image-profiles", "add", "--name", "comfy", "--provider", "comfyui", "--model", SDXL,
               "--base-url", fake.base_url, "--param", "steps=12", "--default")
    assert made.code == 0, made.err
    result = cli("generate", "--json", "--size", "768x512", "--seed", "42", "a lighthouse")
    assert result.code == 0, result.err
    (sent,) = fake.requests_to("/prompt")
    graph = sent.json["prompt"]
    assert graph["3"]["inputs"]["seed"] == 42 and graph["3"]["inputs"]["steps"] == 12
    assert graph["5"]["inputs"] == {"width": 768, "height": 512, "batch_size": 1}
    assert "authorization" not in sent.headers
    notes = [line for line in result.err.splitlines() if line.startswith("ComfyUI:")]
    # From the WebSocket: the queue, the start, then the sampler's steps by quarters (not a line per step).
    assert notes == ["ComfyUI: waiting in the queue (1 ahead)", "ComfyUI: running", "ComfyUI: step 1 of 12",
                     "ComfyUI: step 3 of 12", "ComfyUI: step 6 of 12", "ComfyUI: step 9 of 12",
                     "ComfyUI: step 12 of 12"]
    (socket,) = fake.requests_to("/ws")
    assert socket.query["clientId"] == [sent.json["client_id"]] and socket.headers["upgrade"] == "websocket"
    assert "origin" not in socket.headers  # ComfyUI refuses a browser Origin that is not its own host
    assert not fake.requests_to("/queue")  # nothing polled: the socket said when it was done
    (image,) = result.json()["images"]
    assert (image["width"], image["height"]) == (768, 512)
    (view,) = fake.requests_to("/view")
    assert view.query["type"] == ["output"] and view.query["filename"][0].startswith("quilltap_")


def test_a_users_api_format_workflow_with_placeholders(cli: Cli, fake: FakeComfyUI, tmp_path: Path) -> None:
    template = default_template()
    template["3"]["inputs"]["sampler_name"] = "dpmpp_2m"
    template["6"]["inputs"]["text"] = "masterpiece, {{prompt}}, sharp focus"
    template["10"] = {"class_type": "PreviewImage", "inputs": {"images": ["8", 0]}}
    path = tmp_path / "flow_api.json"
    path.write_text(json.dumps(template))
    cli("image-profiles", "add", "--name", "comfy", "--provider", "comfyui", "--model", SDXL,
        "--base-url", fake.base_url, "--param", f"workflow={path}", "--default")
    result = cli("generate", "--json", "a kite")
    assert result.code == 0, result.err
    graph = fake.requests_to("/prompt")[0].json["prompt"]
    assert graph["6"]["inputs"]["text"] == "masterpiece, a kite, sharp focus"
    assert graph["3"]["inputs"]["sampler_name"] == "dpmpp_2m"
    assert len(result.json()["images"]) == 1, "the preview node's temp image is not saved twice"


def test_a_ui_format_workflow_is_refused_with_how_to_export(tmp_path: Path) -> None:
    path = tmp_path / "flow.json"
    path.write_text(json.dumps({"last_node_id": 9, "nodes": [{"id": 3, "type": "KSampler"}], "links": []}))
    with pytest.raises(Invalid, match=r"UI format; export it with Workflow > Export \(API\)"):
        load_template(str(path))
    path.write_text(json.dumps({"3": {"class_type": "KSampler", "inputs": {"seed": "{{sed}}"}}}))
    with pytest.raises(Invalid, match=r"unknown placeholder \{\{sed\}\}"):
        load_template(str(path))
    with pytest.raises(Invalid, match="cannot be read"):
        load_template(str(tmp_path / "missing.json"))


async def test_errors_are_one_sentence_naming_the_node(fake: FakeComfyUI) -> None:
    async with ComfyUIImages(max_retries=0, sleep=RecordingSleep()) as client:
        with pytest.raises(BadRequest, match=r"ComfyUI rejected the request: Prompt outputs failed validation: "
                                             r"node 4 \(CheckpointLoaderSimple\) Value not in list ckpt_name: "
                                             r"'dreamshaper.safetensors'"):
            await client.generate(call(model="dreamshaper.safetensors"), api_key=None, base_url=fake.base_url)
        with pytest.raises(MalformedResponse, match="could not run the workflow: KSampler: CUDA out of memory"):
            await client.generate(call(prompt="[fail] a fox"), api_key=None, base_url=fake.base_url)


async def test_the_error_event_on_the_socket_is_one_sentence(fake: FakeComfyUI) -> None:
    async with ComfyUIImages(max_retries=0, sleep=RecordingSleep()) as client:
        with pytest.raises(MalformedResponse, match=r"^ComfyUI could not run the workflow: KSampler: CUDA out of "
                                                    r"memory\. Tried to allocate 2\.00 GiB\.$"):
            await client.generate(call(prompt="[fail] a fox"), api_key=None, base_url=fake.base_url)
    assert [m["type"] for m in fake.sent if isinstance(m, dict)][-1] == "execution_error"
    assert not fake.requests_to("/history")  # the socket said what failed


@pytest.mark.parametrize("drop_after", [None, 3])
async def test_without_a_socket_or_when_it_drops_progress_is_polled(fake: FakeComfyUI, drop_after: int | None) -> None:
    """A server (or proxy) without WebSockets answers /ws with 404; a socket may also drop mid-way."""
    fake.websocket_on, fake.drop_after, fake.queue_polls = drop_after is not None, drop_after, 3
    sleep = RecordingSleep()
    heard: list[str] = []
    async with ComfyUIImages(max_retries=0, sleep=sleep) as client:
        with progress.listening(heard.append):
            result = await client.generate(call(seed=5), api_key=None, base_url=fake.base_url)
    assert len(result.images) == 1 and result.images[0].seed == 5
    assert fake.requests_to("/queue") and sleep.waits  # polled
    if drop_after is None:
        assert heard == ["ComfyUI: waiting in the queue (1 ahead)", "ComfyUI: running"]
    else:  # the socket's notes, then the polled ones
        assert heard[:2] == ["ComfyUI: waiting in the queue (1 ahead)", "ComfyUI: running"]


async def test_previews_on_the_socket_are_partial_images_never_saved(fake: FakeComfyUI) -> None:
    fake.previews = True
    partials: list[bytes] = []
    async with ComfyUIImages(max_retries=0, sleep=RecordingSleep()) as client:
        with progress.listening_partials(partials.append):
            result = await client.generate(call(), api_key=None, base_url=fake.base_url)
        unseen = await client.generate(call(), api_key=None, base_url=fake.base_url)  # nobody shows partials
    (preview,) = partials
    assert preview.startswith(b"\x89PNG") and preview != result.images[0].data
    assert len(unseen.images) == 1 and len(partials) == 1


@pytest.mark.parametrize("running", [False, True])
async def test_cancelling_while_the_socket_waits(fake: FakeComfyUI, running: bool) -> None:
    """Waiting in the queue: deleted from it (POST /queue {"delete"}); running: POST /interrupt."""
    fake.hold = threading.Event()
    fake.queue_polls = 1 if running else 1000
    queued = asyncio.Event()
    async with ComfyUIImages(max_retries=0) as client:
        with progress.listening(lambda note: queued.set()):
            task = asyncio.create_task(client.generate(call(), api_key=None, base_url=fake.base_url))
            await asyncio.wait_for(queued.wait(), 10)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    fake.hold.set()
    (job,) = fake.jobs
    if running:
        (interrupt,) = fake.requests_to("/interrupt")
        assert interrupt.json == {"prompt_id": job} and fake.deleted == []
    else:
        (delete,) = [r for r in fake.requests_to("/queue") if r.method == "POST"]
        assert delete.json == {"delete": [job]} and fake.interrupted == 0


async def test_cancelling_takes_the_prompt_off_the_queue(fake: FakeComfyUI) -> None:
    fake.queue_polls, fake.websocket_on = 1000, False
    waits: list[float] = []
    stuck = asyncio.Event()

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        stuck.set()
        await asyncio.sleep(3600)

    async with ComfyUIImages(max_retries=0, sleep=sleep) as client:
        task = asyncio.create_task(client.generate(call(), api_key=None, base_url=fake.base_url))
        await stuck.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert fake.deleted == [next(iter(fake.jobs))] and fake.interrupted == 0
    assert waits == [0.5]


async def test_progress_goes_only_to_the_current_listener(fake: FakeComfyUI) -> None:
    fake.queue_polls, fake.websocket_on = 3, False
    heard: list[str] = []
    async with ComfyUIImages(max_retries=0, sleep=RecordingSleep()) as client:
        with progress.listening(heard.append):
            result = await client.generate(call(seed=9), api_key=None, base_url=fake.base_url)
        await client.generate(call(), api_key=None, base_url=fake.base_url)  # nobody listening: no error
    assert heard == ["ComfyUI: waiting in the queue (1 ahead)", "ComfyUI: running"]
    assert result.images[0].seed == 9


def test_a_browser_origin_is_refused_as_comfyui_does(fake: FakeComfyUI) -> None:
    import httpx2

    response = httpx2.post(fake.base_url + "/prompt", json={"prompt": default_template()},
                           headers={"Origin": "http://evil.example"})
    assert response.status_code == 403


def test_models_lists_the_built_in_checkpoints_without_a_server(cli: Cli) -> None:
    listed = cli("models", "--provider", "comfyui", "--json")
    assert listed.code == 0, listed.err
    assert [m["id"] for m in listed.json()] == ["v1-5-pruned-emaonly.safetensors", SDXL]
    assert listed.json()[0]["capabilities"]["extras"] == ["workflow", "steps", "guidance_scale", "edit_workflow",
                                                      "denoising_strength"]


def test_models_lists_the_servers_checkpoints(cli: Cli, fake: FakeComfyUI) -> None:
    listed = cli("models", "--provider", "comfyui", "--base-url", fake.base_url, "--json")
    assert listed.code == 0, listed.err
    assert {m["id"]: m["source"] for m in listed.json()}[SDXL] == ["built-in", "live"]


async def test_a_socket_that_goes_quiet_hands_over_to_polling(
    fake: FakeComfyUI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A socket that says nothing about our prompt (a proxy, a server that registered it late) must not leave
    the call waiting for ever: after a quiet spell the provider polls /queue and /history and finishes."""
    from quilltap_tui.imagegen.providers import comfy_socket

    monkeypatch.setattr(comfy_socket, "QUIET_LIMIT", 0.3)

    def silent(client: Any, prompt_id: str) -> None:
        fake.jobs[prompt_id]["done"] = True  # finished, and not a word on the socket

    monkeypatch.setattr(fake, "_run", silent)
    async with ComfyUIImages(max_retries=0, sleep=RecordingSleep()) as client:
        result = await asyncio.wait_for(client.generate(call(seed=6), api_key=None, base_url=fake.base_url), 20)
    assert len(result.images) == 1 and result.images[0].seed == 6
    assert fake.requests_to("/history")
