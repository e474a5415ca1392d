"""OpenRouter images: its Images API (``POST {base}/images``), and chat completions for chat-only models.

Wire rules (OpenRouter typescript-sdk ``src/models/imagegenerationrequest.ts`` and
``imagegenerationresponse.ts``; openrouter.ai/docs/features/multimodal/image-generation):

* ``POST /images`` takes ``model``, ``prompt``, ``n``, ``aspect_ratio``, ``resolution`` (512/1K/2K/4K),
  ``quality``, ``seed``, ``output_format``, ``background``, ``output_compression`` and, for edits,
  ``input_references: [{"type": "image_url", "image_url": {"url": data URL}}]``; it answers
  ``{"created", "data": [{"b64_json"}], "usage"}``. It is not OpenAI's ``/images/generations``.
* A model that only makes images inside a chat answer (its catalogue ``api`` is ``openrouter-chat``) goes
  to ``POST /chat/completions`` with ``modalities: ["image", "text"]`` and ``image_config`` (aspect ratio,
  ``image_size``); the images come back as data URLs in ``choices[0].message.images[].image_url.url``.
* Errors are ``{"error": {"code": <number>, "message", "metadata"}}``; moderation is 403 with
  ``metadata.reasons`` / ``flagged_input``, no credits is 402.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

import httpx2

from quilltap_tui.errors import MalformedResponse, ProviderError
from quilltap_tui.imagegen.providers.common import (
    HttpImageProvider,
    ImagePayload,
    decode_b64,
    list_of_dicts,
    scrub,
)
from quilltap_tui.imagegen.providers.grok import data_url
from quilltap_tui.imagegen.providers.openai import count_warning
from quilltap_tui.imagegen.spec import ProviderCall, ProviderResult
from quilltap_tui.net import json_body
from quilltap_tui.providers.openrouter import UNIT
from quilltap_tui.providers.status import ErrorFacts, error_from_facts, retry_after_seconds, retry_hint
from quilltap_tui.redaction import redact

IMAGES_PATH = "/images"
CHAT_PATH = "/chat/completions"
CHAT_API = "openrouter-chat"  # the catalogue's api for models that only offer images through chat
TITLE = UNIT.sentence_name


def build_request(call: ProviderCall) -> tuple[str, dict[str, Any]]:
    """The path and JSON body for one call, on the route the model's spec names. Pure."""
    if call.spec is not None and call.spec.api == CHAT_API:
        return build_chat_request(call)
    body: dict[str, Any] = {"model": call.model, "prompt": call.prompt, "n": call.n}
    optional = {"aspect_ratio": call.aspect_ratio, "resolution": call.resolution, "quality": call.quality,
                "size": call.size, "seed": call.seed}
    body.update({name: value for name, value in optional.items() if value is not None})
    body.update(call.extras)  # output_format, background, output_compression: same names on the wire
    if call.inputs is not None:
        body["input_references"] = [_image_part(image) for image in call.inputs.images]
    return IMAGES_PATH, body


def build_chat_request(call: ProviderCall) -> tuple[str, dict[str, Any]]:
    """``POST /chat/completions`` asking for image output: one user message, the references beside it."""
    content: str | list[dict[str, Any]] = call.prompt
    if call.inputs is not None:
        content = [{"type": "text", "text": call.prompt}, *(_image_part(i) for i in call.inputs.images)]
    body: dict[str, Any] = {"model": call.model, "messages": [{"role": "user", "content": content}],
                            "modalities": ["image", "text"]}
    config = {"aspect_ratio": call.aspect_ratio, "image_size": call.resolution}
    if any(value is not None for value in config.values()):
        body["image_config"] = {name: value for name, value in config.items() if value is not None}
    if call.seed is not None:
        body["seed"] = call.seed
    return CHAT_PATH, body


def _image_part(image: Any) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": data_url(image)}}


def parse_response(body: dict[str, Any]) -> list[ImagePayload]:
    """Images from either answer: ``data[].b64_json`` (Images API) or ``message.images`` (chat)."""
    if "choices" in body:
        return parse_chat_response(body)
    payloads = [ImagePayload(data=decode_b64(item.get("b64_json"), TITLE)) for item in list_of_dicts(body.get("data"))]
    if not payloads:
        raise MalformedResponse(f"{TITLE} answered without any image.")
    return payloads


