"""OpenAI Images provider: exact wire requests, parsing, and behaviour against the loopback fake."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from quilltap_tui.errors import AuthError, BadRequest, ContentRefused, MalformedResponse, Timeout
from quilltap_tui.imagegen.capabilities import spec_for
from quilltap_tui.imagegen.mapping import plan
from quilltap_tui.imagegen.providers import openai
from quilltap_tui.imagegen.providers.openai import OpenAIImages
from quilltap_tui.imagegen.spec import ImageRequest, ProviderCall, ProviderResult
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages, make_image, openai_error
from tests.fakes.server import RecordingSleep, Reply, malformed_json, truncated

KEY = TEST_KEYS["openai"]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fake() -> Iterator[FakeOpenAIImages]:
    with FakeOpenAIImages(models=("dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-2", "gpt-image-9")) as server:
        yield server


@pytest.fixture
async def provider() -> Any:
    async with OpenAIImages(sleep=RecordingSleep()) as instance:
        yield instance


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


# ----------------------------------------------------------------------------------------- build_request
def planned(model: str, **fields: Any) -> ProviderCall:
    """The first wire call the planner makes: providers write what the planned call carries, no more."""
    return plan(spec_for("openai", model), ImageRequest(model=model, prompt=fields.pop("prompt", "a fox"),
                                                        **fields)).calls[0]


def test_gpt_image_request_sends_extras_but_never_response_format_or_style() -> None:
    call = planned("gpt-image-2", count=2, size="1536x1024", quality="high", style="vivid",
                   extras={"output_format": "webp", "background": "opaque", "resolution": "2k"})
    assert call.spec is not None and call.spec.family == "gpt-image-2"
    assert openai.build_request(call) == (
        "/images/generations",
        {
            "model": "gpt-image-2",
            "prompt": "a fox",
            "n": 2,
            "size": "1536x1024",
            "quality": "high",
            "output_format": "webp",
            "background": "opaque",
        },
    )


def test_gpt_image_2_6_sends_complexity_and_its_new_quality_words() -> None:
    call = planned("gpt-image-2.6-flare", quality="xhigh", extras={"complexity": "low", "output_format": "gif"})
    assert openai.build_request(call)[1] == {
        "model": "gpt-image-2.6-flare", "prompt": "a fox", "n": 1, "quality": "xhigh", "complexity": "low",
        "output_format": "gif",
    }


def test_dall_e_3_request_asks_for_base64_and_keeps_style() -> None:
    call = planned("dall-e-3", size="1792x1024", quality="hd", style="natural", extras={"user": "u-1"})
    assert openai.build_request(call)[1] == {
        "model": "dall-e-3",
        "prompt": "a fox",
        "n": 1,
        "size": "1792x1024",
        "quality": "hd",
        "style": "natural",
        "response_format": "b64_json",
        "user": "u-1",
    }


def test_dall_e_2_gets_response_format_but_no_style_or_gpt_extras() -> None:
    call = planned("dall-e-2", prompt="p", count=3, size="512x512", style="vivid", extras={"output_format": "png"})
    assert openai.build_request(call)[1] == {
        "model": "dall-e-2",
        "prompt": "p",
        "n": 3,
        "size": "512x512",
        "response_format": "b64_json",
    }


def test_minimal_call_always_names_the_model() -> None:
    # The API default model is dall-e-2, which is shut down: the model must always be sent.
    assert openai.build_request(ProviderCall(model="gpt-image-2", prompt="p"))[1] == {
        "model": "gpt-image-2",
        "prompt": "p",
        "n": 1,
    }


# ----------------------------------------------------------------------------------------- parse_response
def test_parse_gpt_image_fixture_and_mime_comes_from_the_bytes() -> None:
    payloads = openai.parse_response(fixture("openai_gpt_image_response.json"))
    image = openai.parse_response(fixture("openai_gpt_image_response.json"))  # pure: same input, same output
    assert payloads == image and len(payloads) == 1
    assert payloads[0].data is not None and payloads[0].data[:4] == b"RIFF"


def test_parse_dall_e_3_keeps_revised_prompt_and_url_entries() -> None:
    [payload] = openai.parse_response(fixture("openai_dalle3_response.json"))
    assert payload.revised_prompt == "A watercolour fox sitting in tall grass at dawn, soft light."
    [link] = openai.parse_response(fixture("openai_url_response.json"))
    assert link.url == "https://files.example.invalid/img-1.png?sig=abc" and link.data is None


@pytest.mark.parametrize(
    "body",
    [{"data": []}, {"created": 1}, {"data": [{"b64_json": "%%%not base64%%%"}]}, {"data": [{"revised_prompt": "x"}]}],
)
def test_unusable_bodies_are_malformed(body: dict[str, Any]) -> None:
    with pytest.raises(MalformedResponse):
        openai.parse_response(body)


# ------------------------------------------------------------------------------------------ via the fake
async def test_generate_against_fake_sends_exact_body_and_bearer_header(
    fake: FakeOpenAIImages, provider: OpenAIImages
) -> None:
    call = ProviderCall(
        model="gpt-image-1", prompt="a fox", n=2, size="1536x1024", quality="low", extras={"output_format": "jpeg"}
    )
    result = await provider.generate(call, api_key=KEY, base_url=fake.base_url)
    assert isinstance(result, ProviderResult) and result.dropped == 0
    images, warnings, raw = result.images, result.warnings, result.raw
    [request] = fake.requests
    assert request.path == "/v1/images/generations"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.json == openai.build_request(call)[1]
    assert [(i.mime_type, i.width, i.height) for i in images] == [("image/jpeg", 1536, 1024)] * 2
    assert warnings == []
    assert raw["data"][0]["b64_json"].startswith("<") and raw["output_format"] == "jpeg"


async def test_gpt_image_2_free_size_and_dall_e_3_revised_prompt(
    fake: FakeOpenAIImages, provider: OpenAIImages
) -> None:
    [wide], _, _ = await provider.generate(
        ProviderCall(model="gpt-image-2", prompt="p", size="1536x864"), api_key=KEY, base_url=fake.base_url
    )
    assert (wide.width, wide.height, wide.mime_type) == (1536, 864, "image/png")
    call = ProviderCall(model="dall-e-3", prompt="a fox", size="1024x1792", quality="hd", style="vivid")
    [tall], _, _ = await provider.generate(call, api_key=KEY, base_url=fake.base_url)
    assert (tall.width, tall.height) == (1024, 1792)
    assert tall.revised_prompt == "A detailed picture of a fox"


async def test_the_fake_rejects_what_the_real_api_rejects(fake: FakeOpenAIImages) -> None:
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}) as client:
        url = fake.base_url + "/images/generations"
        bad = await client.post(url, json={"model": "gpt-image-1", "prompt": "p", "response_format": "b64_json"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "unknown_parameter"
        bad = await client.post(url, json={"model": "gpt-image-1", "prompt": "p", "quality": "standard"})
        assert bad.json()["error"]["param"] == "quality"
        bad = await client.post(url, json={"model": "dall-e-3", "prompt": "p", "n": 2})
        assert bad.json()["error"]["param"] == "n"


async def test_url_answers_are_downloaded_without_the_key(fake: FakeOpenAIImages, provider: OpenAIImages) -> None:
    png = make_image(32, 16)
    link = fake.add_file(png, "image/png", "png")
    fake.script(Reply(json={"created": 1, "data": [{"url": link}]}))
    [image], _, _ = await provider.generate(
        ProviderCall(model="sd-xl", prompt="p"), api_key=KEY, base_url=fake.base_url
    )
    assert image.data == png and (image.width, image.height) == (32, 16)
    download = fake.requests_to("/files/")[0]
    assert "authorization" not in download.headers


async def test_keyless_compatible_server_gets_no_authorization_header(provider: OpenAIImages) -> None:
    with FakeOpenAIImages(api_key=None) as open_fake:
        await provider.generate(
            ProviderCall(model="gpt-image-1", prompt="p"), api_key=None, base_url=open_fake.base_url
        )
        assert "authorization" not in open_fake.requests[0].headers


async def test_fewer_images_than_asked_is_a_warning(fake: FakeOpenAIImages, provider: OpenAIImages) -> None:
    fake.script(Reply(json={"data": [{"b64_json": base64.b64encode(make_image(8, 8)).decode()}]}))
    images, warnings, _ = await provider.generate(
        ProviderCall(model="gpt-image-1", prompt="p", n=3), api_key=KEY, base_url=fake.base_url
    )
    assert len(images) == 1 and warnings == ["OpenAI returned 1 of the 3 images asked for."]


async def test_refusal_bad_key_and_junk_answers(fake: FakeOpenAIImages, provider: OpenAIImages) -> None:
    base = fake.base_url
    with pytest.raises(ContentRefused, match=r"^OpenAI refused the request: .*\(moderation_blocked\)\.$"):
        await provider.generate(ProviderCall(model="gpt-image-1", prompt="[refuse] p"), api_key=KEY, base_url=base)
    wrong = "sk-wrong-key-that-must-not-leak-42"
    with pytest.raises(AuthError) as caught:
        await provider.generate(ProviderCall(model="gpt-image-1", prompt="p"), api_key=wrong, base_url=base)
    assert wrong not in str(caught.value) and "(invalid_api_key)" in str(caught.value)
    with pytest.raises(MalformedResponse, match="not an image"):
        await provider.generate(ProviderCall(model="gpt-image-1", prompt="[not-image]"), api_key=KEY, base_url=base)
    fake.script(malformed_json())
    with pytest.raises(MalformedResponse, match="not a JSON object"):
        await provider.generate(ProviderCall(model="gpt-image-1", prompt="p"), api_key=KEY, base_url=base)
    fake.script(truncated({"data": [{"b64_json": "A" * 4000}]}))
    with pytest.raises(MalformedResponse, match="cut off"):
        await provider.generate(ProviderCall(model="gpt-image-1", prompt="p"), api_key=KEY, base_url=base)


async def test_retired_model_gives_bad_request_on_model(provider: OpenAIImages) -> None:
    with FakeOpenAIImages(models=("gpt-image-1",)) as strict, pytest.raises(BadRequest) as caught:
        await provider.generate(ProviderCall(model="dall-e-3", prompt="p"), api_key=KEY, base_url=strict.base_url)
    assert caught.value.field == "model" and "dall-e-3" in str(caught.value)


async def test_429_retry_after_ms_through_the_fake(fake: FakeOpenAIImages) -> None:
    sleep, notes = RecordingSleep(), []
    async with OpenAIImages(sleep=sleep, on_retry=lambda *a: notes.append(a)) as provider:
        fake.script(
            openai_error(
                429, "Rate limit reached.", "requests", "rate_limit_exceeded", headers={"retry-after-ms": "2000"}
            )
        )
        images, _, _ = await provider.generate(
            ProviderCall(model="gpt-image-1", prompt="p"), api_key=KEY, base_url=fake.base_url
        )
    assert len(images) == 1 and sleep.waits == [2.0] and notes == [(1, 2.0, "429 rate limited")]
    assert len(fake.requests_to("/images/generations")) == 2


async def test_list_models_keeps_only_image_models_and_validate_key(
    fake: FakeOpenAIImages, provider: OpenAIImages
) -> None:
    models = await provider.list_models(api_key=KEY, base_url=fake.base_url)
    assert set(models) == {"dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-2", "gpt-image-9"}
    await provider.validate_key(api_key=KEY, base_url=fake.base_url)
    with pytest.raises(AuthError):
        await provider.validate_key(api_key="sk-nope-000000000", base_url=fake.base_url)


async def test_a_server_slower_than_the_timeout_gives_a_timeout_error(fake: FakeOpenAIImages) -> None:
    fake.script(Reply(json={"data": []}, delay=2.0))
    async with OpenAIImages(timeout=0.2, max_retries=0) as provider:
        with pytest.raises(Timeout, match=r"^OpenAI did not answer in time"):
            await provider.generate(ProviderCall(model="gpt-image-1", prompt="p"), api_key=KEY, base_url=fake.base_url)
