"""A loopback fake of Replicate's predictions API for official models (``black-forest-labs/flux-schnell``).

What it rejects, as Replicate does (replicate-javascript; provider-wire.md 1.2, 2.7): a wrong token (401
problem+json), an unknown model (404), an input the model's schema refuses (422 ``{"title", "detail",
"status", "invalid_fields"}``). With ``Prefer: wait`` it answers finished predictions when ``finish_in``
polls is 0, else ``starting`` and lets ``GET urls.get`` walk processing → succeeded. Output is a list of
links on the fake's origin. ``[nsfw]`` in the prompt: a failed prediction with an NSFW error.
"""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any, ClassVar

from tests.fakes.image_servers import dims_for_ratio, make_image
from tests.fakes.server import FakeServer, Recorded, Reply

REPLICATE_TOKEN = "r8_test0123456789abcdef0123456789"
KONTEXT = "black-forest-labs/flux-kontext-pro"
MODELS = ("black-forest-labs/flux-schnell", KONTEXT)
INPUTS = {"prompt", "aspect_ratio", "num_outputs", "seed", "output_format", "output_quality",
          "disable_safety_checker", "go_fast", "megapixels", "num_inference_steps"}
KONTEXT_INPUTS = {"prompt", "input_image", "aspect_ratio", "seed", "output_format", "safety_tolerance",
                  "prompt_upsampling"}
RATIOS = ("1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21")


def problem(status: int, title: str, detail: str, **extra: Any) -> Reply:
    return Reply(status, {"title": title, "detail": detail, "status": status, **extra},
                 content_type="application/problem+json")