def parse_chat_response(body: dict[str, Any]) -> list[ImagePayload]:
    """The data URLs of ``choices[0].message.images``; the text beside them is the revised prompt."""
    choices = list_of_dicts(body.get("choices"))
    message = choices[0].get("message") if choices else None
    message = message if isinstance(message, dict) else {}
    text = message.get("content") if isinstance(message.get("content"), str) else None
    payloads = []
    for item in list_of_dicts(message.get("images")):
        ref = item.get("image_url")
        url = ref.get("url") if isinstance(ref, dict) else None
        if not isinstance(url, str):
            raise MalformedResponse(f"{TITLE} returned an image entry without an image_url.")
        if url.startswith("data:"):
            payloads.append(ImagePayload(data=decode_b64(url, TITLE), revised_prompt=text or None))
        else:
            payloads.append(ImagePayload(url=url, revised_prompt=text or None))
    if not payloads:
        said = f" It said: {' '.join(text.split())[:200]}" if text else ""
        raise MalformedResponse(f"{TITLE} answered without any image.{said}")
    return payloads


def parse_model_ids(images: dict[str, Any], chat: dict[str, Any]) -> list[str]:
    """Ids from ``GET /images/models`` plus the chat models whose output modalities include images."""
    ids = [item["id"] for item in list_of_dicts(images.get("data")) if isinstance(item.get("id"), str)]
    for item in list_of_dicts(chat.get("data")):
        arch = item.get("architecture")
        outputs = arch.get("output_modalities") if isinstance(arch, dict) else None
        if isinstance(item.get("id"), str) and isinstance(outputs, list) and "image" in outputs:
            ids.append(item["id"])
    return list(dict.fromkeys(ids))


def classify_openrouter(response: httpx2.Response, *, provider: str = TITLE,
                        secrets: Iterable[str | None] = ()) -> ProviderError:
    """Classify ``{"error": {"code": int, "message", "metadata"}}``: 403 with reasons is moderation."""
    body = json_body(response)
    err = body.get("error") if isinstance(body, dict) else None
    err = err if isinstance(err, dict) else {"message": err} if isinstance(err, str) else {}
    found = err.get("metadata")
    meta: dict[str, Any] = found if isinstance(found, dict) else {}
    raw = err.get("message")
    message = redact(raw if isinstance(raw, str) and raw else f"HTTP {response.status_code}", secrets)
    reasons = meta.get("reasons")
    if isinstance(reasons, list) and reasons:
        message = f"{message.rstrip('. ')} ({', '.join(str(r) for r in reasons[:3])})"
    facts = ErrorFacts(
        status=response.status_code,
        message=message,
        retry_after=retry_after_seconds(response.headers),
        retry_hint=retry_hint(response.headers),
        refused=response.status_code == 403 and ("reasons" in meta or "flagged_input" in meta),
        quota=response.status_code == 402,
    )
    return error_from_facts(provider, facts, secrets=secrets)


class OpenRouterImages(HttpImageProvider):
    """OpenRouter's Images API, and chat completions with image output for chat-only models."""

    id = "openrouter"

    def auth_headers(self, api_key: str | None) -> dict[str, str]:
        """The key plus the app-identifying headers the chat side sends too (never the user's)."""
        extra = dict(self.unit.chat.default_headers) if self.unit.chat is not None else {}
        return {**extra, **self.unit.auth_headers(api_key)}

    async def generate(self, call: ProviderCall, *, api_key: str | None, base_url: str) -> ProviderResult:
        """Run one request on the model's route and return (images, warnings, scrubbed body)."""
        path, body = build_request(call)
        answer = await self.request_json("POST", base_url.rstrip("/") + path, api_key=api_key, body=body)
        images = await self.images_from(partial(parse_response, answer), limit=call.n, origin=base_url)
        return ProviderResult(images, count_warning(self.title, call.n, len(images)), scrub(answer))

    async def validate_key(self, *, api_key: str | None, base_url: str) -> None:
        """``GET /key``: the model lists need no key, this call does."""
        await self.request_json("GET", base_url.rstrip("/") + "/key", api_key=api_key)

    async def list_models(self, *, api_key: str | None, base_url: str) -> list[str]:
        """``GET /images/models`` and the image-output chat models of ``GET /models?output_modalities=image``."""
        root = base_url.rstrip("/")
        images = await self.request_json("GET", root + "/images/models", api_key=api_key)
        chat = await self.request_json("GET", root + "/models", api_key=api_key,
                                       params={"output_modalities": "image"})
        return parse_model_ids(images, chat)
