"""Google image generation: Gemini image models via ``generateContent``, Imagen via ``predict``.

The key travels only in the ``x-goog-api-key`` header, never as ``?key=`` (URLs end up in logs).

``responseModalities`` is ``["TEXT", "IMAGE"]``: Google's image-generation examples use it, every Gemini
image model accepts it (the early ones refused ``["IMAGE"]`` alone), and the text part is where the model
explains itself when it returns no image -- we quote it in that error. Text is otherwise kept only in
``raw``; it is not a revised prompt.

Interim images: Gemini 3 image models think in up to two interim images before the final one, returned
as parts with ``"thought": true`` (Gemini API image-generation docs, "Thinking process"; provider-wire.md
2.3). When the TUI shows partial images, the request goes to ``:streamGenerateContent?alt=sse`` and each
thought image is shown as it arrives; only the final (non-thought) image is returned and saved.

Edits are one user turn: the instruction and the references as ``inlineData`` parts. No model turn is
replayed, so there is no ``thoughtSignature`` to send back; Gemini 3 Pro Image does not require one even
when a turn is replayed (Vertex AI docs "Thought signatures": it "does not enforce this validation").
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any
from urllib.parse import quote

from quilltap_tui.errors import ContentRefused, MalformedResponse
from quilltap_tui.imagegen import progress
from quilltap_tui.imagegen.capabilities import is_image_model
from quilltap_tui.imagegen.providers.common import (
    HttpImageProvider,
    ImagePayload,
    decode_b64,
    list_of_dicts,
    scrub,
    short,
)
from quilltap_tui.imagegen.providers.streaming import stream_events
from quilltap_tui.imagegen.spec import InputImage, ProviderCall, ProviderResult
from quilltap_tui.providers.google import UNIT

TITLE = UNIT.sentence_name  # the unit names the provider; pure parsers quote it
IMAGEN_API = "imagen-predict"
# finishReason values that mean a safety or policy filter stopped the image (FinishReason enum).
REFUSAL_REASONS = frozenset({
    "SAFETY", "IMAGE_SAFETY", "PROHIBITED_CONTENT", "IMAGE_PROHIBITED_CONTENT", "BLOCKLIST", "SPII",
    "RECITATION", "IMAGE_RECITATION",
})
# Imagen extras: our snake_case name -> (wire name, whether the wire value is an upper-case enum).
IMAGEN_EXTRAS = {
    "guidance_scale": ("guidanceScale", False),
    "person_generation": ("personGeneration", True),
    "safety_filter_level": ("safetySetting", True),
    "language": ("language", False),
}
MAX_MODEL_PAGES = 20  # nextPageToken is followed at most this often; a real list fits in one page


def model_path(model: str, method: str) -> str:
    """``/models/{model}:{method}``; a ``models/`` prefix from a live list is accepted."""
    name = model.removeprefix("models/")
    return f"/models/{quote(name, safe='-._~')}:{method}"


def build_request(call: ProviderCall) -> tuple[str, dict[str, Any]]:
    """Path and JSON body for one call: ``generateContent`` or, for Imagen models, ``predict``."""
    if call.spec is not None and call.spec.api == IMAGEN_API:
        return build_predict(call)
    image_config: dict[str, Any] = {}
    if call.aspect_ratio:
        image_config["aspectRatio"] = call.aspect_ratio
    if call.resolution:
        image_config["imageSize"] = call.resolution
    config: dict[str, Any] = {"responseModalities": ["TEXT", "IMAGE"]}
    if image_config:
        config["imageConfig"] = image_config
    parts: list[dict[str, Any]] = [{"text": call.prompt}]
    if call.inputs is not None:
        # Editing is generateContent with the references as inlineData parts after the instruction
        # (python-genai types.Part(inline_data=Blob(mime_type, data)) serialises to this).
        parts.extend(inline_part(image) for image in call.inputs.images)
    body = {"contents": [{"role": "user", "parts": parts}], "generationConfig": config}
    return model_path(call.model, "generateContent"), body


def inline_part(image: InputImage) -> dict[str, Any]:
    """One ``inlineData`` part: the image's bytes as base64 with their MIME type."""
    return {"inlineData": {"mimeType": image.mime_type, "data": base64.b64encode(image.data).decode()}}


