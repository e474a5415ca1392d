"""Together AI images: ``POST {base}/images/generations``, OpenAI-like but with its own words.

Wire (togethercomputer/together-python ``resources/images.py``, ``types/images.py`` and ``image_file.py``
@5077f31c; provider-wire.md 2.8): ``model``, ``prompt``, ``n``, ``width``, ``height`` (not ``size``),
``steps``, ``seed``, ``negative_prompt``, ``guidance_scale``, ``output_format`` jpeg|png and
``response_format`` ``"base64"`` or ``"url"`` (not ``b64_json``). The answer is ``{"id", "model", "object":
"list", "data": [{"index", "b64_json"} | {"index", "url"}]}``. Errors are OpenAI-shaped.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from quilltap_tui.imagegen.providers.common import HttpImageProvider, list_of_dicts, scrub
from quilltap_tui.imagegen.providers.openai import count_warning, parse_response
from quilltap_tui.imagegen.spec import ProviderCall, ProviderResult
from quilltap_tui.net import json_body

PATH = "/images/generations"


def build_request(call: ProviderCall) -> tuple[str, dict[str, Any]]:
    """The path and JSON body. Pure."""
    body: dict[str, Any] = {"model": call.model, "prompt": call.prompt, "n": call.n, "response_format": "base64"}
    if call.size:
        width, height = (int(x) for x in call.size.split("x"))
        body.update(width=width, height=height)
    optional = {"seed": call.seed, "negative_prompt": call.negative_prompt}
    body.update({name: value for name, value in optional.items() if value is not None})
    body.update(call.extras)  # steps, guidance_scale, output_format: Together's own names
    return PATH, body


class TogetherImages(HttpImageProvider):
    """Together AI's image API."""

    id = "together"

    async def generate(self, call: ProviderCall, *, api_key: str | None, base_url: str) -> ProviderResult:
        path, body = build_request(call)
        answer = await self.request_json("POST", base_url.rstrip("/") + path, api_key=api_key, body=body)
        images = await self.images_from(partial(parse_response, answer, self.title), limit=call.n, origin=base_url)
        return ProviderResult(images, count_warning(self.title, call.n, len(images)), scrub(answer))

    async def validate_key(self, *, api_key: str | None, base_url: str) -> None:
        """``GET /models``: refused with 401 when the key is bad."""
        await self.list_models(api_key=api_key, base_url=base_url)

    async def list_models(self, *, api_key: str | None, base_url: str) -> list[str]:
        """The ``type: image`` models of ``GET /models`` (a JSON list, not OpenAI's ``{data}``)."""
        response = await self.client.get(base_url.rstrip("/") + "/models", headers=self.auth_headers(api_key))
        if response.status_code >= 400:
            raise self.classifier(response, provider=self.title, secrets=(api_key,))
        rows = json_body(response)
        rows = rows.get("data") if isinstance(rows, dict) else rows
        return [row["id"] for row in list_of_dicts(rows)
                if row.get("type") == "image" and isinstance(row.get("id"), str)]
