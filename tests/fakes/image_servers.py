"""Loopback fakes of the image APIs (OpenAI Images, xAI, Google Gemini/Imagen), stdlib + Pillow only.

Each fake follows the real API's shapes and failure modes from provider-wire.md (sections 1.2, 2 and 5):
error bodies, parameter rejections, bad-key answers, URL vs base64 output. Images are real PNG (JPEG
for xAI) made by Pillow at the requested size; a side longer than :data:`MAX_SIDE` is scaled down
(keeping the ratio) so a 4K request stays fast -- the only place a fake differs from the real size.

Prompt triggers (usable from an end-to-end test with no scripting):
``[refuse]`` content refusal in the provider's own shape; ``[not-image]`` base64 of bytes that are not an
image; Google also ``[block]`` (promptFeedback.blockReason), ``[no-image]`` (finishReason NO_IMAGE),
``[text-only]`` (text part, no image), ``[filter-one]`` (Imagen: first prediction filtered),
``[empty]`` (Imagen: ``{}``).

Standalone: ``python -m tests.fakes.image_servers --kind openai --port-file F [--port N] [--key K]``
prints the base URL and serves until interrupted; ``--no-key`` accepts any key.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import math
import os
import re
import signal
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

from PIL import Image

from tests.fakes.server import FakeServer, Recorded, Reply

MAX_SIDE = 4096
NOT_AN_IMAGE = b"<html><body>definitely not an image</body></html>"
TEST_KEYS = {
    "openai": "sk-test-openai-0123456789abcdef",
    "grok": "xai-test-0123456789abcdef",
    "google": "AIzaTestKey0123456789abcdefghijkl",
}


def make_image(width: int, height: int, fmt: str = "PNG", seed: str = "") -> bytes:
    """A real image of about ``width``x``height`` (longest side capped at MAX_SIDE), colour from ``seed``."""
    scale = min(1.0, MAX_SIDE / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    colour = tuple(hashlib.sha256(seed.encode()).digest()[:3])
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt, **({"compress_level": 1} if fmt == "PNG" else {}))
    return buffer.getvalue()


def make_svg(width: int, height: int) -> bytes:
    """A small SVG document of the given size, as gpt-image-2.6 returns for ``output_format=svg``."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}"><rect width="100%" height="100%" fill="#c33"/>'
            "</svg>\n").encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def dims_for_ratio(ratio: str, long_pixels: float) -> tuple[int, int]:
    """Width and height for an ``A:B`` ratio at about ``long_pixels`` squared pixels, multiples of 16."""
    a, b = (float(x) for x in ratio.split(":"))
    width = math.sqrt(long_pixels * long_pixels * a / b)
    height = width * b / a
    return max(16, round(width / 16) * 16), max(16, round(height / 16) * 16)


def _key_mask(key: str) -> str:
    return f"{key[:3]}{'*' * 8}{key[-4:]}" if len(key) > 8 else "***"


