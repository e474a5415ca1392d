"""xAI image provider: exact wire requests, JPEG kept as-is, xAI error shapes, model listing."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from quilltap_tui.errors import AuthError, BadRequest, ContentRefused
from quilltap_tui.imagegen.providers import grok
from quilltap_tui.imagegen.providers.grok import GrokImages
from quilltap_tui.imagegen.spec import ProviderCall
from tests.fakes.image_servers import TEST_KEYS, FakeXAIImages, make_image
from tests.fakes.server import RecordingSleep, Reply

KEY = TEST_KEYS["grok"]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fake() -> Iterator[FakeXAIImages]:
    with FakeXAIImages() as server:
        yield server


@pytest.fixture
async def provider() -> Any:
    async with GrokImages(sleep=RecordingSleep()) as instance:
        yield instance


def test_typical_request_always_asks_for_base64() -> None:
    call = ProviderCall(model="grok-imagine-image", prompt="a fox", aspect_ratio="16:9")
    assert grok.build_request(call) == (
        "/images/generations",
        {
            "model": "grok-imagine-image",
            "prompt": "a fox",
            "n": 1,
            "response_format": "b64_json",
            "aspect_ratio": "16:9",
        },
    )


def test_awkward_request_never_sends_size_or_style() -> None:
    call = ProviderCall(
        model="grok-imagine-image-2.0",
        prompt="p",
        n=4,
        size="1792x1024",
        style="vivid",
        aspect_ratio="21:9",
        resolution="2k",
        quality="low",
        extras={"user": "u"},
    )
    assert grok.build_request(call)[1] == {
        "model": "grok-imagine-image-2.0",
        "prompt": "p",
        "n": 4,
        "response_format": "b64_json",
        "aspect_ratio": "21:9",
        "resolution": "2k",
        "quality": "low",
        "user": "u",
    }


def test_parse_strips_data_uri_prefix_and_keeps_jpeg_bytes() -> None:
    body = json.loads((FIXTURES / "xai_response_b64.json").read_text())
    first, second = grok.parse_response(body)
    expected = base64.b64decode(body["data"][1]["b64_json"])
    assert first.data == expected and second.data == expected
    assert expected[:3] == b"\xff\xd8\xff"


async def test_generate_via_fake_exact_body_and_jpeg_dimensions(fake: FakeXAIImages, provider: GrokImages) -> None:
    call = ProviderCall(model="grok-imagine-image-2.0", prompt="a fox", n=2, aspect_ratio="16:9", quality="medium")
    images, warnings, _ = await provider.generate(call, api_key=KEY, base_url=fake.base_url)
    [request] = fake.requests
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.json == grok.build_request(call)[1]
    assert [(i.mime_type, i.width, i.height) for i in images] == [("image/jpeg", 1360, 768)] * 2
    assert warnings == []


async def test_data_uri_answers_decode_to_the_same_jpeg(provider: GrokImages) -> None:
    with FakeXAIImages(data_uri=True) as fake:
        [image], _, _ = await provider.generate(
            ProviderCall(model="grok-imagine-image", prompt="p"), api_key=KEY, base_url=fake.base_url
        )
    assert image.mime_type == "image/jpeg" and image.data[:3] == b"\xff\xd8\xff"


async def test_url_answer_from_a_server_ignoring_response_format_is_fetched_without_key(
    fake: FakeXAIImages, provider: GrokImages
) -> None:
    jpeg = make_image(20, 10, "JPEG")
    fake.script(Reply(json={"data": [{"url": fake.add_file(jpeg, "image/jpeg", "jpg")}]}))
    [image], _, _ = await provider.generate(
        ProviderCall(model="grok-imagine-image", prompt="p"), api_key=KEY, base_url=fake.base_url
    )
    assert image.data == jpeg
    assert "authorization" not in fake.requests_to("/files/")[0].headers


async def test_bad_key_is_http_400_yet_an_auth_error_without_the_key(fake: FakeXAIImages, provider: GrokImages) -> None:
    wrong = "xai-wrong-0000000000000000000"
    with pytest.raises(AuthError) as caught:
        await provider.validate_key(api_key=wrong, base_url=fake.base_url)
    assert caught.value.status == 400 and wrong not in str(caught.value)
    assert str(caught.value).startswith("xAI rejected the API key: Incorrect API key provided: xa***.")


async def test_fake_rejects_size_like_xai_and_it_maps_to_the_field(fake: FakeXAIImages) -> None:
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}) as client:
        answer = await client.post(
            fake.base_url + "/images/generations",
            json={"model": "grok-imagine-image", "prompt": "p", "size": "1024x1024"},
        )
    assert answer.status_code == 400 and answer.json() == {
        "code": "Client specified an invalid argument",
        "error": "Argument not supported: size",
    }
    fake.script(Reply(400, answer.json()))
    async with GrokImages() as provider:
        with pytest.raises(BadRequest) as caught:
            await provider.generate(
                ProviderCall(model="grok-imagine-image", prompt="p"), api_key=KEY, base_url=fake.base_url
            )
    assert caught.value.field == "size"


async def test_moderation_refusal(fake: FakeXAIImages, provider: GrokImages) -> None:
    with pytest.raises(ContentRefused, match=r"^xAI refused the request: Generated image rejected by content"):
        await provider.generate(
            ProviderCall(model="grok-imagine-image", prompt="[refuse]"), api_key=KEY, base_url=fake.base_url
        )


async def test_list_models_prefers_image_generation_models(fake: FakeXAIImages, provider: GrokImages) -> None:
    assert await provider.list_models(api_key=KEY, base_url=fake.base_url) == [
        "grok-imagine-image",
        "grok-imagine-image-2.0",
    ]
    assert [r.path for r in fake.requests] == ["/v1/image-generation-models"]


async def test_list_models_falls_back_to_filtered_models_list(fake: FakeXAIImages, provider: GrokImages) -> None:
    fake.script(
        Reply(
            404, {"code": "Some requested entity was not found", "error": "Not found"}, path="image-generation-models"
        )
    )
    assert await provider.list_models(api_key=KEY, base_url=fake.base_url) == [
        "grok-imagine-image",
        "grok-imagine-image-2.0",
    ]
    assert [r.path for r in fake.requests] == ["/v1/image-generation-models", "/v1/models"]
