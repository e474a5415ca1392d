"""Google provider: Gemini generateContent and Imagen predict requests, refusals, paging, key in header."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quilltap_tui.errors import AuthError, ContentRefused, MalformedResponse
from quilltap_tui.imagegen.capabilities import spec_for
from quilltap_tui.imagegen.providers import google
from quilltap_tui.imagegen.providers.google import GoogleImages
from quilltap_tui.imagegen.spec import ProviderCall
from tests.fakes.image_servers import TEST_KEYS, FakeGoogle, google_rate_limited
from tests.fakes.server import RecordingSleep

KEY = TEST_KEYS["google"]
FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle() as server:
        yield server


@pytest.fixture
async def provider() -> Any:
    async with GoogleImages(sleep=RecordingSleep()) as instance:
        yield instance


def test_gemini_request_shape() -> None:
    call = ProviderCall(model="gemini-3-pro-image-preview", prompt="a fox", aspect_ratio="16:9", resolution="2K")
    assert google.build_request(call) == (
        "/models/gemini-3-pro-image-preview:generateContent",
        {
            "contents": [{"role": "user", "parts": [{"text": "a fox"}]}],
            "generationConfig": {
                "responseModalities": ["TEXT", "IMAGE"],
                "imageConfig": {"aspectRatio": "16:9", "imageSize": "2K"},
            },
        },
    )


def test_gemini_minimal_request_from_a_live_list_name_has_no_image_config() -> None:
    path, body = google.build_request(ProviderCall(model="models/gemini-2.5-flash-image", prompt="p", seed=5))
    assert path == "/models/gemini-2.5-flash-image:generateContent"
    assert body["generationConfig"] == {"responseModalities": ["TEXT", "IMAGE"]}


def test_imagen_request_shape_with_extras_in_wire_case() -> None:
    call = ProviderCall(
        model="imagen-4.0-generate-001",
        spec=spec_for("google", "imagen-4.0-generate-001"),  # the planned call says which API to use
        prompt="a fox",
        n=4,
        aspect_ratio="9:16",
        resolution="2K",
        extras={"person_generation": "dont_allow", "guidance_scale": 7.5},
    )
    assert google.build_request(call) == (
        "/models/imagen-4.0-generate-001:predict",
        {
            "instances": [{"prompt": "a fox"}],
            "parameters": {
                "sampleCount": 4,
                "includeRaiReason": True,
                "aspectRatio": "9:16",
                "sampleImageSize": "2K",
                "guidanceScale": 7.5,
                "personGeneration": "DONT_ALLOW",
            },
        },
    )


def test_parse_takes_the_final_image_not_the_thought_image() -> None:
    [payload] = google.parse_generate_content(fixture("google_generate_content_gemini3.json"))
    assert payload.data is not None and payload.data.startswith(b"\x89PNG")
    assert payload.revised_prompt is None  # text parts are not a revised prompt


def test_only_thought_images_falls_back_to_the_last_one() -> None:
    body = fixture("google_generate_content_gemini3.json")
    parts = body["candidates"][0]["content"]["parts"]
    for part in parts:
        part["thought"] = True
    [payload] = google.parse_generate_content(body)
    assert payload.data is not None and payload.data.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("google_generate_content_blocked.json", ContentRefused, "Google blocked the prompt (PROHIBITED_CONTENT)."),
        (
            "google_generate_content_image_safety.json",
            ContentRefused,
            "Google refused to make the image (IMAGE_SAFETY).",
        ),
    ],
)
def test_blocks_are_refusals_naming_the_reason(name: str, kind: type[Exception], message: str) -> None:
    with pytest.raises(kind) as caught:
        google.parse_generate_content(fixture(name))
    assert str(caught.value) == message


def test_predict_drops_filtered_predictions_with_a_warning() -> None:
    payloads, warnings = google.parse_predict(fixture("google_predict_partly_filtered.json"))
    assert len(payloads) == 1
    assert warnings == [
        "Google's safety filter removed one image: Your current safety filter threshold filtered "
        "out 1 generated images. You will not be charged for blocked images. Try rephrasing the "
        "prompt."
    ]


async def test_generate_content_via_fake_key_in_header_never_in_url(fake: FakeGoogle, provider: GoogleImages) -> None:
    call = ProviderCall(model="gemini-3-pro-image-preview", prompt="a fox", aspect_ratio="16:9", resolution="2K")
    [image], warnings, raw = await provider.generate(call, api_key=KEY, base_url=fake.base_url)
    [request] = fake.requests
    assert request.path == "/v1beta/models/gemini-3-pro-image-preview:generateContent"
    assert request.headers["x-goog-api-key"] == KEY and request.query == {}
    assert "authorization" not in request.headers
    assert request.json == google.build_request(call)[1]
    assert (image.mime_type, image.width, image.height) == ("image/png", 2736, 1536)  # the thought image is 64x64
    assert warnings == [] and raw["candidates"][0]["content"]["parts"][1]["text"]


@pytest.mark.parametrize(
    ("prompt", "kind", "message"),
    [
        ("[block]", ContentRefused, "Google blocked the prompt (PROHIBITED_CONTENT)."),
        ("[refuse]", ContentRefused, "Google refused to make the image (IMAGE_SAFETY)."),
        ("[no-image]", MalformedResponse, "Google answered without an image (NO_IMAGE): I could not draw that."),
        ("[text-only]", MalformedResponse, "Google answered without an image (STOP): A poem instead."),
    ],
)
async def test_no_image_answers_via_fake(
    fake: FakeGoogle, provider: GoogleImages, prompt: str, kind: type[Exception], message: str
) -> None:
    with pytest.raises(kind) as caught:
        await provider.generate(
            ProviderCall(model="gemini-2.5-flash-image", prompt=prompt), api_key=KEY, base_url=fake.base_url
        )
    assert str(caught.value) == message


async def test_imagen_predict_via_fake(fake: FakeGoogle, provider: GoogleImages) -> None:
    imagen = spec_for("google", "imagen-4.0-generate-001")
    call = ProviderCall(model="imagen-4.0-generate-001", prompt="fox [filter-one]", n=4, aspect_ratio="16:9",
                        spec=imagen)
    images, warnings, _ = await provider.generate(call, api_key=KEY, base_url=fake.base_url)
    assert fake.requests[0].json == google.build_request(call)[1]
    assert len(images) == 3 and len(warnings) == 1
    assert all((i.width, i.height) == (1360, 768) for i in images)
    for prompt in ("fox [refuse]", "fox [empty]"):
        with pytest.raises(ContentRefused, match="safety filter removed every image"):
            await provider.generate(
                ProviderCall(model="imagen-4.0-generate-001", prompt=prompt, n=2, spec=imagen), api_key=KEY,
                base_url=fake.base_url,
            )


async def test_bad_key_is_400_api_key_invalid_and_an_auth_error(fake: FakeGoogle, provider: GoogleImages) -> None:
    wrong = "AIzaWrongKeyWrongKeyWrongKey00000"
    with pytest.raises(AuthError) as caught:
        await provider.validate_key(api_key=wrong, base_url=fake.base_url)
    assert caught.value.status == 400 and "(API_KEY_INVALID)" in str(caught.value)
    assert wrong not in str(caught.value)
    assert all("key" not in r.query for r in fake.requests)


async def test_resource_exhausted_waits_retry_info_delay_then_succeeds(fake: FakeGoogle) -> None:
    sleep = RecordingSleep()
    fake.script(google_rate_limited("12s"))
    async with GoogleImages(sleep=sleep) as provider:
        images, _, _ = await provider.generate(
            ProviderCall(model="gemini-2.5-flash-image", prompt="p"), api_key=KEY, base_url=fake.base_url
        )
    assert len(images) == 1 and sleep.waits == [12.0]


async def test_list_models_follows_pages_and_filters(fake: FakeGoogle, provider: GoogleImages) -> None:
    models = await provider.list_models(api_key=KEY, base_url=fake.base_url)
    assert models == [
        "gemini-2.5-flash-image",
        "gemini-3-pro-image-preview",
        "gemini-3-pro-image",
        "gemini-3.1-flash-image-preview",
        "gemini-3.1-flash-image",
        "gemini-nano-banana-2.1",  # no "image" in its name: the catalogue's family pattern finds it
        "gemini-3.1-flash-lite-image",
        "imagen-4.0-ultra-generate-001",
        "imagen-4.0-fast-generate-001",
        "imagen-4.0-generate-001",
    ]
    assert [r.query.get("pageToken") for r in fake.requests] == [None, ["3"], ["6"], ["9"]]
    assert all(r.headers["x-goog-api-key"] == KEY and "key" not in r.query for r in fake.requests)


# ------------------------------------------------------------------ interim (thought) images, streamed
def gemini_call(model: str) -> ProviderCall:
    return ProviderCall(model=model, prompt="a lighthouse at dusk", spec=spec_for("google", model))


def test_gemini_3_models_think_in_two_interim_images_and_2_5_in_none() -> None:
    assert spec_for("google", "gemini-3-pro-image").partial_images == 2
    assert spec_for("google", "gemini-3.1-flash-image").partial_images == 2
    assert spec_for("google", "gemini-2.5-flash-image").partial_images == 0
    assert spec_for("google", "imagen-4.0-generate-001").partial_images == 0


async def test_shown_partials_stream_the_thought_image_and_only_the_final_is_returned(
    fake: FakeGoogle, provider: Any
) -> None:
    from quilltap_tui.imagegen import progress

    partials: list[bytes] = []
    with progress.listening_partials(partials.append):
        images, warnings, raw = await provider.generate(gemini_call("gemini-3-pro-image"), api_key=KEY,
                                                        base_url=fake.base_url)
    (request,) = fake.requests
    assert request.path == "/v1beta/models/gemini-3-pro-image:streamGenerateContent"
    assert request.query == {"alt": ["sse"]} and request.headers["x-goog-api-key"] == KEY
    assert request.json == google.build_request(gemini_call("gemini-3-pro-image"))[1]  # the same body
    unstreamed = fake.dispatch(replace_path(request, ":generateContent")).json
    parts = unstreamed["candidates"][0]["content"]["parts"]
    thought, final = (google.decode_b64(p["inlineData"]["data"], "Google") for p in (parts[0], parts[-1]))
    assert partials == [thought]  # the interim image reached the listener as sent
    assert [image.data for image in images] == [final] and warnings == []
    assert raw["candidates"][0]["finishReason"] == "STOP"


async def test_without_a_listener_or_on_a_model_that_does_not_think_nothing_streams(
    fake: FakeGoogle, provider: Any
) -> None:
    from quilltap_tui.imagegen import progress

    await provider.generate(gemini_call("gemini-3-pro-image"), api_key=KEY, base_url=fake.base_url)
    with progress.listening_partials(lambda data: None):
        await provider.generate(gemini_call("gemini-2.5-flash-image"), api_key=KEY, base_url=fake.base_url)
    assert [r.path.rpartition(":")[2] for r in fake.requests] == ["generateContent", "generateContent"]


async def test_a_streamed_refusal_is_the_same_sentence(fake: FakeGoogle, provider: Any) -> None:
    from quilltap_tui.imagegen import progress

    refused = ProviderCall(model="gemini-3-pro-image", prompt="[refuse] a fox",
                           spec=spec_for("google", "gemini-3-pro-image"))
    with progress.listening_partials(lambda data: None), pytest.raises(ContentRefused, match="IMAGE_SAFETY"):
        await provider.generate(refused, api_key=KEY, base_url=fake.base_url)


def replace_path(request: Any, method: str) -> Any:
    from dataclasses import replace

    return replace(request, path=request.path.replace(":streamGenerateContent", method), query={})
