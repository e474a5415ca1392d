"""A provider added by a pip-installed plug-in, through the ``quilltap_tui.image_providers`` entry point.

The plug-in lives in ``tests/plugins`` (a package plus its ``.dist-info``, exactly what pip leaves in
site-packages); putting that folder on ``sys.path`` is the whole installation. Nothing in ``src/`` names
it, yet the CLI accepts its id, stores keys for it, makes profiles with it, generates through it and
``doctor`` lists it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest

from quilltap_tui.providers import registry
from quilltap_tui.providers.unit import ChatFacet, ImageFacet, ProviderUnit
from tests.fakes.image_servers import b64, make_image
from tests.fakes.server import FakeServer, Recorded, Reply
from tests.support import Cli

PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
KEY = "pp-test-key-0123456789"


class FakePixelPress(FakeServer):
    """The plug-in's made-up API: ``POST /v2/render``, key in ``X-Pixel-Key``."""

    prefix = "/v2"
    routes: ClassVar = (("POST", "/render", "render"), ("GET", "/models", "models"))

    def render(self, request: Recorded, match: re.Match[str]) -> Reply:
        if request.headers.get("x-pixel-key") != KEY:
            return Reply(401, {"error": {"message": "Bad pixel key.", "code": "invalid_key"}})
        body: dict[str, Any] = request.json
        return Reply(json={"renders": [{"png": b64(make_image(64, 48, seed=body["prompt"]))}
                                       for _ in range(body["count"])]})

    def models(self, request: Recorded, match: re.Match[str]) -> Reply:
        return Reply(json={"models": [{"id": "pixel-1"}, {"id": "pixel-2"}]})


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The plug-in 'pip-installed': its folder on sys.path, the registry rebuilt around it."""
    monkeypatch.syspath_prepend(str(PLUGINS))
    registry.reset()
    yield
    registry.reset()
    sys.modules.pop("quilltap_pixelpress", None)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path / "home", monkeypatch)


def test_the_entry_point_adds_an_image_provider_beside_the_built_ins(installed: None) -> None:
    reg = registry.registry()
    assert reg.ids("image")[:3] == ("openai", "grok", "google")
    assert "pixelpress" in reg.ids("image") and "pixelpress" not in reg.ids("chat")
    unit = registry.image_unit("Pixel-Press")  # its own alias, any case
    assert (unit.id, unit.origin) == ("pixelpress", "quilltap-pixelpress")
    assert "pixelpress" in reg.key_ids()
    assert reg.notes == []


def test_without_the_plug_in_its_id_is_refused(cli: Cli) -> None:
    registry.reset()
    result = cli("image-profiles", "add", "--name", "p", "--provider", "pixelpress", "--model", "pixel-1")
    assert result.code == 2
    assert "Unknown provider 'pixelpress'" in result.last_err_line


def test_a_plug_in_provider_generates_end_to_end(installed: None, cli: Cli) -> None:
    with FakePixelPress() as fake:
        assert cli("keys", "add", "--provider", "pixelpress", "--label", "pp", stdin=KEY + "\n").code == 0
        added = cli("image-profiles", "add", "--name", "press", "--provider", "PIXELPRESS", "--model", "pixel-1",
                    "--key", "pp", "--base-url", f"{fake.origin}/v2", "--default")
        assert added.code == 0, added.err
        result = cli("generate", "--json", "--count", "2", "a red kite")
        assert result.code == 0, result.err
        doc = result.json()
        assert (doc["provider"], doc["model"], len(doc["images"])) == ("pixelpress", "pixel-1", 2)
        assert all(Path(image["path"]).read_bytes()[:4] == b"\x89PNG" for image in doc["images"])
        sent = [r for r in fake.requests if r.path.endswith("/render")]
        assert sent[0].headers["x-pixel-key"] == KEY and "authorization" not in sent[0].headers
        assert sent[0].json["model"] == "pixel-1" and sent[0].json["prompt"].startswith("a red kite")
        models = cli("models", "--provider", "pixelpress", "--key", "pp", "--base-url", f"{fake.origin}/v2", "--json")
        assert {"pixel-1", "pixel-2"} <= {m["id"] for m in models.json()}
    doctor = cli("doctor", "--json").json()
    row = next(p for p in doctor["providers"] if p["id"] == "pixelpress")
    assert row == {"id": "pixelpress", "title": "PixelPress", "kinds": ["image"], "origin": "quilltap-pixelpress"}


def test_a_broken_plug_in_is_noted_and_skipped() -> None:
    def broken() -> Any:
        raise ImportError("No module named 'pixelpress_sdk'")

    def entry_points(group: str) -> list[Any]:
        if group != registry.IMAGE_GROUP:
            return []
        dist = SimpleNamespace(name="broken-plugin")
        return [SimpleNamespace(name="broken", value="broken:UNIT", dist=dist, load=broken),
                SimpleNamespace(name="thief", value="x:UNIT", dist=dist, load=lambda: ProviderUnit(
                    id="openai", title="Fake", default_base_url="http://x", image=ImageFacet(factory=dict))),
                SimpleNamespace(name="chatty", value="y:UNIT", dist=dist, load=lambda: ProviderUnit(
                    id="chatty", title="Chatty", default_base_url="http://y", chat=ChatFacet())),
                ]

    reg = registry.Registry()
    for ref in registry.BUILTIN:
        reg.load(ref)
    builtin_ids = reg.ids("image")
    assert {"openai", "grok", "google", "openrouter", "openai-compatible"} <= set(builtin_ids)
    reg.load_entry_points(entry_points)
    assert reg.ids("image") == builtin_ids, "no plug-in of this group was accepted"
    assert reg.unit("openai").title == "OpenAI"
    assert any("broken" in note and "failed to load" in note for note in reg.notes)
    assert any("reuses the image provider id 'openai'" in note for note in reg.notes)
    assert any("chatty" in note and "declares no image support" in note for note in reg.notes)


def test_plug_ins_are_looked_up_only_when_the_built_ins_do_not_answer(
    installed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib import metadata

    from quilltap_tui import provider_ids
    from quilltap_tui.services.key_rules import key_fits

    looked: list[str] = []
    real = metadata.entry_points

    def entry_points(group: str) -> Any:
        looked.append(group)
        return real(group=group)

    monkeypatch.setattr(metadata, "entry_points", entry_points)
    registry.reset()
    # What `ask` with a built-in provider asks: no plug-in lookup (it read every distribution's metadata).
    assert registry.chat_unit("OPENAI").id == "openai"
    assert registry.registry().normalize("xai", "image") == "grok"
    assert provider_ids.installed("openai", "chat") and key_fits("openai", "openai")
    assert looked == []
    # A name no built-in has: the plug-ins are looked up, once.
    assert registry.image_unit("Pixel-Press").id == "pixelpress"
    assert sorted(looked) == sorted(registry.GROUPS.values())
    assert "pixelpress" in registry.registry().ids("image") and len(looked) == 2


def test_a_listing_includes_the_plug_ins_without_a_lookup_first(installed: None) -> None:
    registry.reset()
    assert "pixelpress" in registry.registry().ids("image")
    registry.reset()
    assert "pixelpress" in registry.registry().key_ids()
    registry.reset()
    assert "pixelpress" in registry.registry().units["image"]


def test_a_plug_in_alias_never_takes_a_providers_id() -> None:
    def entry_points(group: str) -> list[Any]:
        if group != registry.CHAT_GROUP:
            return []
        return [SimpleNamespace(name="sly", value="s:UNIT", dist=SimpleNamespace(name="sly-plugin"),
                                load=lambda: ProviderUnit(id="sly", title="Sly", default_base_url="http://s",
                                                          aliases=("grok", "slyish"), chat=ChatFacet()))]

    reg = registry.Registry()
    for ref in registry.BUILTIN:
        reg.load(ref)
    reg.load_entry_points(entry_points)
    # grok means the built-in provider, before and after the plug-ins load: an image profile of grok too
    assert reg.normalize("grok", "image") == "grok" and reg.normalize("grok", "chat") == "grok"
    assert reg.normalize("SLYISH", "chat") == "sly"
    assert any("alias 'grok'" in note and "ignored" in note for note in reg.notes)


def test_a_question_asked_while_the_plug_ins_load_waits_for_them(
    installed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    from importlib import metadata

    started, release = threading.Event(), threading.Event()
    real = metadata.entry_points

    def slow(group: str) -> Any:
        started.set()
        release.wait(30)
        return real(group=group)

    monkeypatch.setattr(metadata, "entry_points", slow)
    registry.reset()
    reg = registry.registry()
    lister = threading.Thread(target=lambda: reg.ids("image"))  # e.g. the TUI's warm-up listing the units
    lister.start()
    assert started.wait(30)
    answers: list[str] = []
    asker = threading.Thread(target=lambda: answers.append(registry.image_unit("pixelpress").id))
    asker.start()
    asker.join(0.5)  # it asks while the plug-ins are still loading ...
    release.set()
    lister.join(30)
    asker.join(30)
    assert answers == ["pixelpress"]  # ... and gets the plug-in, not "unknown provider"
