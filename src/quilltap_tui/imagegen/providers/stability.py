"""Stability AI Stable Image: ``POST {base}/v2beta/stable-image/generate/{ultra|core|sd3}`` as multipart.

Wire (platform.stability.ai API reference; provider-wire.md 1.2, 2.4): the body must be
``multipart/form-data`` even without a file (the official examples add an empty part named ``none``);
fields ``prompt``, ``negative_prompt``, ``aspect_ratio``, ``seed``, ``output_format``, ``style_preset``
(core), ``model`` and ``cfg_scale`` (sd3). With ``Accept: application/json`` the answer is ``{"image":
base64, "finish_reason": "SUCCESS"|"CONTENT_FILTERED", "seed"}``. One image per request. Errors are
``{"id", "name", "errors": [...]}``; moderation is 403 ``content_moderation``.

Edits (API reference: generate ``image`` + ``strength``, sd3 ``mode: image-to-image``; edit/inpaint
``image``, ``mask``): one reference image as the ``image`` file part on ultra and the sd3 models, and
``stable-image-inpaint`` (``POST /v2beta/stable-image/edit/inpaint``) with an optional mask.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import httpx2
from PIL import Image

from quilltap_tui.errors import ContentRefused, MalformedResponse, ProviderError
from quilltap_tui.imagegen.providers.common import HttpImageProvider, ImagePayload, decode_b64, scrub
from quilltap_tui.imagegen.spec import ProviderCall, ProviderResult
from quilltap_tui.net import json_body
from quilltap_tui.providers.stability import UNIT
from quilltap_tui.providers.status import ErrorFacts, error_from_facts, retry_after_seconds, retry_hint
from quilltap_tui.redaction import redact

TITLE = UNIT.sentence_name
# The model id names the endpoint: the two Stable Image services by name, the edit services by name, every
# SD3.x model through sd3.
SERVICES = {"stable-image-ultra": "generate/ultra", "stable-image-core": "generate/core",
            "stable-image-inpaint": "edit/inpaint"}
NAMES = {"guidance_scale": "cfg_scale", "denoising_strength": "strength"}
# image-to-image on sd3 needs a strength (how far from the reference, 0-1); this one when none is given.
DEFAULT_STRENGTH = 0.7
Files = list[tuple[str, tuple[str, bytes, str]]]


def build_request(call: ProviderCall) -> tuple[str, list[tuple[str, str]]]:
    """The path and the form fields (all text). Pure.

    An edit sends the reference as the ``image`` file (:func:`input_files`): on sd3 with ``mode:
    image-to-image`` and a ``strength``, on ultra with an optional ``strength``, on inpaint as is; an
    image-to-image request takes its aspect ratio from the reference, so none is sent.
    """
    service = SERVICES.get(call.model.lower(), "generate/sd3")
    fields = [("prompt", call.prompt)]
    if service == "generate/sd3":
        fields.append(("model", call.model))
        if call.inputs is not None:
            fields.append(("mode", "image-to-image"))
    aspect = call.aspect_ratio if call.inputs is None else None
    optional = {"negative_prompt": call.negative_prompt, "aspect_ratio": aspect, "seed": call.seed}
    fields += [(name, str(value)) for name, value in optional.items() if value is not None]
    fields += [(NAMES.get(key, key), str(value)) for key, value in call.extras.items()
               if key != "denoising_strength" or call.inputs is not None]
    if service == "generate/sd3" and call.inputs is not None and "denoising_strength" not in call.extras:
        fields.append(("strength", str(DEFAULT_STRENGTH)))
    return f"/v2beta/stable-image/{service}", fields


def input_files(call: ProviderCall) -> Files:
    """The multipart files: the reference as ``image`` and the mask as ``mask`` (an edit), else the empty
    part that makes the body multipart. Converts the mask, so run it off the event loop.

    Our mask marks with transparent pixels where the image may change (OpenAI's convention); Stability's is
    a black and white image whose white pixels are inpainted (API reference, edit/inpaint ``mask``).
    """
    if call.inputs is None:
        return [("none", ("", b"", "application/octet-stream"))]
    image = call.inputs.images[0]
    files: Files = [("image", (f"image.{image.extension}", image.data, image.mime_type))]
    if call.inputs.mask is not None:
        files.append(("mask", ("mask.png", stability_mask(call.inputs.mask.data), "image/png")))
    return files


def stability_mask(png: bytes) -> bytes:
    """White where the mask PNG is fully transparent (change here), black elsewhere (keep)."""
    with Image.open(io.BytesIO(png)) as source:
        alpha = source.convert("RGBA").getchannel("A")
    mask = alpha.point(lambda value: 255 if value == 0 else 0)
    buffer = io.BytesIO()
    mask.save(buffer, "PNG")
    return buffer.getvalue()


def parse_response(body: dict[str, Any]) -> tuple[list[ImagePayload], int | None]:
    """The image and its seed; a filtered answer is a refusal."""
    if body.get("finish_reason") == "CONTENT_FILTERED":
        raise ContentRefused(f"{TITLE}'s content filter removed the image (finish_reason CONTENT_FILTERED).",
                             provider=UNIT.id)
    if not body.get("image"):
        raise MalformedResponse(f"{TITLE} answered without any image.")
    seed = body.get("seed")
    return [ImagePayload(data=decode_b64(body.get("image"), TITLE))], \
        seed if isinstance(seed, int) and not isinstance(seed, bool) else None


def classify_stability(response: httpx2.Response, *, provider: str = TITLE,
                       secrets: Iterable[str | None] = ()) -> ProviderError:
    """``{"id", "name", "errors": [str, ...]}``; 403 ``content_moderation`` is a refusal."""
    body = json_body(response)
    body = body if isinstance(body, dict) else {}
    errors = [str(e) for e in body.get("errors") or [] if e] if isinstance(body.get("errors"), list) else []
    name = body.get("name") if isinstance(body.get("name"), str) else None
    message = "; ".join(errors) or str(body.get("message") or f"HTTP {response.status_code}")
    facts = ErrorFacts(status=response.status_code, message=redact(message, secrets), reason=name,
                       retry_after=retry_after_seconds(response.headers), retry_hint=retry_hint(response.headers),
                       refused=name == "content_moderation",
                       bad_key=response.status_code == 401)
    return error_from_facts(provider, facts, secrets=secrets)


class StabilityImages(HttpImageProvider):
    """Stability AI's Stable Image API."""

    id = "stability"

    def auth_headers(self, api_key: str | None) -> dict[str, str]:
        """The key, and ``Accept: application/json`` (the image comes back as base64 with its seed)."""
        return {**self.unit.auth_headers(api_key), "Accept": "application/json"}

    async def generate(self, call: ProviderCall, *, api_key: str | None, base_url: str) -> ProviderResult:
        path, fields = build_request(call)
        # Without a reference an empty file part makes httpx send multipart, as Stability requires.
        files = await asyncio.to_thread(input_files, call)
        answer = await self.request_multipart(base_url.rstrip("/") + path, api_key=api_key, fields=fields,
                                              files=files)
        payloads, seed = parse_response(answer)
        images = await self.images_from(lambda: payloads, limit=1, origin=base_url)
        return ProviderResult([replace(image, seed=seed) for image in images], [], scrub(answer))

    async def validate_key(self, *, api_key: str | None, base_url: str) -> None:
        """``GET /v1/user/account``: 401 for a bad key."""
        await self.request_json("GET", base_url.rstrip("/") + "/v1/user/account", api_key=api_key)

    async def list_models(self, *, api_key: str | None, base_url: str) -> list[str]:
        """Stable Image has no model list: ``models`` shows the catalogue's."""
        return []
