"""A loopback fake of Stability AI's Stable Image v2beta generate endpoints.

What it rejects, as Stability does (API reference; provider-wire.md 1.2, 2.4): a body that is not
``multipart/form-data`` (400), a wrong key (401), unknown fields, ``model`` outside sd3 or an unknown one,
``style_preset`` outside core, an aspect ratio outside the list, a seed outside 0-4294967294, cfg_scale
outside 1-10 (400 ``{"id", "name": "bad_request", "errors": [...]}``). ``[moderate]`` in the prompt: 403
``content_moderation``; ``[filter]``: a 200 with ``finish_reason: CONTENT_FILTERED``. ``Accept:
application/json`` gets ``{"image", "finish_reason", "seed"}``, ``image/*`` the raw bytes.
"""

from __future__ import annotations

import io
import re
from typing import Any, ClassVar

from PIL import Image, UnidentifiedImageError

from tests.fakes.image_edits import parse_multipart
from tests.fakes.image_servers import b64, dims_for_ratio, make_image
from tests.fakes.server import FakeServer, Recorded, Reply

STABILITY_KEY = "sk-stability-test-0123456789abcdef"
RATIOS = ("16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21")
SD3_MODELS = ("sd3.5-large", "sd3.5-large-turbo", "sd3.5-medium", "sd3.5-flash")
COMMON = {"prompt", "negative_prompt", "aspect_ratio", "seed", "output_format"}
EXTRA = {"ultra": {"strength"}, "core": {"style_preset"}, "sd3": {"model", "cfg_scale", "mode", "strength"},
         "inpaint": {"style_preset", "grow_mask"}}
FILES = {"ultra": {"image"}, "core": set(), "sd3": {"image"}, "inpaint": {"image", "mask"}}


def stability_error(status: int, name: str, *errors: str) -> Reply:
    return Reply(status, {"id": "a1b2c3", "name": name, "errors": list(errors)})


class FakeStability(FakeServer):
    routes: ClassVar = (("POST", "/v2beta/stable-image/generate/(ultra|core|sd3)", "generate"),
                        ("POST", "/v2beta/stable-image/edit/(inpaint)", "generate"),
                        ("GET", "/v1/user/account", "account"))

    def __init__(self, *, api_key: str | None = STABILITY_KEY, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_key = api_key
        self.edit_inputs: list[list[str]] = []  # the file parts of each accepted request

    def auth_error(self, request: Recorded) -> Reply | None:
        if self.api_key is None or request.headers.get("authorization") == f"Bearer {self.api_key}":
            return None
        return stability_error(401, "unauthorized", "authorization: invalid or missing API key")

    def account(self, request: Recorded, match: re.Match[str]) -> Reply:
        return self.auth_error(request) or Reply(json={"id": "user-1", "email": "me@example.com"})

    def generate(self, request: Recorded, match: re.Match[str]) -> Reply:
        problem = self.auth_error(request)
        if problem:
            return problem
        parsed = parse_multipart(request)
        if parsed is None:
            return stability_error(400, "bad_request", "content-type: must be multipart/form-data")
        fields = dict(parsed[0])
        files = {name: data for name, _, _, data in parsed[1] if not (name == "none" and not data)}
        if not fields.get("none", "x") and not [f for f in parsed[1] if f[0] == "none" and f[3]]:
            fields.pop("none")  # the empty part Stability's own examples send to force multipart
        problem = _validate(match[1], fields) or _check_files(match[1], fields, files)
        if problem:
            return problem
        self.edit_inputs.append(sorted(files))
        prompt = fields["prompt"]
        if "[moderate]" in prompt:
            return stability_error(403, "content_moderation",
                                   "Your request was flagged by our content moderation system.")
        seed = int(fields.get("seed", "0")) or 1234
        fmt = fields.get("output_format", "png")
        width, height = dims_for_ratio(fields.get("aspect_ratio", "1:1"), 1024)
        if "image" in files:  # image-to-image and inpaint keep the reference's size
            with Image.open(io.BytesIO(files["image"])) as reference:
                width, height = reference.size
        image = make_image(width, height, {"jpeg": "JPEG", "webp": "WEBP"}.get(fmt, "PNG"), f"{prompt}{seed}")
        if "[filter]" in prompt:
            return Reply(json={"image": b64(image), "finish_reason": "CONTENT_FILTERED", "seed": seed})
        if request.headers.get("accept", "").startswith("application/json"):
            return Reply(json={"image": b64(image), "finish_reason": "SUCCESS", "seed": seed})
        return Reply(body=image, content_type=f"image/{fmt}", headers={"finish-reason": "SUCCESS", "seed": str(seed)})


def _validate(service: str, fields: dict[str, str]) -> Reply | None:
    unknown = sorted(set(fields) - COMMON - EXTRA[service])
    if unknown:
        return stability_error(400, "bad_request", f"{unknown[0]}: unknown field for /{service}")
    if not fields.get("prompt"):
        return stability_error(400, "bad_request", "prompt: cannot be empty")
    if service == "sd3" and fields.get("model", "sd3.5-large") not in SD3_MODELS:
        return stability_error(400, "bad_request", f"model: must be one of {', '.join(SD3_MODELS)}")
    if fields.get("aspect_ratio", "1:1") not in RATIOS:
        return stability_error(400, "bad_request", f"aspect_ratio: must be one of {', '.join(RATIOS)}")
    if "seed" in fields and not (fields["seed"].isdigit() and int(fields["seed"]) <= 4294967294):
        return stability_error(400, "bad_request", "seed: must be between 0 and 4294967294")
    if "cfg_scale" in fields:
        try:
            ok = 1 <= float(fields["cfg_scale"]) <= 10
        except ValueError:
            ok = False
        if not ok:
            return stability_error(400, "bad_request", "cfg_scale: must be between 1 and 10")
    return None


def _check_files(service: str, fields: dict[str, str], files: dict[str, bytes]) -> Reply | None:
    """image-to-image: an image and a strength, no aspect ratio; inpaint: an image, a mask that is an image."""
    unknown = sorted(set(files) - FILES[service])
    if unknown:
        return stability_error(400, "bad_request", f"{unknown[0]}: unknown field for /{service}")
    image_to_image = fields.get("mode") == "image-to-image" or (service == "ultra" and "image" in files)
    if (service == "inpaint" or fields.get("mode") == "image-to-image") and "image" not in files:
        return stability_error(400, "bad_request", "image: required")
    if service == "sd3" and "image" in files and fields.get("mode") != "image-to-image":
        return stability_error(400, "bad_request", "mode: must be image-to-image when an image is sent")
    if image_to_image and "aspect_ratio" in fields:
        return stability_error(400, "bad_request", "aspect_ratio: not allowed with image-to-image")
    if service == "sd3" and image_to_image and "strength" not in fields:
        return stability_error(400, "bad_request", "strength: required for image-to-image")
    if "strength" in fields and not 0 <= float(fields["strength"]) <= 1:
        return stability_error(400, "bad_request", "strength: must be between 0 and 1")
    for name, data in files.items():
        try:
            with Image.open(io.BytesIO(data)) as picture:
                picture.verify()
        except (UnidentifiedImageError, OSError):
            return stability_error(400, "bad_request", f"{name}: is not a valid image")
    return None
