"""Edits on the wire: OpenAI multipart ``/images/edits``, xAI JSON ``/images/edits``, Gemini ``inlineData``.

Each test asserts the exact parts, JSON or inline parts sent, and that the fake (which accepts only what
the real API accepts) answers with an image.
"""

from __future__ import annotations

import base64
import io
from dataclasses import replace
from typing import Any

import pytest
from PIL import Image

from quilltap_tui.errors import BadRequest
from quilltap_tui.imagegen.capabilities import spec_for
from quilltap_tui.imagegen.mapping import plan
from quilltap_tui.imagegen.providers import grok, openai
from quilltap_tui.imagegen.providers.google import GoogleImages
from quilltap_tui.imagegen.providers.google import build_request as google_request
from quilltap_tui.imagegen.providers.grok import GrokImages
from quilltap_tui.imagegen.providers.openai import OpenAIImages
from quilltap_tui.imagegen.spec import EditInputs, ImageRequest, InputImage, ProviderCall
from tests.fakes.image_edits import parse_multipart
from tests.fakes.image_servers import TEST_KEYS, FakeGoogle, FakeOpenAIImages, FakeXAIImages, make_image
from tests.fakes.server import RecordingSleep


def png(width: int = 64, height: int = 48, seed: str = "a", fmt: str = "PNG") -> InputImage:
    data = make_image(width, height, fmt, seed)
    mime = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}[fmt]
    return InputImage(data=data, mime_type=mime, width=width, height=height, name=f"image-{seed}.png")


def mask(width: int = 64, height: int = 48) -> InputImage:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 0, 0, 0)).save(buffer, "PNG")
    return InputImage(data=buffer.getvalue(), mime_type="image/png", width=width, height=height, name="mask.png")


def call_for(provider: str, model: str, inputs: EditInputs, **fields: Any) -> ProviderCall:
    request = ImageRequest(model=model, prompt=fields.pop("prompt", "make the fox bigger"), **fields)
    return replace(plan(spec_for(provider, model), request).calls[0], inputs=inputs)


# ------------------------------------------------------------------------------------------------ OpenAI
def test_openai_edit_is_multipart_with_image_brackets_mask_and_no_moderation() -> None:
    inputs = EditInputs(images=(png(seed="1"), png(seed="2")), mask=mask())
    call = call_for("openai", "gpt-image-2", inputs, quality="high",
                    extras={"output_format": "webp", "moderation": "low"})
    path, fields, files, warnings = openai.build_edit_request(call)
    assert path == "/images/edits"
    assert fields == [("model", "gpt-image-2"), ("prompt", "make the fox bigger"), ("n", "1"),
                      ("quality", "high"), ("output_format", "webp")]
    assert [(name, f[0], f[2]) for name, f in files] == [
        ("image[]", "image-1.png", "image/png"), ("image[]", "image-2.png", "image/png"),
        ("mask", "mask.png", "image/png"),
    ]
    assert files[0][1][1] == inputs.images[0].data
    assert warnings == ["moderation is not sent with an edit (the edits endpoint does not take it)."]


async def test_openai_edit_against_the_fake_sends_exact_parts_and_saves_nothing_twice() -> None:
    inputs = EditInputs(images=(png(seed="1"), png(seed="2", fmt="JPEG")), mask=mask())
    with FakeOpenAIImages() as fake:
        async with OpenAIImages(sleep=RecordingSleep()) as provider:
            images, warnings, _raw = await provider.generate(
                call_for("openai", "gpt-image-2", inputs), api_key=TEST_KEYS["openai"], base_url=fake.base_url)
        [request] = fake.requests_to("/images/edits")
    assert len(images) == 1 and images[0].mime_type == "image/png" and warnings == []
    parsed = parse_multipart(request)
    assert parsed is not None
    fields, files = parsed
    assert dict(fields) == {"model": "gpt-image-2", "prompt": "make the fox bigger", "n": "1"}
    assert [(name, ctype) for name, _f, ctype, _d in files] == [
        ("image[]", "image/png"), ("image[]", "image/jpeg"), ("mask", "image/png")]
    assert [f[3] for f in files] == [inputs.images[0].data, inputs.images[1].data, inputs.mask.data]  # type: ignore[union-attr]
    assert fake.edit_inputs == [[("image/png", 64, 48), ("image/jpeg", 64, 48)]]
    assert request.headers["authorization"] == f"Bearer {TEST_KEYS['openai']}"


