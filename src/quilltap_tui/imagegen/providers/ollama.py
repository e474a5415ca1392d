"""Ollama's experimental image models through its native ``POST /api/generate``.

Wire (langchain4j ``OllamaImageModel`` and its tests, 2026-05; docs.ollama.com; provider-facts-2026-12.md
rank 6): ``{"model", "prompt", "width", "height", "steps", "options": {"seed"}, "stream": false}`` answers
``{"model", "created_at", "image": "<base64 PNG>", "done": true}``; a text model answers ``response``
text and no ``image``. Width and height are at most 4096; one image per request. The profile's base URL
is Ollama's OpenAI one (``…:11434/v1``); this endpoint is at the server's root. No key. Errors are
``{"error": "..."}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx2

from quilltap_tui.errors import MalformedResponse, ProviderError
from quilltap_tui.imagegen.providers.common import HttpImageProvider, ImagePayload, decode_b64, scrub
from quilltap_tui.imagegen.spec import ProviderCall, ProviderResult
from quilltap_tui.net import json_body
from quilltap_tui.providers.ollama import UNIT
from quilltap_tui.providers.status import ErrorFacts, error_from_facts
from quilltap_tui.redaction import redact

TITLE = UNIT.sentence_name


def root_of(base_url: str) -> str:
    """The server root: the OpenAI base ``http://host:11434/v1`` without its ``/v1``."""
    base = base_url.rstrip("/")
    return base[: -len("/v1")] if base.endswith("/v1") else base


def build_request(call: ProviderCall) -> tuple[str, dict[str, Any]]:
    """``/api/generate`` and its body (the seed is a model option there). Pure."""
    body: dict[str, Any] = {"model": call.model, "prompt": call.prompt, "stream": False}
    if call.size:
        width, height = (int(x) for x in call.size.split("x"))
        body.update(width=width, height=height)
    if "steps" in call.extras:
        body["steps"] = call.extras["steps"]
    if call.seed is not None:
        body["options"] = {"seed": call.seed}
    return "/api/generate", body


def parse_response(body: dict[str, Any]) -> list[ImagePayload]:
    """The one image; a text model's answer says what it wrote instead."""
    if body.get("image"):
        return [ImagePayload(data=decode_b64(body["image"], TITLE))]
    text = body.get("response")
    said = f" It wrote: {' '.join(text.split())[:200]}" if isinstance(text, str) and text.strip() else ""
    raise MalformedResponse(f"{TITLE} answered without any image (is {body.get('model', 'the model')} an image "
                            f"model?).{said}")


def classify_ollama(response: httpx2.Response, *, provider: str = TITLE,
                    secrets: Iterable[str | None] = ()) -> ProviderError:
    """``{"error": "model \\"x\\" not found, try pulling it first"}`` and the like."""
    body = json_body(response)
    err = body.get("error") if isinstance(body, dict) else None
    message = err.get("message") if isinstance(err, dict) else err
    facts = ErrorFacts(status=response.status_code,
                       message=redact(str(message) if message else f"HTTP {response.status_code}", secrets))
    return error_from_facts(provider, facts, secrets=secrets)


class OllamaImages(HttpImageProvider):
    """A local Ollama server's image models."""

    id = "ollama"

    async def generate(self, call: ProviderCall, *, api_key: str | None, base_url: str) -> ProviderResult:
        """One ``/api/generate`` call (one image)."""
        path, body = build_request(call)
        answer = await self.request_json("POST", root_of(base_url) + path, api_key=api_key, body=body)
        images = await self.images_from(lambda: parse_response(answer), limit=1, origin=base_url)
        return ProviderResult(list(images), [], scrub(answer))

    async def validate_key(self, *, api_key: str | None, base_url: str) -> None:
        """``GET /api/version``: Ollama takes no key; this says the server is there."""
        await self.request_json("GET", root_of(base_url) + "/api/version", api_key=api_key)

    async def list_models(self, *, api_key: str | None, base_url: str) -> list[str]:
        """Ollama's tag list does not say which models make images: ``models`` shows the catalogue's."""
        return []
