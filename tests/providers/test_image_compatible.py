"""The generic ``openai-compatible`` image provider: exact request bodies against a loopback fake.

Free ``WxH``, ``seed``, ``negative_prompt``, ``steps`` and ``guidance_scale`` go as snake_case body fields
to ``POST {base}/images/generations``; nothing a compatible server would refuse is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from quilltap_tui.imagegen.capabilities import spec_for
from quilltap_tui.imagegen.mapping import plan
from quilltap_tui.imagegen.providers.compatible import CompatibleImages
from quilltap_tui.imagegen.providers.openai import build_request
from quilltap_tui.imagegen.registry import get_image_provider
from quilltap_tui.imagegen.spec import ImageRequest
from tests.fakes.image_servers import FakeCompatibleImages
from tests.support import Cli


@pytest.fixture
def fake() -> Iterator[FakeCompatibleImages]:
    with FakeCompatibleImages() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path / "home", monkeypatch)


def test_the_registry_builds_the_compatible_provider() -> None:
    assert isinstance(get_image_provider("openai-compatible"), CompatibleImages)
    assert isinstance(get_image_provider("OPENAI_COMPATIBLE"), CompatibleImages)


def test_every_generic_option_is_a_snake_case_body_field() -> None:
    request = ImageRequest(prompt="a lighthouse", model="black-forest-labs/FLUX.1-dev", size="1000x604", seed=42,
                           negative_prompt="fog", steps=28, guidance_scale=3.5, count=2, quality="hd", style="vivid")
    planned = plan(spec_for("openai-compatible", request.model), request)
    assert build_request(planned.calls[0]) == ("/images/generations", {
        "model": "black-forest-labs/FLUX.1-dev", "prompt": "a lighthouse", "n": 2, "size": "1000x608",
        "negative_prompt": "fog", "seed": 42, "response_format": "b64_json", "steps": 28, "guidance_scale": 3.5,
    })
    assert planned.used.as_dict() == {"size": "1000x608", "aspect_ratio": None, "quality": None, "style": None,
                                      "count": 2, "negative_prompt": "fog", "seed": 42}
    assert planned.warnings == [
        "size 1000x604 is not available on black-forest-labs/FLUX.1-dev; used 1000x608 (nearest it allows).",
        "quality hd is not a setting on black-forest-labs/FLUX.1-dev; dropped.",
        "style vivid is not a setting on black-forest-labs/FLUX.1-dev; dropped.",
    ]


def test_generate_end_to_end_against_a_keyless_server(cli: Cli, fake: FakeCompatibleImages) -> None:
    made = cli("image-profiles", "add", "--name", "local", "--provider", "openai-compatible", "--model", "flux-dev",
               "--base-url", fake.base_url, "--param", "steps=20", "--param", "guidance_scale=4", "--default")
    assert made.code == 0, made.err
    result = cli("generate", "--json", "--size", "768x512", "--seed", "7", "--negative-prompt", "blur", "a fox")
    assert result.code == 0, result.err
    sent = fake.requests_to("/images/generations")
    assert len(sent) == 1 and "authorization" not in sent[0].headers
    assert sent[0].json == {"model": "flux-dev", "prompt": "a fox", "n": 1, "size": "768x512",
                            "negative_prompt": "blur", "seed": 7, "response_format": "b64_json", "steps": 20,
                            "guidance_scale": 4}
    doc = result.json()
    assert doc["provider"] == "openai-compatible" and doc["warnings"] == []
    assert doc["used"] == {"size": "768x512", "aspect_ratio": None, "quality": None, "style": None, "count": 1,
                           "negative_prompt": "blur", "seed": 7}
    assert (doc["images"][0]["width"], doc["images"][0]["height"]) == (768, 512)


def test_models_lists_what_the_server_serves(cli: Cli, fake: FakeCompatibleImages) -> None:
    listed = cli("models", "--provider", "openai-compatible", "--base-url", fake.base_url, "--json")
    assert listed.code == 0, listed.err
    assert [(m["id"], m["source"]) for m in listed.json()] == [("flux-dev", ["live"]), ("sdxl-turbo", ["live"])]
    assert all(m["capabilities"]["family"] == "generic" and m["capabilities"]["seed"] for m in listed.json())
