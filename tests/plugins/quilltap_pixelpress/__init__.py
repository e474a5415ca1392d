"""A third-party image provider plug-in, as a pip-installed package would ship it.

PixelPress is a made-up image API: ``POST {base}/render`` with ``{"model", "prompt", "count"}``, the key in
an ``X-Pixel-Key`` header, the answer ``{"renders": [{"png": BASE64}]}``, errors as OpenAI-shaped
bodies. Nothing here touches ``src/``: the package declares an entry point in the group
``quilltap_tui.image_providers`` (see the ``.dist-info`` beside it) and uses only public seams.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from quilltap_tui.imagegen.providers.common import HttpImageProvider, ImagePayload, decode_b64, list_of_dicts
from quilltap_tui.imagegen.spec import ProviderCall, ProviderResult
from quilltap_tui.providers.unit import ImageFacet, ProviderUnit


def parse(body: dict[str, Any]) -> list[ImagePayload]:
    return [ImagePayload(data=decode_b64(item.get("png"), "PixelPress")) for item in list_of_dicts(body.get("renders"))]


class PixelPressImages(HttpImageProvider):
    """The whole provider: one wire call, one parser."""

    async def generate(
        self, call: ProviderCall, *, api_key: str | None, base_url: str
    ) -> ProviderResult:
        body = {"model": call.model, "prompt": call.prompt, "count": call.n}
        answer = await self.request_json("POST", base_url.rstrip("/") + "/render", api_key=api_key, body=body)
        return ProviderResult(await self.images_from(partial(parse, answer), limit=call.n), [], answer)

    async def validate_key(self, *, api_key: str | None, base_url: str) -> None:
        await self.request_json("GET", base_url.rstrip("/") + "/whoami", api_key=api_key)

    async def list_models(self, *, api_key: str | None, base_url: str) -> list[str]:
        answer = await self.request_json("GET", base_url.rstrip("/") + "/models", api_key=api_key)
        return [str(item["id"]) for item in list_of_dicts(answer.get("models")) if "id" in item]


UNIT = ProviderUnit(
    id="pixelpress",
    title="PixelPress",
    default_base_url="https://api.pixelpress.invalid/v2",
    aliases=("pixel-press",),
    env_vars=("PIXELPRESS_API_KEY",),
    auth_header="X-Pixel-Key",
    auth_scheme="",
    image=ImageFacet(factory=PixelPressImages, catalogue="openai", validation_path="/whoami"),
)
