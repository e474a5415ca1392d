"""A loopback fake of fal.ai's queue (``queue.fal.run``) serving ``fal-ai/flux/dev`` and ``fal-ai/flux/schnell``.

What it rejects, as fal does (fal-js ``request.ts``, ``types/endpoints.ts``; provider-wire.md 1.2, 2.6): a
key not sent as ``Authorization: Key …`` (401 ``{"detail"}``), an unknown app (404), inputs the model does
not take or out of range (422 ``{"detail": [{"loc", "msg", "type"}]}``). The status, result and cancel URLs
use ``owner/app`` only (``fal-ai/flux``), as fal's do; a request walks IN_QUEUE (position ``ahead``, then
lower) → IN_PROGRESS → COMPLETED over ``polls`` status calls. ``[nsfw]`` in the prompt flags every image,
``[nsfw-one]`` the first. Result images are links on the fake's own origin.
"""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any, ClassVar

from tests.fakes.image_servers import dims_for_ratio, make_image
from tests.fakes.server import FakeServer, Recorded, Reply

FAL_KEY = "fal-test-key-0123456789:abcdef0123456789"
KONTEXT, FLUX2_EDIT = "fal-ai/flux-pro/kontext", "fal-ai/flux-2-pro/edit"
APPS = {"fal-ai/flux/dev": (1, 50), "fal-ai/flux/schnell": (1, 12), KONTEXT: (1, 50),
        FLUX2_EDIT: (1, 50)}  # app -> num_inference_steps range
FIELDS = {"prompt", "image_size", "num_images", "num_inference_steps", "guidance_scale", "seed",
          "enable_safety_checker", "output_format", "sync_mode", "acceleration"}
# fal-js types/endpoints.ts: FluxKontextInput and Flux2MaxEditInput (what the edit apps take).
APP_FIELDS = {
    KONTEXT: {"prompt", "image_url", "aspect_ratio", "num_images", "seed", "guidance_scale", "output_format",
              "safety_tolerance", "enhance_prompt", "sync_mode"},
    FLUX2_EDIT: {"prompt", "image_urls", "image_size", "seed", "output_format", "safety_tolerance",
                 "enable_safety_checker", "sync_mode"},
}
KONTEXT_RATIOS = ("21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21")
PRESETS = {"square_hd": (1024, 1024), "square": (512, 512), "portrait_4_3": (768, 1024), "portrait_16_9": (576, 1024),
           "landscape_4_3": (1024, 768), "landscape_16_9": (1024, 576)}


def invalid(loc: str, msg: str, kind: str = "value_error") -> Reply:
    return Reply(422, {"detail": [{"loc": ["body", loc], "msg": msg, "type": kind}]})


