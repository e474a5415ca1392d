"""A loopback fake of Together AI's ``POST /v1/images/generations`` and ``GET /v1/models``.

What it rejects, as Together does (together-python ``types/images.py``; provider-wire.md 2.8): a wrong
key (401, OpenAI-shaped error), ``size`` (it takes ``width``/``height``), ``response_format`` other than
``base64``/``url`` (``b64_json`` is OpenAI's word), unknown fields, ``n`` outside 1-4, steps outside the
model's range and sizes not a multiple of 16 (400 ``invalid_request_error`` naming the param).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from tests.fakes.image_servers import b64, make_image, openai_error
from tests.fakes.server import FakeServer, Recorded, Reply

TOGETHER_KEY = "tgp_v1_test0123456789abcdef"
MODELS = {"black-forest-labs/FLUX.1-schnell": 12, "black-forest-labs/FLUX.1.1-pro": 50}
FIELDS = {"model", "prompt", "n", "width", "height", "steps", "seed", "negative_prompt", "guidance_scale",
          "output_format", "response_format", "image_url", "image_loras", "disable_safety_checker"}


class FakeTogether(FakeServer):
    prefix = "/v1"
    routes: ClassVar = (("POST", "/images/generations", "generate"), ("GET", "/models", "models"))

    def __init__(self, *, api_key: str | None = TOGETHER_KEY, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_key = api_key

    def auth_error(self, request: Recorded) -> Reply | None:
        if self.api_key is None or request.headers.get("authorization") == f"Bearer {self.api_key}":
            return None
        return openai_error(401, "Invalid API key provided. You can find your API key at api.together.xyz.",
                            code="invalid_api_key")

    def models(self, request: Recorded, match: re.Match[str]) -> Reply:
        rows = [{"id": m, "object": "model", "type": "image"} for m in MODELS]
        rows.append({"id": "meta-llama/Llama-4-Scout", "object": "model", "type": "chat"})
        return self.auth_error(request) or Reply(json=rows)

    def generate(self, request: Recorded, match: re.Match[str]) -> Reply:
        body: dict[str, Any] = request.json if isinstance(request.json, dict) else {}
        problem = self.auth_error(request) or _validate(body)
        if problem:
            return problem
        width, height = body.get("width", 1024), body.get("height", 768)
        fmt = body.get("output_format", "jpeg")
        data = []
        for i in range(body.get("n", 1)):
            seed = f"{body['prompt']}{body.get('seed')}{i}"
            image = make_image(width, height, "PNG" if fmt == "png" else "JPEG", seed)
            if body.get("response_format", "url") == "base64":
                data.append({"index": i, "b64_json": b64(image), "type": "b64_json"})
            else:
                data.append({"index": i, "url": self.add_file(image, f"image/{fmt}", "jpg"), "type": "url"})
        return Reply(json={"id": "img-1", "model": body["model"], "object": "list", "data": data})


def _validate(body: dict[str, Any]) -> Reply | None:
    extra = sorted(set(body) - FIELDS)
    if extra:
        return openai_error(400, f"Unrecognized request argument supplied: {extra[0]}", param=extra[0])
    model = body.get("model")
    if model not in MODELS:
        return openai_error(404, f"Unable to access model {model}.", code="model_not_available")
    if body.get("response_format", "url") not in ("base64", "url"):
        return openai_error(400, "response_format must be 'base64' or 'url'", param="response_format")
    if not isinstance(body.get("prompt"), str) or not body["prompt"]:
        return openai_error(400, "prompt is required", param="prompt")
    for name, low, high, step in (("n", 1, 4, 1), ("steps", 1, MODELS[model], 1), ("width", 64, 2048, 16),
                                  ("height", 64, 2048, 16)):
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
                                  or value % step):
            return openai_error(400, f"{name} must be between {low} and {high}" +
                                (f" and a multiple of {step}" if step > 1 else ""), param=name)
    return None
