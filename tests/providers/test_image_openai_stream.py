"""OpenAI partial images while generating: ``stream: true`` + ``partial_images``, read as SSE.

The fake streams what OpenAI streams (``image_generation.partial_image`` events, then
``image_generation.completed``) and refuses ``stream`` where the real API does (dall-e).
"""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

import pytest

from quilltap_tui.errors import ProviderError
from quilltap_tui.imagegen import progress
from quilltap_tui.imagegen.capabilities import spec_for
from quilltap_tui.imagegen.mapping import plan
from quilltap_tui.imagegen.providers.openai import OpenAIImages
from quilltap_tui.imagegen.spec import EditInputs, ImageRequest, ProviderCall
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.fakes.server import RecordingSleep


def call_for(model: str, prompt: str = "a fox in the snow", **fields: Any) -> ProviderCall:
    return plan(spec_for("openai", model), ImageRequest(model=model, prompt=prompt, **fields)).calls[0]


async def run(fake: FakeOpenAIImages, call: ProviderCall, partials: list[bytes] | None) -> Any:
    async with OpenAIImages(sleep=RecordingSleep()) as provider:
        if partials is None:
            return await provider.generate(call, api_key=TEST_KEYS["openai"], base_url=fake.base_url)
        with progress.listening_partials(partials.append):
            return await provider.generate(call, api_key=TEST_KEYS["openai"], base_url=fake.base_url)


def sse_images(body: bytes) -> list[tuple[str, bytes]]:
    """(event type, image bytes) of every event the fake sent, in order."""
    import json

    out = []
    for block in body.decode().split("\n\n"):
        data = [line.removeprefix("data: ") for line in block.splitlines() if line.startswith("data: ")]
        if data:
            event = json.loads("\n".join(data))
            out.append((event["type"], base64.b64decode(event["b64_json"])))
    return out


def test_gpt_image_models_stream_up_to_three_partials_and_dalle_none() -> None:
    assert spec_for("openai", "gpt-image-2").partial_images == 3
    assert spec_for("openai", "gpt-image-2.6").partial_images == 3
    assert spec_for("openai", "dall-e-3").partial_images == 0
    assert spec_for("openai", "gpt-image-2").describe()["partial_images"] == 3


async def test_stream_request_is_exact_and_only_the_final_image_comes_back() -> None:
    partials: list[bytes] = []
    with FakeOpenAIImages() as fake:
        images, warnings, raw = await run(fake, call_for("gpt-image-2", quality="low"), partials)
        [request] = fake.requests_to("/images/generations")
    assert request.json == {"model": "gpt-image-2", "prompt": "a fox in the snow", "n": 1, "quality": "low",
                            "stream": True, "partial_images": 3}
    assert request.headers["accept"] == "text/event-stream"
    reply = fake.dispatch(request)  # the same answer again, to compare bytes with what was delivered
    sent = sse_images(reply.payload())
    assert [kind for kind, _ in sent] == ["image_generation.partial_image"] * 3 + ["image_generation.completed"]
    # Three partials reached the listener, as sent; exactly one image came back: the completed one, as sent.
    assert len(partials) == 3 and all(p.startswith(b"\x89PNG") for p in partials)
    assert len(images) == 1 and warnings == []
    assert images[0].data == sent[-1][1] and images[0].data not in partials
    assert raw["type"] == "image_generation.completed" and raw["b64_json"].endswith("base64 chars>")


async def test_without_a_listener_nothing_is_streamed() -> None:
    with FakeOpenAIImages() as fake:
        images, _warnings, _raw = await run(fake, call_for("gpt-image-2"), None)
        [request] = fake.requests_to("/images/generations")
    assert "stream" not in request.json and "partial_images" not in request.json
    assert len(images) == 1


async def test_dalle_never_streams_and_the_fake_refuses_it() -> None:
    partials: list[bytes] = []
    with FakeOpenAIImages() as fake:
        images, _w, _r = await run(fake, call_for("dall-e-3"), partials)
        [request] = fake.requests_to("/images/generations")
        assert "stream" not in request.json and partials == [] and len(images) == 1
        refused = fake.dispatch(replace(request, body=b'{"model": "dall-e-3", "prompt": "x", "stream": true}'))
    assert refused.status == 400 and refused.json["error"]["code"] == "unknown_parameter"


async def test_a_stream_cut_mid_way_saves_nothing_and_says_so_in_one_sentence() -> None:
    partials: list[bytes] = []
    with FakeOpenAIImages() as fake:
        with pytest.raises(ProviderError) as caught:
            await run(fake, call_for("gpt-image-2", prompt="a fox [cut-stream]"), partials)
        assert len(fake.requests_to("/images/generations")) == 1  # a billed stream is never re-sent
    message = str(caught.value)
    assert message.startswith("The connection to OpenAI failed")
    assert message.endswith(".") and "\n" not in message and message.count(". ") == 0


async def test_an_edit_streams_as_multipart_with_image_edit_events() -> None:
    """``images.edit`` takes ``stream`` and ``partial_images`` too (openai-python image_edit_params.py
    ``ImageEditParamsStreaming``); its events are ``image_edit.partial_image`` and ``image_edit.completed``."""
    from tests.fakes.image_edits import parse_multipart
    from tests.providers.test_image_edits import png

    partials: list[bytes] = []
    ref = png(64, 48)
    edit = replace(call_for("gpt-image-2", quality="low"), inputs=EditInputs(images=(ref,)))
    with FakeOpenAIImages() as fake:
        images, warnings, raw = await run(fake, edit, partials)
        [request] = fake.requests_to("/images/edits")
        reply = fake.dispatch(request)
    fields, files = parse_multipart(request)  # type: ignore[misc]
    assert fields == [("model", "gpt-image-2"), ("prompt", "a fox in the snow"), ("n", "1"), ("quality", "low"),
                      ("stream", "true"), ("partial_images", "3")]
    assert [(name, data) for name, _, _, data in files] == [("image[]", ref.data)]
    assert request.headers["accept"] == "text/event-stream"
    sent = sse_images(reply.payload())
    assert [kind for kind, _ in sent] == ["image_edit.partial_image"] * 3 + ["image_edit.completed"]
    assert partials == [data for _, data in sent[:3]]
    assert [image.data for image in images] == [sent[-1][1]] and warnings == []
    assert raw["type"] == "image_edit.completed"


async def test_an_edit_nobody_watches_is_not_streamed() -> None:
    from tests.providers.test_image_edits import png

    edit = replace(call_for("gpt-image-2"), inputs=EditInputs(images=(png(),)))
    with FakeOpenAIImages() as fake:
        images, _warnings, _raw = await run(fake, edit, None)
        [request] = fake.requests_to("/images/edits")
    assert b'name="stream"' not in request.body and len(images) == 1
