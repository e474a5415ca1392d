"""A loopback fake of a Stable Diffusion WebUI (AUTOMATIC1111 / Forge) started with ``--api``.

What it rejects, as the WebUI does (``modules/api/api.py``, pydantic models): unknown body fields (422
``{"detail": [...]}``), a checkpoint it does not have (500 ``{"error": "RuntimeError", ...}`` as the
override fails), sizes not a multiple of 8, and, with ``auth="user:pass"``, requests without those Basic
credentials (401 with ``WWW-Authenticate: Basic``). ``info`` is JSON text with ``seed`` and ``all_seeds``;
``delay`` makes a generation slow (for interrupt tests).
"""

from __future__ import annotations

import base64
import json
import random
import re
import time
from typing import Any, ClassVar

from tests.fakes.image_servers import b64, make_image
from tests.fakes.server import FakeServer, Recorded, Reply

CHECKPOINTS = ("v1-5-pruned-emaonly.safetensors [6ce0161689]", "sd_xl_base_1.0.safetensors [31e35c80fc]")
FIELDS = {"prompt", "negative_prompt", "seed", "batch_size", "n_iter", "steps", "cfg_scale", "width", "height",
          "sampler_name", "scheduler", "override_settings", "send_images", "save_images", "denoising_strength"}
IMG2IMG_FIELDS = {"init_images", "mask", "denoising_strength", "resize_mode"}


class FakeA1111(FakeServer):
    """``/sdapi/v1/txt2img``, ``/img2img``, ``/sd-models``, ``/interrupt``."""

    prefix = "/sdapi/v1"
    routes: ClassVar = (("POST", "/(txt2img|img2img)", "generate"), ("GET", "/sd-models", "models"),
                        ("POST", "/interrupt", "interrupt"))

    def __init__(self, *, auth: str | None = None, delay: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.auth = auth
        self.delay = delay
        self.interrupted = 0

    @property
    def base_url(self) -> str:
        """A profile's base URL is the WebUI's root (the client adds ``/sdapi/v1``)."""
        return self.origin

    def auth_error(self, request: Recorded) -> Reply | None:
        if self.auth is None:
            return None
        if request.headers.get("authorization") == "Basic " + base64.b64encode(self.auth.encode()).decode():
            return None
        return Reply(401, {"detail": "Incorrect username or password."}, headers={"WWW-Authenticate": "Basic"})

    def models(self, request: Recorded, match: re.Match[str]) -> Reply:
        return self.auth_error(request) or Reply(json=[
            {"title": t, "model_name": t.split(".")[0], "hash": t[-11:-1], "filename": f"/models/{t.split(' ')[0]}"}
            for t in CHECKPOINTS])

    def interrupt(self, request: Recorded, match: re.Match[str]) -> Reply:
        self.interrupted += 1
        return self.auth_error(request) or Reply(json={})

    def generate(self, request: Recorded, match: re.Match[str]) -> Reply:
        problem = self.auth_error(request)
        if problem:
            return problem
        body = request.json if isinstance(request.json, dict) else {}
        allowed = FIELDS | (IMG2IMG_FIELDS if match[1] == "img2img" else set())
        extra = sorted(set(body) - allowed)
        if extra:
            return Reply(422, {"detail": [{"loc": ["body", extra[0]], "msg": "extra fields not permitted",
                                           "type": "value_error.extra"}]})
        wanted = (body.get("override_settings") or {}).get("sd_model_checkpoint")
        if wanted and not any(wanted == t or t.startswith(wanted) for t in CHECKPOINTS):
            return Reply(500, {"error": "RuntimeError", "detail": "", "body": "",
                               "errors": f"model {wanted!r} not found"})
        width, height = body.get("width", 512), body.get("height", 512)
        if width % 8 or height % 8:
            return Reply(422, {"detail": [{"loc": ["body", "width"], "msg": "must be a multiple of 8",
                                           "type": "value_error"}]})
        if match[1] == "img2img" and not body.get("init_images"):
            return Reply(422, {"detail": [{"loc": ["body", "init_images"], "msg": "field required",
                                           "type": "value_error.missing"}]})
        time.sleep(self.delay)
        seed = body.get("seed", -1)
        seed = random.randint(0, 2**32 - 1) if seed == -1 else seed
        count = body.get("batch_size", 1)
        images = [b64(make_image(width, height, "PNG", f"{body.get('prompt')}{seed + i}")) for i in range(count)]
        info = {"prompt": body.get("prompt"), "seed": seed, "all_seeds": [seed + i for i in range(count)],
                "sd_model_name": wanted, "infotexts": [f"{body.get('prompt')}\nSeed: {seed + i}" for i in range(count)]}
        return Reply(json={"images": images, "parameters": body, "info": json.dumps(info)})
