"""What a generation records of its options, pinned: ``used``, ``generate --json`` and the audit block.

A profile's saved parameters are the defaults, the call's options win; the mapped values are ``used``
and the audit row keeps what was asked for next to them. Made-up models keep the pin catalogue-proof.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from quilltap_tui.imagegen import capabilities
from quilltap_tui.imagegen.spec import GeneratedImage, ProviderCall, ProviderResult
from quilltap_tui.imagegen.spec_model import ModelSpec
from quilltap_tui.services import audit, generation, keys, profiles
from quilltap_tui.services.generation import GenerationService
from quilltap_tui.tools import generate_image
from tests.chat_support import make_ctx
from tests.fakes.image_servers import TEST_KEYS
from tests.golden import check_json
from tests.tools.test_option_schemas_golden import SPECS

GOLDEN = Path(__file__).parent / "golden" / "option_records.json"

PROFILES: dict[str, tuple[str, dict[str, Any]]] = {
    "fixed": ("fixed-sizes", {"size": "1792x1024", "quality": "standard", "style": "natural", "count": 2}),
    "free": ("free-size", {"quality": "high", "output_format": "webp"}),
    "aspect": ("aspect", {"aspect_ratio": "16:9", "resolution": "1K"}),
    "seeded": ("seeded", {"negative_prompt": "blur", "seed": 3}),
}
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("fixed", {}),
    ("fixed", {"size": "1024x1024", "quality": "hd", "count": 1}),
    ("fixed", {"aspect_ratio": "9:16", "negative_prompt": "text", "seed": 9}),
    ("free", {"size": "1280x720", "quality": "hd", "count": 3}),
    ("free", {"aspect_ratio": "16:9", "style": "vivid"}),
    ("aspect", {}),
    ("aspect", {"size": "1920x1080", "quality": "hd"}),
    ("aspect", {"resolution": "2K", "count": 2}),
    ("seeded", {"size": "1000x600", "count": 5}),
    ("seeded", {"seed": 11, "negative_prompt": "dogs"}),
]


def png(width: int = 8, height: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(out, "PNG")
    return out.getvalue()


class MadeUpProvider:
    """Answers every wire call with ``n`` small PNGs and remembers the calls."""

    id = "openai"
    default_base_url = "http://127.0.0.1:9/v1"
    sent: list[ProviderCall] = []

    async def generate(self, call: ProviderCall, *, api_key: str | None, base_url: str) -> ProviderResult:
        self.sent.append(call)
        return ProviderResult([GeneratedImage(png(), "image/png", 8, 8, seed=call.seed) for _ in range(call.n)], [])

    async def aclose(self) -> None:
        pass


@pytest.fixture(autouse=True)
def _made_up_models(monkeypatch: pytest.MonkeyPatch) -> None:
    def spec_for(provider: str, model: str) -> ModelSpec:
        return SPECS[model]

    monkeypatch.setattr(capabilities, "spec_for", spec_for)
    monkeypatch.setattr(generation, "spec_for", spec_for, raising=False)


def wire(call: ProviderCall) -> dict[str, Any]:
    keep = ("prompt", "n", "size", "aspect_ratio", "resolution", "quality", "style", "negative_prompt", "seed")
    return {**{k: getattr(call, k) for k in keep}, "extras": dict(call.extras)}


def test_used_json_and_audit_are_unchanged(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path)
    keys.add_key(ctx, provider="openai", label="k", secret=TEST_KEYS["openai"])
    for name, (model, parameters) in PROFILES.items():
        profiles.create(ctx, profiles.IMAGE, name=name, provider="openai", model=model, key="k",
                        parameters=parameters, max_images_per_call=10)
    pinned: list[dict[str, Any]] = []
    for profile, given in CALLS:
        MadeUpProvider.sent = []
        service = GenerationService(ctx, provider_factory=lambda _id: MadeUpProvider())
        # The options object as callers make it: the tool's parser (CLI flags are pinned in tests/cli).
        prompt, options = generate_image.parse_input({"prompt": "a red fox", **given})
        outcome = asyncio.run(service.generate(prompt, profile=profile, options=options, source="cli"))
        document = outcome.as_json()
        entry = audit.list_entries(ctx, limit=1)[0]
        pinned.append({
            "profile": profile, "given": given,
            "used": document["used"], "warnings": document["warnings"],
            "json_keys": list(document), "image_keys": list(document["images"][0]),
            "audit": entry.parameters, "wire": [wire(c) for c in MadeUpProvider.sent],
        })
    check_json(GOLDEN, pinned)
