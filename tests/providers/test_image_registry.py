"""Registry: provider lookup by id/alias, and model discovery merging the live list with the table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import httpx2
import pytest

from quilltap_tui.errors import AuthError, Invalid
from quilltap_tui.imagegen.providers.google import GoogleImages
from quilltap_tui.imagegen.providers.grok import GrokImages
from quilltap_tui.imagegen.providers.openai import OpenAIImages
from quilltap_tui.imagegen.registry import discover_models, get_image_provider
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages

ROOT = Path(__file__).resolve().parents[2]


def test_ids_and_aliases_resolve_to_providers() -> None:
    assert isinstance(get_image_provider("OPENAI"), OpenAIImages)
    assert isinstance(get_image_provider("xai"), GrokImages)
    assert isinstance(get_image_provider("GOOGLE_IMAGEN"), GoogleImages)
    assert get_image_provider("openai", max_retries=5).max_retries == 5
    with pytest.raises(Invalid) as caught:
        get_image_provider("dreamhost-images")
    assert caught.value.field == "provider"


async def test_live_list_is_merged_with_the_table_and_labelled() -> None:
    with FakeOpenAIImages(models=("gpt-image-1", "dall-e-3", "gpt-image-9")) as fake:
        infos = {m.id: m for m in await discover_models("openai", api_key=TEST_KEYS["openai"], base_url=fake.base_url)}
    assert infos["gpt-image-1"].source == ("built-in", "live")
    assert infos["gpt-image-9"].source == ("live",)
    assert infos["gpt-image-9"].capabilities["family"] == "gpt-image-2"
    assert infos["chatgpt-image-latest"].source == ("built-in",)
    assert infos["dall-e-3"].retired and infos["gpt-image-1"].retired and not infos["gpt-image-2"].retired
    assert "gpt-4o" not in infos
    assert infos["gpt-image-1"].as_json() == {
        "id": "gpt-image-1", "source": ["built-in", "live"], "retired": True, "shutdown_date": "2026-10-23",
        "replacement": "gpt-image-2.5-sunburst", "capabilities": infos["gpt-image-1"].capabilities,
    }


async def test_without_key_on_the_default_url_only_the_table_is_shown() -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise AssertionError(f"no request expected, got {request.url}")

    provider = OpenAIImages(client=httpx2.AsyncClient(transport=httpx2.MockTransport(refuse)))
    infos = await discover_models("openai", api_key=None, base_url=None, provider=provider)
    assert infos and all(info.source == ("built-in",) for info in infos)


async def test_live_failure_with_a_key_is_raised_not_hidden() -> None:
    with FakeOpenAIImages() as fake, pytest.raises(AuthError):
        await discover_models("openai", api_key="sk-wrong-key-000000", base_url=fake.base_url)


async def test_keyless_compatible_server_is_listed_live() -> None:
    with FakeOpenAIImages(api_key=None, models=("gpt-image-1",)) as fake:
        infos = await discover_models("openai", api_key=None, base_url=fake.base_url)
        assert "authorization" not in fake.requests[0].headers
    assert {m.id: m.source for m in infos}["gpt-image-1"] == ("built-in", "live")


def test_fake_runs_as_a_standalone_process_and_can_be_scripted(tmp_path: Path) -> None:
    port_file = tmp_path / "port"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.image_servers", "--kind", "openai", "--port-file", str(port_file)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port_file.read_text()}"
        script = json.dumps({"status": 503, "json": {"error": {"message": "down"}}}).encode()
        urllib.request.urlopen(urllib.request.Request(base + "/_fake/script", data=script, method="POST"))
        with httpx2.Client() as client:
            headers = {"Authorization": f"Bearer {TEST_KEYS['openai']}"}
            assert client.get(base + "/v1/models", headers=headers).status_code == 503
            models = client.get(base + "/v1/models", headers=headers).json()
            recorded = client.get(base + "/_fake/requests").json()
        assert "gpt-image-1" in [m["id"] for m in models["data"]]
        assert [r["path"] for r in recorded] == ["/v1/models", "/v1/models"]
    finally:
        process.terminate()
        process.wait(timeout=10)
