"""A loopback fake of OpenRouter's image side: ``POST /api/v1/images``, chat image output, the model lists.

What it rejects, as OpenRouter does (OpenRouterTeam/typescript-sdk ``imagegenerationrequest.ts``; errors
``{"error": {"code": <number>, "message", "metadata"}}`` per openrouter.ai errors-and-debugging):
a missing or wrong key (401), an unknown model (400), ``n`` outside 1-10 or above 1 on a single-image
model (400), an aspect ratio, resolution or quality outside the documented enums (400), OpenAI's
``response_format``/``size`` words it does not take as such (400), a chat-only model on ``/images`` (400)
and an images-only model on chat (400). Prompt triggers: ``[refuse]`` (403 moderation with
``metadata.reasons``), ``[no-image]`` (chat answer with text only).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from tests.fakes.image_servers import b64, dims_for_ratio, make_image
from tests.fakes.server import FakeServer, Recorded, Reply

OPENROUTER_KEY = "sk-or-v1-test-0123456789abcdef0123456789"
IMAGE_MODELS = {  # id -> most images per request
    "black-forest-labs/flux.2-pro": 1, "black-forest-labs/flux.2-max": 1, "bytedance-seed/seedream-4.5": 1,
    "bytedance-seed/seedream-5-0-lite": 1, "openai/gpt-image-2": 10,
}
CHAT_IMAGE_MODELS = ("openai/gpt-5-image", "google/gemini-3-pro-image")
TEXT_MODELS = ("openai/gpt-5", "anthropic/claude-sonnet-5")
RATIOS = ("1:1", "1:2", "1:4", "1:8", "2:1", "2:3", "3:2", "3:4", "4:1", "4:3", "4:5", "5:4", "8:1", "9:16", "16:9",
          "9:19.5", "19.5:9", "9:20", "20:9", "9:21", "21:9", "auto")
FIELDS = {"model", "prompt", "n", "aspect_ratio", "resolution", "quality", "seed", "size", "output_format",
          "background", "output_compression", "input_references", "provider", "stream"}
TIERS = {"512": 512, "1K": 1024, "2K": 2048, "4K": 4096}


def openrouter_error(status: int, message: str, metadata: dict[str, Any] | None = None,
                     headers: dict[str, str] | None = None) -> Reply:
    """An error in OpenRouter's shape (``code`` is the HTTP status as a number)."""
    error: dict[str, Any] = {"code": status, "message": message}
    if metadata is not None:
        error["metadata"] = metadata
    return Reply(status, {"error": error}, headers=headers or {})