async def test_openai_markup_goes_as_its_own_part_on_2_6_and_the_fake_refuses_it_elsewhere() -> None:
    inputs = EditInputs(images=(png(),), markup=mask())
    with FakeOpenAIImages() as fake:
        async with OpenAIImages(sleep=RecordingSleep(), max_retries=0) as provider:
            images, _w, _r = await provider.generate(call_for("openai", "gpt-image-2.6-flare", inputs),
                                                     api_key=TEST_KEYS["openai"], base_url=fake.base_url)
            assert len(images) == 1
            with pytest.raises(BadRequest, match="markup"):
                await provider.generate(call_for("openai", "gpt-image-2", inputs),
                                        api_key=TEST_KEYS["openai"], base_url=fake.base_url)
        parsed = parse_multipart(fake.requests_to("/images/edits")[0])
    assert parsed is not None
    assert [name for name, *_ in parsed[1]] == ["image[]", "markup"]


# --------------------------------------------------------------------------------------------------- xAI
def test_xai_edit_is_json_with_image_for_one_and_images_for_several() -> None:
    one = EditInputs(images=(png(fmt="JPEG"),))
    path, body = grok.build_edit_request(call_for("grok", "grok-imagine-image", one))
    url = "data:image/jpeg;base64," + base64.b64encode(one.images[0].data).decode()
    assert path == "/images/edits"
    assert body == {"model": "grok-imagine-image", "prompt": "make the fox bigger", "n": 1,
                    "response_format": "b64_json", "image": {"url": url, "type": "image_url"}}
    several = EditInputs(images=(png(seed="1"), png(seed="2")))
    _path, body = grok.build_edit_request(call_for("grok", "grok-imagine-image-2.0", several, aspect_ratio="16:9"))
    assert "image" not in body and [ref["type"] for ref in body["images"]] == ["image_url", "image_url"]
    assert body["aspect_ratio"] == "16:9"


async def test_xai_edit_against_the_fake() -> None:
    inputs = EditInputs(images=tuple(png(seed=str(n)) for n in range(5)))
    with FakeXAIImages() as fake:
        async with GrokImages(sleep=RecordingSleep(), max_retries=0) as provider:
            images, _w, _r = await provider.generate(call_for("grok", "grok-imagine-image-2.0", inputs),
                                                     api_key=TEST_KEYS["grok"], base_url=fake.base_url)
            # 1.0 takes three: the fake refuses five, as xAI does.
            with pytest.raises(BadRequest, match="1 to 3"):
                await provider.generate(call_for("grok", "grok-imagine-image", inputs),
                                        api_key=TEST_KEYS["grok"], base_url=fake.base_url)
        request = fake.requests_to("/images/edits")[0]
    assert len(images) == 1 and images[0].mime_type == "image/jpeg"
    assert request.headers["content-type"] == "application/json"
    assert len(request.json["images"]) == 5 and fake.edit_inputs == [[("image/png", 64, 48)] * 5]


# ------------------------------------------------------------------------------------------------ Gemini
def test_gemini_edit_sends_inline_data_parts_after_the_text() -> None:
    inputs = EditInputs(images=(png(seed="1"), png(seed="2", fmt="WEBP")))
    path, body = google_request(call_for("google", "gemini-nano-banana-2.1", inputs))
    assert path == "/models/gemini-nano-banana-2.1:generateContent"
    assert body["contents"] == [{"role": "user", "parts": [
        {"text": "make the fox bigger"},
        {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(inputs.images[0].data).decode()}},
        {"inlineData": {"mimeType": "image/webp", "data": base64.b64encode(inputs.images[1].data).decode()}},
    ]}]


async def test_gemini_edit_against_the_fake() -> None:
    inputs = EditInputs(images=(png(),))
    with FakeGoogle() as fake:
        async with GoogleImages(sleep=RecordingSleep()) as provider:
            images, _w, _r = await provider.generate(call_for("google", "gemini-3-pro-image", inputs),
                                                     api_key=TEST_KEYS["google"], base_url=fake.base_url)
    assert len(images) == 1 and fake.edit_inputs == [[("image/png", 64, 48)]]