def build_predict(call: ProviderCall) -> tuple[str, dict[str, Any]]:
    """Imagen ``predict``: ``includeRaiReason`` so filtered images say why instead of vanishing."""
    parameters: dict[str, Any] = {"sampleCount": call.n, "includeRaiReason": True}
    if call.aspect_ratio:
        parameters["aspectRatio"] = call.aspect_ratio
    if call.resolution:
        parameters["sampleImageSize"] = call.resolution
    for name, (wire, upper) in IMAGEN_EXTRAS.items():
        if name in call.extras:
            value = call.extras[name]
            parameters[wire] = value.upper() if upper and isinstance(value, str) else value
    body = {"instances": [{"prompt": call.prompt}], "parameters": parameters}
    return model_path(call.model, "predict"), body


def parse_generate_content(body: dict[str, Any]) -> list[ImagePayload]:
    """Final images of a ``generateContent`` answer, skipping interim ``thought`` images."""
    candidates = list_of_dicts(body.get("candidates"))
    feedback = _dict(body.get("promptFeedback"))
    if not candidates:
        reason = feedback.get("blockReason")
        if reason:
            detail = feedback.get("blockReasonMessage")
            extra = f": {short(detail)}" if isinstance(detail, str) and detail else ""
            raise ContentRefused(f"{TITLE} blocked the prompt ({reason}){extra}.", provider="google")
        raise MalformedResponse(f"{TITLE} answered without any candidate.", provider="google")
    candidate = candidates[0]
    content = _dict(candidate.get("content"))
    parts = list_of_dicts(content.get("parts"))
    inline = [p for p in parts if isinstance(p.get("inlineData"), dict)]
    chosen = [p for p in inline if p.get("thought") is not True] or inline[-1:]
    if not chosen:
        raise _no_image_error(candidate, parts)
    return [ImagePayload(data=decode_b64(p["inlineData"].get("data"), TITLE)) for p in chosen]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _no_image_error(candidate: dict[str, Any], parts: list[dict[str, Any]]) -> Exception:
    reason = str(candidate.get("finishReason") or "STOP")
    said = " ".join(p["text"] for p in parts if isinstance(p.get("text"), str) and not p.get("thought"))
    note = candidate.get("finishMessage") if isinstance(candidate.get("finishMessage"), str) else said
    extra = f": {short(note).rstrip('. ')}" if note else ""
    if reason in REFUSAL_REASONS:
        return ContentRefused(f"{TITLE} refused to make the image ({reason}){extra}.", provider="google")
    return MalformedResponse(f"{TITLE} answered without an image ({reason}){extra}.", provider="google")


def parse_predict(body: dict[str, Any]) -> tuple[list[ImagePayload], list[str]]:
    """Imagen images plus one warning per image its safety filter removed; none left is a refusal."""
    payloads: list[ImagePayload] = []
    reasons: list[str] = []
    for prediction in list_of_dicts(body.get("predictions")):
        if prediction.get("bytesBase64Encoded"):
            payloads.append(ImagePayload(data=decode_b64(prediction["bytesBase64Encoded"], TITLE)))
        elif prediction.get("raiFilteredReason"):
            reasons.append(short(str(prediction["raiFilteredReason"])))
    if not payloads:
        why = f": {reasons[0]}" if reasons else " (it gave no reason)"
        raise ContentRefused(f"{TITLE}'s safety filter removed every image{why}.", provider="google")
    warnings = [f"{TITLE}'s safety filter removed one image: {reason}" for reason in reasons]
    return payloads, warnings


def parse_model_list(body: dict[str, Any]) -> tuple[list[str], str | None]:
    """(image model ids, next page token) from ``GET /models``."""
    ids = []
    for model in list_of_dicts(body.get("models")):
        name = str(model.get("name", "")).removeprefix("models/")
        methods = model.get("supportedGenerationMethods") or []
        # The catalogue's family patterns decide what is an image model (gemini-nano-banana-2.1 has no
        # "image" in its name); the methods say how it is called.
        if ("generateContent" in methods or "predict" in methods) and is_image_model("google", name):
            ids.append(name)
    token = body.get("nextPageToken")
    return ids, token if isinstance(token, str) and token else None