# --------------------------------------------------------------------------------------------- OpenAI
def openai_error(
    status: int,
    message: str,
    type_: str = "invalid_request_error",
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """An error in OpenAI's shape ``{"error": {message, type, param, code}}``."""
    body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
    return Reply(status, body, headers=headers or {})


GPT_SIZES = ("1024x1024", "1536x1024", "1024x1536", "auto")
DALLE_SIZES = {"dall-e-3": ("1024x1024", "1792x1024", "1024x1792"), "dall-e-2": ("256x256", "512x512", "1024x1024")}
# What the fake serves: today's models and, since compatible servers still serve them, the retired ones.
OPENAI_MODELS = (
    "gpt-image-2.6-sunburst", "gpt-image-2.6-flare", "gpt-image-2.5-sunburst", "gpt-image-2.5-sunburst-2026-09-08",
    "gpt-image-2.5-flare", "gpt-image-2.5-flare-2026-09-08", "gpt-image-2", "gpt-image-2-2026-04-21",
    "gpt-image-1.5", "gpt-image-1.5-2025-12-16", "gpt-image-1", "gpt-image-1-mini", "chatgpt-image-latest",
    "dall-e-3", "dall-e-2",
)


class FakeOpenAIImages(FakeServer):
    """OpenAI Images API: ``POST /v1/images/generations``, ``POST /v1/images/edits``, ``GET /v1/models``."""

    prefix = "/v1"
    routes: ClassVar = (("POST", "/images/generations", "generate"), ("POST", "/images/edits", "edit"),
                        ("GET", "/models", "list_models"))

    def __init__(
        self, *, api_key: str | None = TEST_KEYS["openai"], models: tuple[str, ...] = OPENAI_MODELS, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.api_key = api_key
        self.served = models
        self.edit_inputs: list[list[tuple[str, int, int]]] = []

    def edit(self, request: Recorded, match: re.Match[str]) -> Reply:
        from tests.fakes.image_edits import openai_edit

        return openai_edit(self, request)

    def auth_error(self, request: Recorded) -> Reply | None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        if self.api_key is None or given == self.api_key:
            return None
        message = (
            f"Incorrect API key provided: {_key_mask(given)}. You can find your API key at "
            "https://platform.openai.com/account/api-keys."
        )
        return openai_error(401, message, code="invalid_api_key")

    def list_models(self, request: Recorded, match: re.Match[str]) -> Reply:
        ids = ("gpt-4o", "gpt-5-mini", "text-embedding-3-small", "whisper-1", *self.served)
        return self.auth_error(request) or Reply(
            json={
                "object": "list",
                "data": [{"id": i, "object": "model", "created": 1700000000, "owned_by": "system"} for i in ids],
            }
        )

    def generate(self, request: Recorded, match: re.Match[str]) -> Reply:
        body = request.json if isinstance(request.json, dict) else {}
        problem = self.auth_error(request) or self._validate(body)
        if problem:
            return problem
        model, prompt = body["model"], str(body.get("prompt", ""))
        dalle = model.startswith("dall-e")
        if "[refuse]" in prompt:
            if dalle:
                return openai_error(
                    400, "Your request was rejected as a result of our safety system.", code="content_policy_violation"
                )
            return openai_error(
                400,
                "Your request was rejected by the safety system. If you believe this is an error, contact us.",
                "image_generation_user_error",
                "moderation_blocked",
            )
        if body.get("stream") is True:
            return self._stream(body, model, prompt)
        return Reply(json=self._images(body, model, prompt, dalle))

    def _stream(self, body: dict[str, Any], model: str, prompt: str, kind: str = "image_generation") -> Reply:
        """SSE as OpenAI streams an image: N ``partial_image`` events, then ``completed`` with the final.

        ``kind``: ``image_generation`` or, from ``/images/edits``, ``image_edit``. ``[cut-stream]`` in the
        prompt: the connection closes half-way through the body.
        """
        answer = self._images(body, model, prompt, dalle=False)
        common = {key: answer[key] for key in ("background", "output_format", "size", "quality")}
        events = [
            (f"{kind}.partial_image",
             {"type": f"{kind}.partial_image", "b64_json": b64(make_image(64, 64, seed=f"{prompt}p{i}")),
              "partial_image_index": i, "created_at": answer["created"], **common})
            for i in range(body.get("partial_images") or 0)
        ]
        events.append((f"{kind}.completed",
                       {"type": f"{kind}.completed", "b64_json": answer["data"][0]["b64_json"],
                        "created_at": answer["created"], "usage": answer["usage"], **common}))
        text = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
        return Reply(body=text.encode(), content_type="text/event-stream", truncate="[cut-stream]" in prompt)

    def _validate(self, body: dict[str, Any]) -> Reply | None:
        model = body.get("model")
        if not isinstance(model, str):
            # The real API would fall back to dall-e-2, which is shut down; the fake insists on a model.
            return openai_error(400, "you must provide a model parameter", param="model")
        if model not in self.served:
            return openai_error(
                404,
                f"The model '{model}' does not exist or you do not have access to it.",
                code="model_not_found",
                param="model",
            )
        n = body.get("n", 1)
        if not isinstance(n, int) or not 1 <= n <= 10 or (model == "dall-e-3" and n != 1):
            return openai_error(400, f"Invalid 'n': {n} is not allowed for {model}.", code="invalid_value", param="n")
        if "stream" in body or "partial_images" in body:
            problem = _validate_stream(model, body)
            if problem:
                return problem
        if model.startswith("dall-e"):
            return self._validate_dalle(model, body)
        return self._validate_gpt_image(model, body)

    def _validate_dalle(self, model: str, body: dict[str, Any]) -> Reply | None:
        for name in ("output_format", "background", "moderation", "output_compression"):
            if name in body:
                return openai_error(400, f"Unknown parameter: '{name}'.", code="unknown_parameter", param=name)
        if "style" in body and model != "dall-e-3":
            return openai_error(400, "Unknown parameter: 'style'.", code="unknown_parameter", param="style")
        size, quality = body.get("size", "1024x1024"), body.get("quality", "standard")
        if size not in DALLE_SIZES[model]:
            return openai_error(
                400,
                f"Invalid value: '{size}'. Supported values are: {', '.join(DALLE_SIZES[model])}.",
                code="invalid_value",
                param="size",
            )
        allowed_q = ("standard", "hd") if model == "dall-e-3" else ("standard",)
        if quality not in allowed_q:
            return openai_error(400, f"Invalid value: '{quality}'.", code="invalid_value", param="quality")
        return None

    def _validate_gpt_image(self, model: str, body: dict[str, Any]) -> Reply | None:
        for name in ("response_format", "style"):
            if name in body:
                return openai_error(400, f"Unknown parameter: '{name}'.", code="unknown_parameter", param=name)
        newer = model.startswith(("gpt-image-2.5", "gpt-image-2.6"))
        quality = body.get("quality", "auto")
        if quality not in ("low", "medium", "high", "auto", *(("xhigh", "max") if newer else ())):
            # As gpt-image-2 answers xhigh (lobehub/lobehub#19342).
            return openai_error(
                400, f"The model '{model}' does not support quality '{quality}'.", code="invalid_value",
                param="quality",
            )
        if "complexity" in body and not model.startswith("gpt-image-2.6"):
            return openai_error(400, "Unknown parameter: 'complexity'.", code="unknown_parameter", param="complexity")
        for name in ("frame_count", "frame_duration_ms"):
            if name in body and not (model.startswith("gpt-image-2.6") and body.get("output_format") == "gif"):
                return openai_error(400, f"'{name}' is only supported with output_format 'gif'.",
                                    code="invalid_value", param=name)
        if body.get("complexity", "high") not in ("low", "medium", "high"):
            return openai_error(400, "Invalid value for complexity.", code="invalid_value", param="complexity")
        size = body.get("size", "auto")
        if size not in GPT_SIZES and not (model.startswith("gpt-image-2") and _free_size_ok(size)):
            return openai_error(
                400,
                f"Invalid value: '{size}'. Supported values are: '1024x1024', '1024x1536', '1536x1024', and 'auto'.",
                code="invalid_value",
                param="size",
            )
        formats = ("png", "jpeg", "webp", *(("gif", "svg") if model.startswith("gpt-image-2.6") else ()))
        if body.get("output_format", "png") not in formats:
            return openai_error(400, "Invalid value for output_format.", code="invalid_value", param="output_format")
        return None

    def _images(self, body: dict[str, Any], model: str, prompt: str, dalle: bool) -> dict[str, Any]:
        size = body.get("size", "1024x1024")
        width, height = (1024, 1024) if size == "auto" else (int(x) for x in size.split("x"))
        fmt = body.get("output_format", "png")
        data = []
        for i in range(body.get("n", 1)):
            if "[not-image]" in prompt:
                image = NOT_AN_IMAGE
            elif fmt == "svg":  # gpt-image-2.6: a vector document, b64_json with no data: prefix
                image = make_svg(width, height)
            else:
                image = make_image(width, height, {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP", "gif": "GIF"}[fmt],
                                   f"{prompt}{i}")
            item: dict[str, Any] = {}
            if dalle and body.get("response_format", "url") == "url":
                item["url"] = self.add_file(image, "image/png", "png")
            else:
                item["b64_json"] = b64(image)
            if model == "dall-e-3":
                item["revised_prompt"] = f"A detailed picture of {prompt}"
            data.append(item)
        answer: dict[str, Any] = {"created": int(time.time()), "data": data}
        if not dalle:
            answer.update(
                background=body.get("background", "opaque"),
                output_format=fmt,
                size=f"{width}x{height}",
                quality=body.get("quality", "medium"),
                usage={"input_tokens": 50, "output_tokens": 4160, "total_tokens": 4210},
            )
        return answer


def _validate_stream(model: str, body: dict[str, Any]) -> Reply | None:
    """``stream``/``partial_images``: GPT-image only, one image, partial_images 0-3 (image_generate_params.py)."""
    if model.startswith("dall-e"):
        name = "stream" if "stream" in body else "partial_images"
        return openai_error(400, f"Unknown parameter: '{name}'.", code="unknown_parameter", param=name)
    partials = body.get("partial_images", 0)
    if isinstance(partials, bool) or not isinstance(partials, int) or not 0 <= partials <= 3:
        return openai_error(400, f"Invalid 'partial_images': {partials}. Expected a value between 0 and 3.",
                            code="invalid_value", param="partial_images")
    if body.get("stream") is True and body.get("n", 1) != 1:
        return openai_error(400, "Streaming supports only n=1.", code="invalid_value", param="n")
    return None


def _free_size_ok(size: Any) -> bool:
    """gpt-image-2: sides multiples of 16, ratio within 1:3..3:1, at most 3840x2160 pixels."""
    found = re.fullmatch(r"(\d+)x(\d+)", str(size))
    if not found:
        return False
    width, height = int(found[1]), int(found[2])
    return (
        width % 16 == 0
        and height % 16 == 0
        and 1 / 3 <= width / height <= 3
        and width * height <= 3840 * 2160
        and max(width, height) <= 3840
    )


# ------------------------------------------------------------------------------------------------ xAI
def xai_error(
    status: int, message: str, code: str = "Client specified an invalid argument", headers: dict[str, str] | None = None
) -> Reply:
    """An error in xAI's shape ``{"code": str, "error": str}``."""
    return Reply(status, {"code": code, "error": message}, headers=headers or {})


XAI_RATIOS = (
    "1:1",
    "3:4",
    "4:3",
    "9:16",
    "16:9",
    "2:3",
    "3:2",
    "9:19.5",
    "19.5:9",
    "9:20",
    "20:9",
    "1:2",
    "2:1",
    "auto",
)
XAI_MODELS = ("grok-imagine-image", "grok-imagine-image-2.0")
# Retired slugs xAI still resolves (redirected to 2.0), and grok-2-image as compatible servers serve it.
XAI_LEGACY = ("grok-imagine-image-quality", "grok-imagine-image-pro", "grok-2-image", "grok-2-image-1212")


class FakeXAIImages(FakeServer):
    """xAI: ``POST /v1/images/generations`` (url by default), ``/v1/models``, ``/v1/image-generation-models``.

    ``data_uri=True`` makes ``b64_json`` carry a ``data:image/jpeg;base64,`` prefix (seen in old docs).
    """

    prefix = "/v1"
    routes: ClassVar = (
        ("POST", "/images/generations", "generate"),
        ("POST", "/images/edits", "edit"),
        ("GET", "/models", "list_models"),
        ("GET", "/image-generation-models", "list_image_models"),
    )

    def __init__(
        self,
        *,
        api_key: str | None = TEST_KEYS["grok"],
        models: tuple[str, ...] = XAI_MODELS,
        data_uri: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.api_key = api_key
        self.served = models
        self.data_uri = data_uri
        self.edit_inputs: list[list[tuple[str, int, int]]] = []

    def edit(self, request: Recorded, match: re.Match[str]) -> Reply:
        from tests.fakes.image_edits import xai_edit

        return xai_edit(self, request)

    def auth_error(self, request: Recorded) -> Reply | None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        if self.api_key is None or given == self.api_key:
            return None
        # Like the real API: HTTP 400 (not 401), echoing only the first two characters.
        return xai_error(
            400, f"Incorrect API key provided: {given[:2]}***. You can obtain an API key from https://console.x.ai."
        )

    def list_models(self, request: Recorded, match: re.Match[str]) -> Reply:
        ids = ("grok-4", "grok-4-fast", *self.served)
        return self.auth_error(request) or Reply(
            json={
                "object": "list",
                "data": [{"id": i, "object": "model", "created": 1750000000, "owned_by": "xai"} for i in ids],
            }
        )

    def list_image_models(self, request: Recorded, match: re.Match[str]) -> Reply:
        return self.auth_error(request) or Reply(
            json={
                "models": [
                    {
                        "id": i,
                        "object": "model",
                        "owned_by": "xai",
                        "input_modalities": ["text"],
                        "output_modalities": ["image"],
                        "aliases": [],
                    }
                    for i in self.served
                ]
            }
        )

    def generate(self, request: Recorded, match: re.Match[str]) -> Reply:
        body = request.json if isinstance(request.json, dict) else {}
        problem = self.auth_error(request) or self._validate(body)
        if problem:
            return problem
        prompt = str(body["prompt"])
        if "[refuse]" in prompt:
            return xai_error(400, "Generated image rejected by content moderation.")
        ratio = body.get("aspect_ratio", "1:1")
        width, height = dims_for_ratio(
            "1:1" if ratio == "auto" else ratio, 2048 if body.get("resolution") == "2k" else 1024
        )
        data = []
        for i in range(body.get("n", 1)):
            image = NOT_AN_IMAGE if "[not-image]" in prompt else make_image(width, height, "JPEG", f"{prompt}{i}")
            item: dict[str, Any] = {"mime_type": "image/jpeg", "revised_prompt": ""}
            if body.get("response_format", "url") == "b64_json":
                item["b64_json"] = ("data:image/jpeg;base64," if self.data_uri else "") + b64(image)
            else:
                item["url"] = self.add_file(image, "image/jpeg", "jpg")
            data.append(item)
        return Reply(json={"data": data, "usage": {"cost_in_usd_ticks": 200000000 * len(data)}})

    def _validate(self, body: dict[str, Any]) -> Reply | None:
        model = body.get("model")
        if model not in self.served and model not in XAI_LEGACY:
            return xai_error(
                404,
                f"The model {model} does not exist or your team does not have access to it.",
                code="Some requested entity was not found",
            )
        for name in ("size", "style", *(() if model == "grok-imagine-image-2.0" else ("quality",))):
            if name in body:
                return xai_error(400, f"Argument not supported: {name}")
        ratios = XAI_RATIOS + (("21:9", "5:2") if model == "grok-imagine-image-2.0" else ())
        checks = (
            ("aspect_ratio", ratios),
            ("resolution", ("1k", "2k")),
            ("quality", ("low", "medium", "auto")),
            ("response_format", ("url", "b64_json")),
        )
        for name, allowed in checks:
            if name in body and body[name] not in allowed:
                return xai_error(400, f"Invalid {name}: {body[name]!r}")
        n = body.get("n", 1)
        if not isinstance(n, int) or not 1 <= n <= 10:
            return xai_error(400, "n must be between 1 and 10")
        if not isinstance(body.get("prompt"), str) or not body["prompt"]:
            return xai_error(400, "prompt is required")
        return None


# --------------------------------------------------------------------------------------------- Google
def google_error(
    status: int,
    grpc_status: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """An error in Google's shape ``{"error": {code, message, status, details}}``."""
    error = {"code": status, "message": message, "status": grpc_status, "details": details or []}
    return Reply(status, {"error": error}, headers=headers or {})


def google_rate_limited(retry_delay: str = "30s") -> Reply:
    """429 RESOURCE_EXHAUSTED with the wait in ``RetryInfo.retryDelay`` (Google sends no header)."""
    return google_error(
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details.",
        [
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [{"quotaMetric": "generativelanguage.googleapis.com/generate_content_requests"}],
            },
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay},
        ],
    )


def google_bad_key() -> Reply:
    """What Google answers for an invalid key: HTTP 400 INVALID_ARGUMENT + reason API_KEY_INVALID."""
    return google_error(
        400,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            }
        ],
    )


GEMINI_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
WIDE_RATIOS = ("1:4", "4:1", "1:8", "8:1")  # gemini-3.1-flash-image and gemini-nano-banana-2.1 only
# Image sizes per Gemini image model (the rest take 1K, 2K and 4K).
GEMINI_SIZES = {"gemini-3.1-flash-lite-image": ("1K",), "gemini-3.1-flash-image": ("512", "1K", "2K", "4K"),
                "gemini-3.1-flash-image-preview": ("512", "1K", "2K", "4K"), "gemini-2.5-flash-image": ("1K",)}
IMAGE_SIZES = {"512": 512, "1K": 1024, "2K": 2048, "4K": 4096}
GOOGLE_MODELS = (
    ("gemini-2.5-flash", ("generateContent", "countTokens")),
    ("gemini-2.5-flash-image", ("generateContent", "countTokens")),
    ("gemini-3-pro-image-preview", ("generateContent", "countTokens")),
    ("gemini-3-pro-image", ("generateContent", "countTokens")),
    ("gemini-3.1-flash-image-preview", ("generateContent", "countTokens")),
    ("gemini-3.1-flash-image", ("generateContent", "countTokens")),
    ("gemini-nano-banana-2.1", ("generateContent", "countTokens")),
    ("gemini-3.1-flash-lite-image", ("generateContent", "countTokens")),
    ("imagen-4.0-ultra-generate-001", ("predict",)),
    ("imagen-4.0-fast-generate-001", ("predict",)),
    ("imagen-4.0-generate-001", ("predict",)),
    ("text-embedding-004", ("embedContent",)),
)


class FakeGoogle(FakeServer):
    """Gemini API: ``:generateContent`` (Gemini image models), ``:predict`` (Imagen), ``GET /models``.

    ``page_size`` caps model-list pages so clients must follow ``nextPageToken``.
    """

    prefix = "/v1beta"
    routes: ClassVar = (
        ("POST", r"/models/([^/:]+):generateContent", "generate_content"),
        ("POST", r"/models/([^/:]+):streamGenerateContent", "stream_generate_content"),
        ("POST", r"/models/([^/:]+):predict", "predict"),
        ("GET", "/models", "list_models"),
    )

    def __init__(self, *, api_key: str | None = TEST_KEYS["google"], page_size: int = 3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_key = api_key
        self.page_size = page_size
        self.edit_inputs: list[list[tuple[str, int, int]]] = []

    def auth_error(self, request: Recorded) -> Reply | None:
        given = request.headers.get("x-goog-api-key") or (request.query.get("key") or [""])[0]
        if self.api_key is None or given == self.api_key:
            return None
        if not given:
            return google_error(
                403,
                "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers (callers "
                "without established identity). Please use API Key or other form of API "
                "consumer identity to call this API.",
            )
        return google_bad_key()

    def list_models(self, request: Recorded, match: re.Match[str]) -> Reply:
        problem = self.auth_error(request)
        if problem:
            return problem
        size = min(int((request.query.get("pageSize") or ["50"])[0]), self.page_size)
        start = int((request.query.get("pageToken") or ["0"])[0])
        page = [
            {"name": f"models/{name}", "displayName": name, "supportedGenerationMethods": list(methods)}
            for name, methods in GOOGLE_MODELS[start : start + size]
        ]
        answer: dict[str, Any] = {"models": page}
        if start + size < len(GOOGLE_MODELS):
            answer["nextPageToken"] = str(start + size)
        return Reply(json=answer)

    def generate_content(self, request: Recorded, match: re.Match[str]) -> Reply:
        body = request.json if isinstance(request.json, dict) else {}
        problem = self.auth_error(request) or self._validate_content(match[1], body)
        if problem:
            return problem
        prompt = " ".join(p.get("text", "") for c in body["contents"] for p in c.get("parts", []))
        special = self._content_trigger(prompt)
        if special is not None:
            return Reply(json=special)
        config = body.get("generationConfig", {}).get("imageConfig", {})
        width, height = dims_for_ratio(config.get("aspectRatio", "1:1"), IMAGE_SIZES[config.get("imageSize", "1K")])
        image = NOT_AN_IMAGE if "[not-image]" in prompt else make_image(width, height, "PNG", prompt)
        parts: list[dict[str, Any]] = [{"text": "Here is the picture you asked for."}]
        if match[1].startswith(("gemini-3", "gemini-nano")):
            # Gemini 3 image models emit an interim "thought" image before the final one.
            parts.insert(
                0,
                {"inlineData": {"mimeType": "image/png", "data": b64(make_image(64, 64, "PNG", "t"))}, "thought": True},
            )
        parts.append({"inlineData": {"mimeType": "image/png", "data": b64(image)}, "thoughtSignature": "c2ln"})
        return Reply(
            json={
                "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
                "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 1290, "totalTokenCount": 1302},
            }
        )

    def stream_generate_content(self, request: Recorded, match: re.Match[str]) -> Reply:
        """``:streamGenerateContent``: the same answer in chunks, one part each (thought image, text, final
        image with the finish reason), then the usage. ``alt=sse``: server-sent events; without it the
        real API streams a JSON array, which the fake answers too."""
        answer = self.generate_content(request, match)
        if answer.status != 200 or not isinstance(answer.json, dict):
            return answer
        candidate = (answer.json.get("candidates") or [{}])[0]
        parts = candidate.get("content", {}).get("parts", [])
        chunks: list[dict[str, Any]] = [
            {"candidates": [{"content": {"role": "model", "parts": [part]}, "index": 0,
                             **({"finishReason": candidate["finishReason"]} if i == len(parts) - 1 and
                                "finishReason" in candidate else {})}]}
            for i, part in enumerate(parts)
        ] or [answer.json]
        if "usageMetadata" in answer.json:
            chunks.append({"usageMetadata": answer.json["usageMetadata"]})
        if request.query.get("alt") != ["sse"]:
            return Reply(json=chunks)
        text = "".join(f"data: {json.dumps(chunk)}\r\n\r\n" for chunk in chunks)
        return Reply(body=text.encode(), content_type="text/event-stream")

    def _validate_content(self, model: str, body: dict[str, Any]) -> Reply | None:
        if model not in dict(GOOGLE_MODELS):
            return google_error(
                404,
                "NOT_FOUND",
                f"models/{model} is not found for API version v1beta, or is not supported for generateContent.",
            )
        config = body.get("generationConfig", {})
        if "IMAGE" in config.get("responseModalities", []) and not ("image" in model or "nano-banana" in model):
            return google_error(
                400, "INVALID_ARGUMENT", "Model does not support the requested response modalities: image"
            )
        if config.get("candidateCount", 1) != 1:
            return google_error(400, "INVALID_ARGUMENT", "Multiple candidates is not enabled for this model.")
        from tests.fakes.image_edits import check_inline_parts

        parts = [p for c in body.get("contents", []) for p in c.get("parts", [])]
        wrong = check_inline_parts(self, model, parts)
        if wrong:
            return google_error(400, "INVALID_ARGUMENT", wrong)
        image_config = config.get("imageConfig", {})
        for name in image_config:
            if name not in ("aspectRatio", "imageSize"):
                return google_error(
                    400,
                    "INVALID_ARGUMENT",
                    f"Invalid JSON payload received. Unknown name "
                    f"\"{name}\" at 'generation_config.image_config': Cannot find field.",
                )
        sizes = GEMINI_SIZES.get(model, ("1K", "2K", "4K"))
        wide = model.startswith(("gemini-3.1-flash-image", "gemini-nano-banana"))
        if (
            image_config.get("aspectRatio", "1:1") not in GEMINI_RATIOS + (WIDE_RATIOS if wide else ())
            or image_config.get("imageSize", "1K") not in sizes
        ):
            return google_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")
        return None

    def _content_trigger(self, prompt: str) -> dict[str, Any] | None:
        if "[block]" in prompt:
            return {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}}
        if "[refuse]" in prompt:
            return {"candidates": [{"finishReason": "IMAGE_SAFETY", "index": 0}]}
        if "[no-image]" in prompt:
            return {
                "candidates": [
                    {
                        "content": {"role": "model", "parts": [{"text": "I could not draw that."}]},
                        "finishReason": "NO_IMAGE",
                        "index": 0,
                    }
                ]
            }
        if "[text-only]" in prompt:
            return {
                "candidates": [
                    {
                        "content": {"role": "model", "parts": [{"text": "A poem instead."}]},
                        "finishReason": "STOP",
                        "index": 0,
                    }
                ]
            }
        return None

    def predict(self, request: Recorded, match: re.Match[str]) -> Reply:
        body = request.json if isinstance(request.json, dict) else {}
        params = body.get("parameters", {})
        problem = self.auth_error(request) or _validate_predict(match[1], params)
        if problem:
            return problem
        prompt = str(body.get("instances", [{}])[0].get("prompt", ""))
        if "[empty]" in prompt:
            return Reply(json={})
        width, height = dims_for_ratio(
            params.get("aspectRatio", "1:1"), 2048 if params.get("sampleImageSize") == "2K" else 1024
        )
        predictions = []
        for i in range(params.get("sampleCount", 4)):
            if "[refuse]" in prompt or ("[filter-one]" in prompt and i == 0):
                predictions.append(
                    {
                        "raiFilteredReason": "Your current safety filter threshold filtered out "
                        "the generated image. Try rephrasing the prompt."
                    }
                )
                continue
            image = NOT_AN_IMAGE if "[not-image]" in prompt else make_image(width, height, "PNG", f"{prompt}{i}")
            predictions.append({"bytesBase64Encoded": b64(image), "mimeType": "image/png"})
        return Reply(json={"predictions": predictions})


def _validate_predict(model: str, params: dict[str, Any]) -> Reply | None:
    if not model.startswith("imagen"):
        return google_error(400, "INVALID_ARGUMENT", f"models/{model} does not support predict.")
    for name in ("negativePrompt", "seed", "addWatermark", "enhancePrompt"):
        if name in params:
            return google_error(400, "INVALID_ARGUMENT", f"{name} parameter is not supported in Gemini API.")
    if (
        params.get("aspectRatio", "1:1") not in ("1:1", "3:4", "4:3", "9:16", "16:9")
        or params.get("sampleImageSize", "1K") not in ("1K", "2K")
        or not 1 <= params.get("sampleCount", 4) <= 4
    ):
        return google_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")
    return None


# ----------------------------------------------------------------------------------------- standalone
# ---------------------------------------------------------------------- generic OpenAI-compatible servers
COMPATIBLE_FIELDS = frozenset({"model", "prompt", "n", "size", "seed", "negative_prompt", "steps",
                               "guidance_scale", "response_format", "user"})


class FakeCompatibleImages(FakeServer):
    """A self-hosted image server speaking ``POST /v1/images/generations`` (vLLM-Omni, LocalAI style).

    Free ``WxH`` (multiples of 8), ``seed``, ``negative_prompt``, ``steps`` and ``guidance_scale`` as
    snake_case body fields; unknown fields are refused the way pydantic servers refuse them (422 with
    ``extra_forbidden``). Any model id is served; ``GET /v1/models`` lists ``models``. No key by default.
    """

    prefix = "/v1"
    routes: ClassVar = (("POST", "/images/generations", "generate"), ("GET", "/models", "list_models"))

    def __init__(self, *, api_key: str | None = None, models: tuple[str, ...] = ("flux-dev", "sdxl-turbo"),
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_key = api_key
        self.served = models

    def auth_error(self, request: Recorded) -> Reply | None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        if self.api_key is None or given == self.api_key:
            return None
        return openai_error(401, "Invalid API key.", code="invalid_api_key")

    def list_models(self, request: Recorded, match: re.Match[str]) -> Reply:
        return self.auth_error(request) or Reply(
            json={"object": "list", "data": [{"id": m, "object": "model", "owned_by": "local"} for m in self.served]}
        )

    def generate(self, request: Recorded, match: re.Match[str]) -> Reply:
        body = request.json if isinstance(request.json, dict) else {}
        problem = self.auth_error(request) or self._validate(body)
        if problem:
            return problem
        width, height = (int(x) for x in str(body.get("size", "1024x1024")).split("x"))
        data = []
        for i in range(body.get("n", 1)):
            image = make_image(width, height, "PNG", f"{body['prompt']}{body.get('seed')}{i}")
            data.append({"url": self.add_file(image, "image/png", "png")} if body.get("response_format") == "url"
                        else {"b64_json": b64(image)})
        return Reply(json={"created": int(time.time()), "data": data})

    def _validate(self, body: dict[str, Any]) -> Reply | None:
        extra = sorted(set(body) - COMPATIBLE_FIELDS)
        if extra:
            return Reply(status=422, json={"detail": [{"type": "extra_forbidden", "loc": ["body", extra[0]],
                                                       "msg": "Extra inputs are not permitted"}]})
        if not isinstance(body.get("prompt"), str) or not body["prompt"]:
            return Reply(status=422, json={"detail": [{"type": "missing", "loc": ["body", "prompt"]}]})
        found = re.fullmatch(r"(\d+)x(\d+)", str(body.get("size", "1024x1024")))
        if not found or int(found[1]) % 8 or int(found[2]) % 8:
            return openai_error(400, f"Invalid size {body.get('size')!r}: width and height must be multiples of 8.",
                                code="invalid_value", param="size")
        checks = (("seed", int), ("steps", int), ("guidance_scale", (int, float)), ("negative_prompt", str))
        for name, kind in checks:
            if name in body and not isinstance(body[name], kind):
                return openai_error(400, f"Invalid {name}.", code="invalid_value", param=name)
        return None


KINDS: dict[str, type[FakeServer]] = {"openai": FakeOpenAIImages, "grok": FakeXAIImages, "google": FakeGoogle,
                                      "compatible": FakeCompatibleImages}


def main(argv: list[str] | None = None) -> None:
    """Run one fake until SIGINT/SIGTERM; write its port to ``--port-file`` once it listens."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kind", choices=sorted(KINDS), required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", type=Path)
    parser.add_argument("--key", help="the API key the fake accepts (default: the test key of that kind)")
    parser.add_argument("--no-key", action="store_true", help="accept any key, or none")
    args = parser.parse_args(argv)
    key = None if args.no_key else (args.key or TEST_KEYS[args.kind])
    server = KINDS[args.kind](api_key=key, port=args.port)  # type: ignore[call-arg]
    server.start()
    if args.port_file:
        temporary = args.port_file.with_suffix(".tmp")
        temporary.write_text(str(server.port))
        os.replace(temporary, args.port_file)  # atomic: a reader never sees a half-written number
    print(server.base_url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
