"""AUTOMATIC1111 / Forge: ``POST /sdapi/v1/txt2img``, ``img2img`` for edits, the seed read from ``info``.

Wire (AUTOMATIC1111 ``modules/api/api.py`` and ``models.py``; provider-wire.md 2.9): the body carries
``prompt``, ``negative_prompt``, ``width``, ``height``, ``steps``, ``cfg_scale``, ``seed`` (-1 random),
``batch_size`` and ``override_settings.sd_model_checkpoint`` (the profile's model); img2img adds
``init_images`` (base64) and ``denoising_strength``. The answer is ``{"images": [base64], "parameters",
"info": "<JSON text>"}`` whose ``all_seeds`` give each image's seed. Errors are ``{"error", "detail",
"body", "errors"}`` (or FastAPI 422). ``--api-auth user:pass`` servers take HTTP Basic: the stored key is
``user:pass``. Cancelling interrupts the running job (``POST /sdapi/v1/interrupt``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import httpx2

from quilltap_tui.errors import MalformedResponse, ProviderError
from quilltap_tui.imagegen.providers.common import HttpImageProvider, ImagePayload, decode_b64, scrub
from quilltap_tui.imagegen.providers.openai import count_warning
from quilltap_tui.imagegen.spec import ProviderCall, ProviderResult
from quilltap_tui.net import json_body
from quilltap_tui.providers.automatic1111 import UNIT
from quilltap_tui.providers.status import ErrorFacts, error_from_facts
from quilltap_tui.redaction import redact

TITLE = UNIT.sentence_name
NAMES = {"steps": "steps", "guidance_scale": "cfg_scale", "sampler_name": "sampler_name",
         "scheduler": "scheduler", "denoising_strength": "denoising_strength"}  # our extra -> the API's field


def build_request(call: ProviderCall) -> tuple[str, dict[str, Any]]:
    """The path (txt2img, or img2img with inputs) and body. Pure."""
    body: dict[str, Any] = {"prompt": call.prompt, "negative_prompt": call.negative_prompt or "",
                            "seed": call.seed if call.seed is not None else -1, "batch_size": call.n,
                            "override_settings": {"sd_model_checkpoint": call.model},
                            "send_images": True, "save_images": False}
    if call.size:
        width, height = (int(x) for x in call.size.split("x"))
        body.update(width=width, height=height)
    body.update({NAMES[key]: value for key, value in call.extras.items() if key in NAMES})
    if call.inputs is None:
        body.pop("denoising_strength", None)
        return "/sdapi/v1/txt2img", body
    body["init_images"] = [base64.b64encode(image.data).decode() for image in call.inputs.images]
    return "/sdapi/v1/img2img", body


def parse_response(body: dict[str, Any]) -> tuple[list[ImagePayload], list[int | None]]:
    """The images (base64, no prefix) and each one's seed from the ``info`` JSON text."""
    images = body.get("images") if isinstance(body.get("images"), list) else []
    payloads = [ImagePayload(data=decode_b64(item, TITLE)) for item in images or []]
    if not payloads:
        raise MalformedResponse(f"{TITLE} answered without any image.")
    try:
        info = json.loads(body["info"]) if isinstance(body.get("info"), str) else {}
    except ValueError:
        info = {}
    seeds = info.get("all_seeds") if isinstance(info, dict) else None
    seeds = seeds if isinstance(seeds, list) else [info.get("seed")] if isinstance(info, dict) else []
    return payloads, [s if isinstance(s, int) and not isinstance(s, bool) else None for s in seeds]


def classify_a1111(response: httpx2.Response, *, provider: str = TITLE,
                   secrets: Iterable[str | None] = ()) -> ProviderError:
    """``{"error": ExcName, "detail", "errors"}``, FastAPI ``{"detail": [...]}``, or Basic auth's 401."""
    body = json_body(response)
    body = body if isinstance(body, dict) else {}
    detail = body.get("errors") or body.get("detail") or body.get("error")
    param = None
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        loc = [str(p) for p in detail[0].get("loc", []) if p != "body"]
        param = loc[-1] if loc else None
        detail = f"{'.'.join(loc) or 'input'}: {detail[0].get('msg')}"
    if response.status_code == 401 and not detail:
        detail = "the server wants a user name and password (--api-auth); store them as the key, user:pass"
    facts = ErrorFacts(status=response.status_code, param=param,
                       message=redact(str(detail) if detail else f"HTTP {response.status_code}", secrets),
                       reason=body.get("error") if isinstance(body.get("error"), str) else None)
    return error_from_facts(provider, facts, secrets=secrets)


class A1111Images(HttpImageProvider):
    """A Stable Diffusion WebUI (AUTOMATIC1111 or Forge) started with ``--api``."""

    id = "automatic1111"

    def auth_headers(self, api_key: str | None) -> dict[str, str]:
        """HTTP Basic from a ``user:pass`` key; none without a key."""
        return {"Authorization": "Basic " + base64.b64encode(api_key.encode()).decode()} if api_key else {}

    async def generate(self, call: ProviderCall, *, api_key: str | None, base_url: str) -> ProviderResult:
        """One txt2img (or img2img) call; Ctrl-C interrupts the job at the server."""
        root = base_url.rstrip("/")
        path, body = build_request(call)
        try:
            answer = await self.request_json("POST", root + path, api_key=api_key, body=body)
        except asyncio.CancelledError:
            await asyncio.shield(self._interrupt(root, api_key))
            raise
        payloads, seeds = await asyncio.to_thread(parse_response, answer)
        images = await self.images_from(lambda: payloads, limit=call.n, origin=base_url)
        seeded = [replace(image, seed=seeds[i] if i < len(seeds) else None) for i, image in enumerate(images)]
        return ProviderResult(seeded, count_warning(self.title, call.n, len(seeded)), scrub(answer))

    async def _interrupt(self, root: str, api_key: str | None) -> None:
        with contextlib.suppress(httpx2.HTTPError):
            await self.client.post(root + "/sdapi/v1/interrupt", headers=self.auth_headers(api_key))

    async def validate_key(self, *, api_key: str | None, base_url: str) -> None:
        """``GET /sdapi/v1/sd-models``: answers when the API is on and the Basic credentials (if any) work."""
        await self.list_models(api_key=api_key, base_url=base_url)

    async def list_models(self, *, api_key: str | None, base_url: str) -> list[str]:
        """The checkpoints' titles from ``GET /sdapi/v1/sd-models`` (a JSON list)."""
        response = await self.client.get(base_url.rstrip("/") + "/sdapi/v1/sd-models",
                                         headers=self.auth_headers(api_key))
        if response.status_code >= 400:
            raise self.classifier(response, provider=self.title, secrets=(api_key,))
        rows = json_body(response)
        return [row["title"] for row in rows if isinstance(row, dict) and isinstance(row.get("title"), str)] \
            if isinstance(rows, list) else []
