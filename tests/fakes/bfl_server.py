"""A loopback fake of Black Forest Labs' API: ``POST /v1/{model}``, ``GET /v1/get_result?id=``, signed samples.

What it rejects, as BFL does (BFL SDK; docs.bfl.ai; provider-wire.md 1.2, 2.5): a missing or wrong ``x-key``
(403 ``{"detail"}``), an unknown model (404), FLUX.2 sizes that are not multiples of 16, under 64 or over
4 MP, out-of-range ``safety_tolerance``/``steps``/``guidance`` and unknown fields (422 ``{"detail": [...]}``).
A task is Pending (with ``progress``) for ``polls - 1`` polls, then Ready with a sample link on the fake's
origin that answers 403 when fetched with the key (a signed link takes none).
Prompt triggers: ``[moderate]`` ends as "Content Moderated", ``[error]`` as "Error".
"""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any, ClassVar

from tests.fakes.image_servers import make_image
from tests.fakes.server import FakeServer, Recorded, Reply

BFL_KEY = "bfl-test-key-0123456789abcdef"
MODELS = ("flux-2-pro", "flux-2-max", "flux-2-flex", "flux-2-klein-4b", "flux-2-klein-9b")
FIELDS = {"prompt", "width", "height", "seed", "output_format", "safety_tolerance", "prompt_upsampling",
          "webhook_url", "webhook_secret", "input_image", *(f"input_image_{i}" for i in range(2, 9))}
REFERENCES = {"flux-2-klein-4b": 4, "flux-2-klein-9b": 4}  # others: 8 (docs.bfl.ai editing overview)
FLEX_FIELDS = {"steps", "guidance"}


def invalid(loc: str, msg: str) -> Reply:
    return Reply(422, {"detail": [{"loc": ["body", loc], "msg": msg, "type": "value_error"}]})


class FakeBfl(FakeServer):
    """BFL at ``/v1``."""

    prefix = "/v1"
    routes: ClassVar = (("GET", "/get_result", "get_result"), ("POST", "/([a-z0-9.-]+)", "submit"))

    def __init__(self, *, api_key: str | None = BFL_KEY, polls: int = 3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_key = api_key
        self.polls = polls
        self.tasks: dict[str, dict[str, Any]] = {}

    def auth_error(self, request: Recorded) -> Reply | None:
        if self.api_key is None or request.headers.get("x-key") == self.api_key:
            return None
        return Reply(403, {"detail": "Not authenticated - Invalid Authentication"})

    def submit(self, request: Recorded, match: re.Match[str]) -> Reply:
        problem = self.auth_error(request)
        if problem:
            return problem
        model = match[1]
        if model not in MODELS:
            return Reply(404, {"detail": "Not Found"})
        body = request.json if isinstance(request.json, dict) else {}
        problem = _validate(model, body)
        if problem:
            return problem
        task_id = str(uuid.uuid4())
        self.tasks[task_id] = {"body": body, "polls": 0}
        return Reply(json={"id": task_id, "polling_url": f"{self.base_url}/get_result?id={task_id}"})

    def get_result(self, request: Recorded, match: re.Match[str]) -> Reply:
        problem = self.auth_error(request)
        if problem:
            return problem
        task_id = request.query.get("id", [""])[0]
        task = self.tasks.get(task_id)
        if task is None:
            return Reply(json={"id": task_id, "status": "Task not found"})
        task["polls"] += 1
        prompt = task["body"]["prompt"]
        if task["polls"] < self.polls:
            return Reply(json={"id": task_id, "status": "Pending", "result": None,
                               "progress": round(task["polls"] / self.polls, 2)})
        if "[moderate]" in prompt:
            return Reply(json={"id": task_id, "status": "Content Moderated", "result": None,
                               "details": {"Moderation Reasons": ["Derivative Works Filter"]}})
        if "[error]" in prompt:
            return Reply(json={"id": task_id, "status": "Error", "result": None})
        body = task["body"]
        fmt = body.get("output_format", "jpeg")
        data = make_image(body.get("width", 1024), body.get("height", 768), "PNG" if fmt == "png" else "JPEG", prompt)
        sample = self.add_file(data, f"image/{fmt}", "png" if fmt == "png" else "jpg")
        return Reply(json={"id": task_id, "status": "Ready", "progress": None, "result": {
            "sample": sample + "?se=2026-12-02T11%3A00%3A00Z&sig=abc", "prompt": prompt,
            "seed": body.get("seed", 424242), "start_time": 1764669600.0, "end_time": 1764669604.2}})

    def dispatch(self, request: Recorded) -> Reply:
        # A signed link: a key sent along is a leak, and the storage behind it refuses it.
        if request.method == "GET" and request.path.startswith("/files/") and "x-key" in request.headers:
            self.requests.append(request)
            return Reply(403, body=b"<Error>AuthenticationFailed</Error>", content_type="application/xml")
        return super().dispatch(request)


def _validate(model: str, body: dict[str, Any]) -> Reply | None:
    allowed = FIELDS | (FLEX_FIELDS if model == "flux-2-flex" else set())
    extra = sorted(set(body) - allowed)
    if extra:
        return invalid(extra[0], "Extra inputs are not permitted")
    if not isinstance(body.get("prompt"), str) or not body["prompt"]:
        return invalid("prompt", "Field required")
    width, height = body.get("width", 1024), body.get("height", 768)
    if not all(isinstance(v, int) and v >= 64 and v % 16 == 0 for v in (width, height)):
        return invalid("width", "width and height must be multiples of 16 and at least 64")
    if width * height > 4 * 1024 * 1024:
        return invalid("width", "the image may have at most 4 megapixels")
    checks = (("safety_tolerance", 0, 6), ("steps", 1, 50), ("guidance", 1.5, 10), ("seed", 0, 2**63))
    for name, low, high in checks:
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                  or not low <= value <= high):
            return invalid(name, f"Input should be between {low} and {high}")
    if body.get("output_format", "jpeg") not in ("jpeg", "png"):
        return invalid("output_format", "Input should be 'jpeg' or 'png'")
    return _check_references(model, body)


def _check_references(model: str, body: dict[str, Any]) -> Reply | None:
    """input_image, input_image_2 ...: numbered without gaps, within the model's count, each an image."""
    names = sorted((k for k in body if k.startswith("input_image")), key=lambda k: int(k.rpartition("_")[2] or 1)
                   if k != "input_image" else 1)
    if not names:
        return None
    expected = ["input_image", *(f"input_image_{i}" for i in range(2, len(names) + 1))]
    if names != expected:
        return invalid(names[-1], "reference images are input_image, input_image_2, ... without gaps")
    if len(names) > REFERENCES.get(model, 8):
        return invalid(names[-1], f"{model} takes at most {REFERENCES.get(model, 8)} reference images")
    for name in names:
        value = body[name]
        try:
            data = base64.b64decode(value, validate=True) if isinstance(value, str) else b""
        except ValueError:
            data = b""
        if not data.startswith((b"\x89PNG", b"\xff\xd8", b"RIFF")):
            return invalid(name, "Input image must be a base64 encoded image or a URL")
    return None