def wants_stream(call: ProviderCall) -> bool:
    """Stream when someone shows partial images and the model sends interim (thought) images."""
    return (call.spec is not None and call.spec.api != IMAGEN_API and call.spec.partial_images > 0
            and progress.partials_wanted())


async def stream_content(provider: HttpImageProvider, url: str, body: dict[str, Any],
                         api_key: str | None) -> dict[str, Any]:
    """``:streamGenerateContent?alt=sse``: each chunk is a ``GenerateContentResponse``; thought images go to
    :func:`progress.report_partial` as they come, and the chunks are merged into one answer for
    :func:`parse_generate_content` (which takes the final, non-thought image)."""
    parts: list[dict[str, Any]] = []
    merged: dict[str, Any] = {}
    async for event in stream_events(provider, url, api_key=api_key, body=body):
        chunk = event.json(provider.id)
        if not isinstance(chunk, dict):
            continue
        if isinstance(chunk.get("promptFeedback"), dict):
            merged["promptFeedback"] = chunk["promptFeedback"]
        for candidate in list_of_dicts(chunk.get("candidates"))[:1]:
            for part in list_of_dicts(_dict(candidate.get("content")).get("parts")):
                parts.append(part)
                if part.get("thought") is True and isinstance(part.get("inlineData"), dict):
                    interim = await asyncio.to_thread(decode_b64, part["inlineData"].get("data"), TITLE)
                    progress.report_partial(interim)
            ending = {key: candidate[key] for key in ("finishReason", "finishMessage") if key in candidate}
            merged["candidates"] = [{**(merged.get("candidates") or [{}])[0], **ending}]
    if "candidates" in merged or parts:
        first = (merged.get("candidates") or [{}])[0]
        merged["candidates"] = [{**first, "content": {"role": "model", "parts": parts}}]
    return merged


class GoogleImages(HttpImageProvider):
    """Gemini API image generation (Gemini image models and, while they last, Imagen)."""

    id = "google"

    async def generate(
        self, call: ProviderCall, *, api_key: str | None, base_url: str
    ) -> ProviderResult:
        """Run one request and return (images, warnings, scrubbed body)."""
        path, body = build_request(call)
        if wants_stream(call):
            # Gemini 3 image models think in interim images: streamed, they sharpen the TUI's preview.
            url = base_url.rstrip("/") + path.replace(":generateContent", ":streamGenerateContent") + "?alt=sse"
            answer = await stream_content(self, url, body, api_key)
        else:
            answer = await self.request_json("POST", base_url.rstrip("/") + path, api_key=api_key, body=body)
        # Parsing decodes base64, which images_from keeps off the event loop.
        warnings: list[str] = []

        def parse() -> list[ImagePayload]:
            if not path.endswith(":predict"):
                return parse_generate_content(answer)
            payloads, found = parse_predict(answer)
            warnings.extend(found)
            return payloads

        return ProviderResult(await self.images_from(parse, limit=call.n, origin=base_url), warnings, scrub(answer))

    async def validate_key(self, *, api_key: str | None, base_url: str) -> None:
        """One page of ``GET /models``; a bad key is 400 ``API_KEY_INVALID`` and maps to AuthError."""
        await self.request_json("GET", base_url.rstrip("/") + "/models", api_key=api_key,
                                params={"pageSize": "1"})

    async def list_models(self, *, api_key: str | None, base_url: str) -> list[str]:
        """Every image model of ``GET /models``, following ``nextPageToken`` (bounded)."""
        url = base_url.rstrip("/") + "/models"
        params = {"pageSize": "1000"}
        found: list[str] = []
        for _ in range(MAX_MODEL_PAGES):
            ids, token = parse_model_list(await self.request_json("GET", url, api_key=api_key, params=params))
            found.extend(i for i in ids if i not in found)
            if token is None:
                break
            params = {"pageSize": "1000", "pageToken": token}
        return found