class FakeReplicate(FakeServer):
    prefix = "/v1"
    routes: ClassVar = (("POST", "/models/([^/]+/[^/]+)/predictions", "create"),
                        ("GET", "/predictions/([^/]+)", "get"), ("POST", "/predictions/([^/]+)/cancel", "cancel"),
                        ("GET", "/account", "account"))

    def __init__(self, *, api_key: str | None = REPLICATE_TOKEN, finish_in: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_key = api_key
        self.finish_in = finish_in
        self.predictions: dict[str, dict[str, Any]] = {}
        self.cancelled: list[str] = []

    def auth_error(self, request: Recorded) -> Reply | None:
        if self.api_key is None or request.headers.get("authorization") == f"Bearer {self.api_key}":
            return None
        return problem(401, "Unauthenticated", "You did not pass a valid authentication token")

    def account(self, request: Recorded, match: re.Match[str]) -> Reply:
        return self.auth_error(request) or Reply(json={"type": "user", "username": "me"})

    def create(self, request: Recorded, match: re.Match[str]) -> Reply:
        found = self.auth_error(request)
        if found:
            return found
        if match[1] not in MODELS:
            return problem(404, "Not found", "The requested resource could not be found.")
        body = request.json if isinstance(request.json, dict) else {}
        model_input = body.get("input") if isinstance(body.get("input"), dict) else None
        invalid = _validate(model_input, set(body) - {"input", "webhook", "webhook_events_filter"}, match[1])
        if invalid:
            return problem(422, "Input validation failed", invalid, invalid_fields=[{"description": invalid}])
        pid = uuid.uuid4().hex[:20]
        self.predictions[pid] = {"input": model_input, "polls": 0, "model": match[1]}
        wait = request.headers.get("prefer", "").startswith("wait")
        return Reply(201, self._view(pid, finished=wait and self.finish_in == 0))

    def get(self, request: Recorded, match: re.Match[str]) -> Reply:
        found = self.auth_error(request)
        if found:
            return found
        pid = match[1]
        if pid not in self.predictions:
            return problem(404, "Not found", "The requested resource could not be found.")
        self.predictions[pid]["polls"] += 1
        return Reply(json=self._view(pid, finished=self.predictions[pid]["polls"] >= self.finish_in))

    def cancel(self, request: Recorded, match: re.Match[str]) -> Reply:
        self.cancelled.append(match[1])
        return self.auth_error(request) or Reply(json={"id": match[1], "status": "canceled"})

    def _view(self, pid: str, *, finished: bool) -> dict[str, Any]:
        job = self.predictions[pid]
        model_input = job["input"]
        urls = {"get": f"{self.base_url}/predictions/{pid}", "cancel": f"{self.base_url}/predictions/{pid}/cancel"}
        view: dict[str, Any] = {"id": pid, "model": MODELS[0], "input": model_input, "urls": urls, "error": None,
                                "status": "processing" if job["polls"] else "starting", "output": None}
        if not finished:
            return view
        if "[nsfw]" in model_input["prompt"]:
            return {**view, "status": "failed", "error": "NSFW content detected. Try running it again, or try "
                                                         "a different prompt."}
        ratio = model_input.get("aspect_ratio", "1:1")
        width, height = dims_for_ratio("1:1" if ratio == "match_input_image" else ratio, 1024)
        fmt = model_input.get("output_format", "webp")
        outputs = [self.add_file(make_image(width, height, {"jpg": "JPEG", "png": "PNG"}.get(fmt, "WEBP"),
                                            f"{model_input['prompt']}{i}"), f"image/{fmt}", fmt)
                   for i in range(model_input.get("num_outputs", 1))]
        output: Any = outputs[0] if job.get("model") == KONTEXT else outputs  # Kontext answers one URI
        return {**view, "status": "succeeded", "output": output, "metrics": {"predict_time": 0.8}}


def _validate(model_input: dict[str, Any] | None, extra_top: set[str], model: str = MODELS[0]) -> str | None:
    if extra_top:
        return f"{sorted(extra_top)[0]}: Additional property is not allowed"
    if model_input is None or not isinstance(model_input.get("prompt"), str):
        return "input: prompt is required"
    unknown = sorted(set(model_input) - (KONTEXT_INPUTS if model == KONTEXT else INPUTS))
    if unknown:
        return f"input: Additional property {unknown[0]} is not allowed"
    if model == KONTEXT:
        return _validate_kontext(model_input)
    if model_input.get("aspect_ratio", "1:1") not in RATIOS:
        return f"aspect_ratio: aspect_ratio must be one of the following: {', '.join(RATIOS)}"
    n = model_input.get("num_outputs", 1)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 4:
        return "num_outputs: Must be less than or equal to 4"
    if model_input.get("output_format", "webp") not in ("webp", "jpg", "png"):
        return "output_format: output_format must be one of the following: webp, jpg, png"
    return None


def _validate_kontext(model_input: dict[str, Any]) -> str | None:
    """input_image: a URI (https or an image data URI); output_format jpg|png; safety_tolerance 0-2 with one."""
    reference = model_input.get("input_image")
    if reference is not None and not (isinstance(reference, str) and (
            reference.startswith("https://") or _image_data_uri(reference))):
        return "input_image: Does not match format 'uri'"
    ratios = ("match_input_image", *RATIOS)
    if model_input.get("aspect_ratio", "match_input_image") not in ratios:
        return f"aspect_ratio: aspect_ratio must be one of the following: {', '.join(ratios)}"
    if model_input.get("output_format", "png") not in ("jpg", "png"):
        return "output_format: output_format must be one of the following: jpg, png"
    tolerance = model_input.get("safety_tolerance", 2)
    if not isinstance(tolerance, int) or not 0 <= tolerance <= (2 if reference else 6):
        return "safety_tolerance: Must be less than or equal to 2 with an input image"
    return None


def _image_data_uri(value: str) -> bool:
    head, _, data = value.partition(",")
    if not head.startswith("data:image/") or not head.endswith(";base64"):
        return False
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        return False
    return raw.startswith((b"\x89PNG", b"\xff\xd8", b"RIFF"))