class FakeFalQueue(FakeServer):
    """``POST /{owner}/{app}/{path}``, ``GET|PUT /{owner}/{app}/requests/{id}[/status|/cancel]``."""

    routes: ClassVar = (
        ("GET", r"/([^/]+/[^/]+)/requests/([^/]+)/status", "status"),
        ("PUT", r"/([^/]+/[^/]+)/requests/([^/]+)/cancel", "cancel"),
        ("GET", r"/([^/]+/[^/]+)/requests/([^/]+)", "result"),
        ("POST", r"/(.+)", "submit"),
    )

    def __init__(self, *, api_key: str | None = FAL_KEY, polls: int = 3, ahead: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_key = api_key
        self.polls = polls
        self.ahead = ahead
        self.jobs: dict[str, dict[str, Any]] = {}
        self.cancelled: list[str] = []

    def auth_error(self, request: Recorded) -> Reply | None:
        given = request.headers.get("authorization", "")
        if self.api_key is None or given == f"Key {self.api_key}":
            return None
        return Reply(401, {"detail": "No user found for Key ID and Secret"})

    def submit(self, request: Recorded, match: re.Match[str]) -> Reply:
        app = match[1]
        problem = self.auth_error(request)
        if problem:
            return problem
        if app not in APPS:
            return Reply(404, {"detail": f"Application '{app}' not found"})
        body = request.json if isinstance(request.json, dict) else {}
        problem = _validate(app, body)
        if problem:
            return problem
        request_id = str(uuid.uuid4())
        self.jobs[request_id] = {"app": app, "body": body, "polls": 0}
        base = f"{self.origin}/{'/'.join(app.split('/')[:2])}/requests/{request_id}"
        return Reply(json={"status": "IN_QUEUE", "request_id": request_id, "response_url": base,
                           "status_url": base + "/status", "cancel_url": base + "/cancel",
                           "queue_position": self.ahead})

    def status(self, request: Recorded, match: re.Match[str]) -> Reply:
        job = self.jobs.get(match[2])
        if job is None:
            return self.auth_error(request) or Reply(404, {"detail": "Request not found"})
        problem = self.auth_error(request)
        if problem:
            return problem
        job["polls"] += 1
        left = self.polls - job["polls"]
        if left <= 0:
            return Reply(json={"status": "COMPLETED", "request_id": match[2], "logs": None,
                               "metrics": {"inference_time": 1.2}})
        if left == 1:
            return Reply(json={"status": "IN_PROGRESS", "request_id": match[2], "logs": None})
        return Reply(json={"status": "IN_QUEUE", "request_id": match[2], "queue_position": left - 2})

    def cancel(self, request: Recorded, match: re.Match[str]) -> Reply:
        problem = self.auth_error(request)
        if problem:
            return problem
        self.cancelled.append(match[2])
        return Reply(202, {"status": "CANCELLATION_REQUESTED"})

    def result(self, request: Recorded, match: re.Match[str]) -> Reply:
        problem = self.auth_error(request)
        if problem:
            return problem
        job = self.jobs.get(match[2])
        if job is None or job["polls"] < self.polls:
            return Reply(400, {"detail": "Request is still in progress"})
        body = job["body"]
        size = body.get("image_size", "landscape_4_3")
        width, height = PRESETS[size] if isinstance(size, str) else (size["width"], size["height"])
        if "aspect_ratio" in body:
            width, height = dims_for_ratio(body["aspect_ratio"], 1024)
        fmt = body.get("output_format", "jpeg")
        images = []
        for i in range(body.get("num_images", 1)):
            data = make_image(width, height, "PNG" if fmt == "png" else "JPEG", f"{body['prompt']}{i}")
            url = self.add_file(data, f"image/{fmt}", "png" if fmt == "png" else "jpg")
            images.append({"url": url, "width": width, "height": height, "content_type": f"image/{fmt}"})
        flags = [("[nsfw]" in body["prompt"]) or ("[nsfw-one]" in body["prompt"] and i == 0)
                 for i in range(len(images))]
        return Reply(json={"images": images, "timings": {"inference": 1.2}, "seed": body.get("seed", 1234567),
                           "has_nsfw_concepts": flags, "prompt": body["prompt"]})


def _validate(app: str, body: dict[str, Any]) -> Reply | None:
    extra = sorted(set(body) - APP_FIELDS.get(app, FIELDS))
    if extra:
        return invalid(extra[0], "Extra inputs are not permitted", "extra_forbidden")
    if not isinstance(body.get("prompt"), str) or not body["prompt"]:
        return invalid("prompt", "Field required", "missing")
    problem = _check_references(app, body)
    if problem:
        return problem
    size = body.get("image_size", "landscape_4_3")
    if isinstance(size, dict):
        if set(size) != {"width", "height"} or not all(isinstance(v, int) and 1 <= v <= 14142 for v in size.values()):
            return invalid("image_size", "width and height must be whole numbers up to 14142")
    elif size not in PRESETS:
        return invalid("image_size", f"Input should be one of {', '.join(PRESETS)} or {{width, height}}")
    low, high = APPS[app]
    checks = (("num_images", int, 1, 4), ("num_inference_steps", int, low, high),
              ("guidance_scale", (int, float), 1, 20), ("seed", int, 0, 2**63))
    for name, kind, lo, hi in checks:
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, kind) or not lo <= value <= hi):
            return invalid(name, f"Input should be between {lo} and {hi}")
    if body.get("output_format", "jpeg") not in ("jpeg", "png"):
        return invalid("output_format", "Input should be 'jpeg' or 'png'")
    return None


def _check_references(app: str, body: dict[str, Any]) -> Reply | None:
    """The edit apps: the references are required and each must be a URL or an image data URI."""
    if app == KONTEXT:
        if body.get("aspect_ratio", "1:1") not in KONTEXT_RATIOS:
            return invalid("aspect_ratio", f"Input should be one of {', '.join(KONTEXT_RATIOS)}")
        refs, name = [body.get("image_url")], "image_url"
    elif app == FLUX2_EDIT:
        given = body.get("image_urls")
        refs, name = (given if isinstance(given, list) else [None]), "image_urls"
    else:
        return None
    if not refs or refs[0] is None:
        return invalid(name, "Field required", "missing")
    for ref in refs:
        if not isinstance(ref, str) or not (ref.startswith("https://") or _is_image_data_uri(ref)):
            return invalid(name, "Failed to load the image: it is neither a URL nor an image data URI",
                           "image_load_error")
    return None


def _is_image_data_uri(value: str) -> bool:
    head, _, data = value.partition(",")
    if not head.startswith("data:image/") or not head.endswith(";base64"):
        return False
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        return False
    return raw.startswith((b"\x89PNG", b"\xff\xd8", b"RIFF"))