class FakeOpenRouterImages(FakeServer):
    """OpenRouter at ``/api/v1``: images, chat completions with image output, ``/images/models``, ``/models``."""

    prefix = "/api/v1"
    routes: ClassVar = (
        ("POST", "/images", "images"),
        ("POST", "/chat/completions", "chat"),
        ("GET", "/images/models", "image_models"),
        ("GET", "/models", "models"),
        ("GET", "/key", "key"),
    )

    def __init__(self, *, api_key: str | None = OPENROUTER_KEY, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_key = api_key

    def auth_error(self, request: Recorded) -> Reply | None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        if self.api_key is None or given == self.api_key:
            return None
        return openrouter_error(401, "No auth credentials found" if not given else "User not found.")

    def key(self, request: Recorded, match: re.Match[str]) -> Reply:
        return self.auth_error(request) or Reply(json={"data": {"label": "sk-or-v1-tes...789", "usage": 0}})

    def image_models(self, request: Recorded, match: re.Match[str]) -> Reply:
        # Public: no key needed (the model lists never are).
        return Reply(json={"data": [{"id": m, "name": m.split("/")[-1]} for m in IMAGE_MODELS]})

    def models(self, request: Recorded, match: re.Match[str]) -> Reply:
        wanted = request.query.get("output_modalities", [""])[0]
        rows = [(m, ["text", "image"]) for m in CHAT_IMAGE_MODELS] + [(m, ["text"]) for m in TEXT_MODELS]
        # Like OpenRouter, the filter is applied; a server that ignored it still marks each model's outputs.
        data = [{"id": m, "architecture": {"input_modalities": ["text", "image"], "output_modalities": outs}}
                for m, outs in rows if not wanted or wanted in outs]
        return Reply(json={"data": data})

    def images(self, request: Recorded, match: re.Match[str]) -> Reply:
        body = request.json if isinstance(request.json, dict) else {}
        problem = self.auth_error(request) or self._validate_images(body)
        if problem:
            return problem
        prompt = str(body["prompt"])
        if "[refuse]" in prompt:
            return self._moderated(prompt)
        width, height = dims_for_ratio(_ratio(body.get("aspect_ratio")), TIERS.get(body.get("resolution", "1K"), 1024))
        fmt = {"jpeg": "JPEG", "webp": "WEBP"}.get(body.get("output_format", "png"), "PNG")
        data = [{"b64_json": b64(make_image(width, height, fmt, f"{prompt}{body.get('seed')}{i}"))}
                for i in range(body.get("n", 1))]
        return Reply(json={"created": 1764600000, "data": data,
                           "usage": {"prompt_tokens": 12, "completion_tokens": 1290, "total_tokens": 1302,
                                     "cost": 0.04}})

    def chat(self, request: Recorded, match: re.Match[str]) -> Reply:
        body = request.json if isinstance(request.json, dict) else {}
        problem = self.auth_error(request) or self._validate_chat(body)
        if problem:
            return problem
        content = body["messages"][-1]["content"]
        prompt = content if isinstance(content, str) else " ".join(
            p.get("text", "") for p in content if isinstance(p, dict))
        if "[refuse]" in prompt:
            return self._moderated(prompt)
        message: dict[str, Any] = {"role": "assistant", "content": "Here is your image."}
        if "[no-image]" in prompt:
            message["content"] = "I can't draw that, but here is a poem instead."
        else:
            config = body.get("image_config") or {}
            width, height = dims_for_ratio(_ratio(config.get("aspect_ratio")), 1024)
            url = "data:image/png;base64," + b64(make_image(width, height, "PNG", prompt))
            message["images"] = [{"type": "image_url", "image_url": {"url": url}}]
        return Reply(json={"id": "gen-1", "object": "chat.completion", "model": body["model"],
                           "choices": [{"index": 0, "finish_reason": "stop", "message": message}]})

    def _moderated(self, prompt: str) -> Reply:
        return openrouter_error(403, "Input was flagged by the moderation model.",
                                {"reasons": ["violence"], "flagged_input": prompt[:100], "provider_name": "OpenAI",
                                 "model_slug": "openai/gpt-image-2"})

    def _validate_images(self, body: dict[str, Any]) -> Reply | None:
        model = body.get("model")
        if model in CHAT_IMAGE_MODELS:
            return openrouter_error(400, f"{model} does not support the images endpoint; use chat completions.")
        if model not in IMAGE_MODELS:
            return openrouter_error(400, f"{model} is not a valid model ID")
        unknown = sorted(set(body) - FIELDS)
        if unknown:
            return openrouter_error(400, f"Invalid request: unrecognized key '{unknown[0]}'")
        if not isinstance(body.get("prompt"), str) or not body["prompt"]:
            return openrouter_error(400, "Invalid request: prompt is required")
        n = body.get("n", 1)
        if not isinstance(n, int) or not 1 <= n <= 10:
            return openrouter_error(400, "Invalid request: n must be between 1 and 10")
        if n > IMAGE_MODELS[model]:
            return openrouter_error(400, f"{model} only supports generating a single image (n=1).")
        checks = (("aspect_ratio", RATIOS), ("resolution", tuple(TIERS)),
                  ("quality", ("auto", "low", "medium", "high")), ("output_format", ("png", "jpeg", "webp", "svg")),
                  ("background", ("auto", "transparent", "opaque")))
        for name, allowed in checks:
            if name in body and body[name] not in allowed:
                return openrouter_error(400, f"Invalid request: {name} must be one of {', '.join(allowed)}")
        if "seed" in body and (isinstance(body["seed"], bool) or not isinstance(body["seed"], int)):
            return openrouter_error(400, "Invalid request: seed must be an integer")
        return _check_references(body.get("input_references"))

    def _validate_chat(self, body: dict[str, Any]) -> Reply | None:
        model = body.get("model")
        if model in IMAGE_MODELS:
            return openrouter_error(400, f"No endpoints found that support the requested output modalities: {model}")
        if model not in CHAT_IMAGE_MODELS:
            return openrouter_error(400, f"{model} is not a valid model ID")
        if body.get("modalities") not in (["image", "text"], ["text", "image"]):
            return openrouter_error(400, "This model needs modalities [\"image\", \"text\"] to return images.")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages or not isinstance(messages[-1], dict):
            return openrouter_error(400, "Invalid request: messages is required")
        config = body.get("image_config", {})
        if not isinstance(config, dict) or set(config) - {"aspect_ratio", "image_size"}:
            return openrouter_error(400, "Invalid request: image_config takes aspect_ratio and image_size")
        return None


def _ratio(value: Any) -> str:
    return "1:1" if value in (None, "auto") else str(value)


def _check_references(refs: Any) -> Reply | None:
    if refs is None:
        return None
    ok = isinstance(refs, list) and all(
        isinstance(r, dict) and r.get("type") == "image_url" and isinstance(r.get("image_url"), dict)
        and str(r["image_url"].get("url", "")).startswith(("data:image/", "https://")) for r in refs)
    return None if ok else openrouter_error(400, "Invalid request: input_references must be image_url parts")
