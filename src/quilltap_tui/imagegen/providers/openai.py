"""OpenAI Images API (``POST {base}/images/generations``) and servers compatible with it.

Wire rules (provider-wire.md 2.1): always send ``model`` (the API default, dall-e-2, is shut down);
``response_format`` only when the model's spec asks for it (dall-e and generic servers; GPT-image answers
400 ``unknown_parameter``). Everything else comes from the planned call, which the planner has already
limited to what the model takes: ``style`` only where the spec has styles, extras (``output_format``,
``background``, ``complexity``, ``steps``, ...) only where the spec lists them, and ``seed`` and
``negative_prompt`` only for models that take them (generic compatible servers), as snake_case fields.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from quilltap_tui.errors import MalformedResponse
from quilltap_tui.imagegen.capabilities import is_image_model
from quilltap_tui.imagegen.providers import openai_stream
from quilltap_tui.imagegen.providers.common import (
    HttpImageProvider,
    ImagePayload,
    decode_b64,
    list_of_dicts,
    scrub,
)
from quilltap_tui.imagegen.spec import ProviderCall, ProviderResult
from quilltap_tui.providers.openai import UNIT

PATH = "/images/generations"
EDIT_PATH = "/images/edits"
# Body fields /images/generations takes that /images/edits does not (openai-python image_edit_params.py
# @01a7709e has no style and no moderation): left out of an edit, with a warning.
NOT_IN_EDITS = ("style", "moderation")
TITLE = UNIT.sentence_name  # the unit names the provider; pure parsers quote it


def build_request(call: ProviderCall) -> tuple[str, dict[str, Any]]:
    """The path and JSON body for one call. Pure: the call is already valid for the model."""
    body: dict[str, Any] = {"model": call.model, "prompt": call.prompt, "n": call.n}
    optional = {"size": call.size, "quality": call.quality, "style": call.style,
                "negative_prompt": call.negative_prompt, "seed": call.seed}
    body.update({name: value for name, value in optional.items() if value is not None})
    if call.spec is not None and call.spec.response_format:
        # dall-e and many compatible servers default to short-lived links; ask for the bytes inline.
        body["response_format"] = call.spec.response_format
    # The planner kept only the extras this model takes; each is a body field of the same name.
    body.update(call.extras)
    return PATH, body


def build_edit_request(call: ProviderCall) -> tuple[str, list[tuple[str, str]], list[tuple[str, Any]], list[str]]:
    """``POST /images/edits`` as multipart: (path, form fields, file parts, warnings). Pure.

    The wire is openai-python's ``images.edit``: every option is a form field, the reference images
    are repeated ``image[]`` file parts (``extract_files`` with the ``brackets`` array format), and
    ``mask`` / ``markup`` are single PNG file parts.
    """
    assert call.inputs is not None
    _path, body = build_request(call)
    warnings = [f"{name} is not sent with an edit (the edits endpoint does not take it)."
                for name in NOT_IN_EDITS if name in body]
    fields = [(name, _form_value(value)) for name, value in body.items() if name not in NOT_IN_EDITS]
    files: list[tuple[str, Any]] = [
        ("image[]", (image.name, image.data, image.mime_type)) for image in call.inputs.images
    ]
    for part, image in (("mask", call.inputs.mask), ("markup", call.inputs.markup)):
        if image is not None:
            files.append((part, (image.name, image.data, image.mime_type)))
    return EDIT_PATH, fields, files, warnings


def _form_value(value: Any) -> str:
    """A form field's text: numbers as digits, booleans as JSON words, the rest as JSON or as is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def parse_response(body: dict[str, Any], provider: str = TITLE) -> list[ImagePayload]:
    """The images in an ``ImagesResponse``: inline base64 or a link to fetch, with revised prompts."""
    payloads = []
    for item in list_of_dicts(body.get("data")):
        revised = item.get("revised_prompt") if isinstance(item.get("revised_prompt"), str) else None
        if item.get("b64_json") is not None:
            payloads.append(ImagePayload(data=decode_b64(item["b64_json"], provider), revised_prompt=revised))
        elif isinstance(item.get("url"), str):
            payloads.append(ImagePayload(url=item["url"], revised_prompt=revised))
        else:
            raise MalformedResponse(f"{provider} returned an image entry with neither b64_json nor url.")
    if not payloads:
        raise MalformedResponse(f"{provider} answered without any image.")
    return payloads


def parse_model_ids(body: dict[str, Any], provider_id: str = "openai") -> list[str]:
    """Image model ids from a ``GET /models`` list (``{"data": [{"id": ...}]}``)."""
    ids = [item["id"] for item in list_of_dicts(body.get("data")) if isinstance(item.get("id"), str)]
    return [model for model in ids if is_image_model(provider_id, model)]


def count_warning(provider: str, asked: int, got: int) -> list[str]:
    """A warning when a provider delivered fewer images than one request asked for."""
    return [f"{provider} returned {got} of the {asked} images asked for."] if got < asked else []


class OpenAIImages(HttpImageProvider):
    """OpenAI's Images API; also any OpenAI-compatible image server (pass its ``base_url``)."""

    id = "openai"

    async def generate(
        self, call: ProviderCall, *, api_key: str | None, base_url: str
    ) -> ProviderResult:
        """Run one ``images/generations`` (or, with inputs, ``images/edits``) request."""
        warnings: list[str] = []
        if call.inputs is not None:
            path, fields, files, warnings = build_edit_request(call)
            if partials := openai_stream.wants_stream(call):  # an edit streams as multipart (images.edit)
                form = ([*fields, ("stream", "true"), ("partial_images", str(partials))], files)
                final, answer = await openai_stream.stream_final(self, base_url.rstrip("/") + path,
                                                                 api_key=api_key, form=form)
                images = await self.materialize([final], limit=1)
                return ProviderResult(images, warnings, answer)
            answer = await self.request_multipart(base_url.rstrip("/") + path, api_key=api_key,
                                                  fields=fields, files=files)
        elif partials := openai_stream.wants_stream(call):
            # Someone shows partial images (the TUI's preview): stream them; only the final is returned.
            path, body = build_request(call)
            final, answer = await openai_stream.stream_final(
                self, base_url.rstrip("/") + path, {**body, "stream": True, "partial_images": partials},
                api_key=api_key)
            images = await self.materialize([final], limit=1)
            return ProviderResult(images, count_warning(self.title, call.n, len(images)), answer)
        else:
            path, body = build_request(call)
            answer = await self.request_json("POST", base_url.rstrip("/") + path, api_key=api_key, body=body)
        # Decodes base64 off the loop; at most call.n images; links only from our origin or public hosts.
        images = await self.images_from(partial(parse_response, answer, self.title), limit=call.n, origin=base_url)
        return ProviderResult(images, [*warnings, *count_warning(self.title, call.n, len(images))], scrub(answer))

    async def validate_key(self, *, api_key: str | None, base_url: str) -> None:
        """``GET /models``: cheap, and refused with 401 ``invalid_api_key`` when the key is bad."""
        await self.request_json("GET", base_url.rstrip("/") + "/models", api_key=api_key)

    async def list_models(self, *, api_key: str | None, base_url: str) -> list[str]:
        """The image models among ``GET /models``."""
        answer = await self.request_json("GET", base_url.rstrip("/") + "/models", api_key=api_key)
        return parse_model_ids(answer, self.id)
