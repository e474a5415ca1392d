"""xAI (Grok) image generation: ``POST {base}/images/generations``, OpenAI-like but not the same.

Wire rules (provider-wire.md 2.2): ``response_format`` defaults to ``url`` there, so ``b64_json`` is
always asked for; ``aspect_ratio``/``resolution``/``quality`` are sent only when the mapped call sets
them; ``size`` and ``style`` are never sent (400 "Argument not supported"). Errors are
``{"code", "error"}`` and a bad key is HTTP 400. Output is JPEG and is kept byte for byte.
"""

from __future__ import annotations

import base64
from functools import partial
from typing import Any

from quilltap_tui.errors import BadRequest
from quilltap_tui.imagegen.providers.common import HttpImageProvider, ImagePayload, list_of_dicts, scrub
from quilltap_tui.imagegen.providers.openai import count_warning, parse_model_ids
from quilltap_tui.imagegen.providers.openai import parse_response as parse_openai_like
from quilltap_tui.imagegen.spec import InputImage, ProviderCall, ProviderResult
from quilltap_tui.providers.grok import UNIT

PATH = "/images/generations"
EDIT_PATH = "/images/edits"
TITLE = UNIT.sentence_name  # the unit names the provider; pure parsers quote it


def build_request(call: ProviderCall) -> tuple[str, dict[str, Any]]:
    """The path and JSON body for one call. Pure: the call is already valid for the model."""
    body: dict[str, Any] = {
        "model": call.model,
        "prompt": call.prompt,
        "n": call.n,
        "response_format": "b64_json",
    }
    if call.aspect_ratio:
        body["aspect_ratio"] = call.aspect_ratio
    if call.resolution:
        body["resolution"] = call.resolution
    if call.quality:
        body["quality"] = call.quality
    if "user" in call.extras:
        body["user"] = call.extras["user"]
    return PATH, body


def build_edit_request(call: ProviderCall) -> tuple[str, dict[str, Any]]:
    """``POST /images/edits``: the generation body plus the references as data URLs. Pure.

    xAI takes JSON only (the OpenAI SDK's multipart ``images.edit`` does not work there): one reference
    as ``image``, several as ``images``, never both; each ``{"url": ..., "type": "image_url"}``
    (docs.x.ai image editing; xai-proto ``ImageUrlContent``; provider-wire.md 2.2).
    """
    assert call.inputs is not None
    _path, body = build_request(call)
    refs = [{"url": data_url(image), "type": "image_url"} for image in call.inputs.images]
    if len(refs) == 1:
        body["image"] = refs[0]
    else:
        body["images"] = refs
    return EDIT_PATH, body


def data_url(image: InputImage) -> str:
    """``data:<mime>;base64,<bytes>``: how a local image travels in a JSON body."""
    return f"data:{image.mime_type};base64,{base64.b64encode(image.data).decode()}"


def parse_response(body: dict[str, Any]) -> list[ImagePayload]:
    """Images from the OpenAI-like answer; ``data:`` prefixes are stripped while decoding."""
    return parse_openai_like(body, TITLE)


def parse_image_model_ids(body: dict[str, Any]) -> list[str]:
    """Ids from ``GET /image-generation-models`` (``{"models": [{"id": ...}]}``)."""
    return [item["id"] for item in list_of_dicts(body.get("models")) if isinstance(item.get("id"), str)]


class GrokImages(HttpImageProvider):
    """xAI's image API."""

    id = "grok"

    async def generate(
        self, call: ProviderCall, *, api_key: str | None, base_url: str
    ) -> ProviderResult:
        """Run one request and return (images, warnings, scrubbed body)."""
        path, body = build_edit_request(call) if call.inputs is not None else build_request(call)
        # The base64 of several references is big: json encoding happens in the client, once per attempt.
        answer = await self.request_json("POST", base_url.rstrip("/") + path, api_key=api_key, body=body)
        # A compatible server may ignore response_format and answer with links: images_from fetches them.
        # base64 decoding, off the loop
        images = await self.images_from(partial(parse_response, answer), limit=call.n, origin=base_url)
        return ProviderResult(images, count_warning(self.title, call.n, len(images)), scrub(answer))

    async def validate_key(self, *, api_key: str | None, base_url: str) -> None:
        """``GET /models``; a bad key comes back as 400 with "Incorrect API key" and maps to AuthError."""
        await self.request_json("GET", base_url.rstrip("/") + "/models", api_key=api_key)

    async def list_models(self, *, api_key: str | None, base_url: str) -> list[str]:
        """``GET /image-generation-models``, falling back to the filtered ``/models`` when it is absent."""
        root = base_url.rstrip("/")
        try:
            answer = await self.request_json("GET", root + "/image-generation-models", api_key=api_key)
        except BadRequest as exc:
            if exc.status not in (404, 405):
                raise
            answer = await self.request_json("GET", root + "/models", api_key=api_key)
            return parse_model_ids(answer, self.id)
        return parse_image_model_ids(answer)
