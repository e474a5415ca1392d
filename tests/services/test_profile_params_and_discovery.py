"""Issue 12 #15 and #16: profile parameters are checked at save with generation's rules; OpenAI chat-model
discovery no longer offers image models as chat models.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from quilltap_tui.errors import Invalid
from quilltap_tui.services import profiles
from quilltap_tui.services.context import AppContext
from tests.chat_support import make_ctx
from tests.fakes.chat_servers import FakeChatServer
from tests.support import Cli


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    context = make_ctx(tmp_path / "svc")
    yield context
    context.close()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path / "home", monkeypatch)


def add(cli: Cli, *args: str) -> tuple[int, str]:
    result = cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-2", *args)
    return result.code, result.last_err_line if result.code else ""


@pytest.mark.parametrize(
    ("param", "field", "words"),
    [
        ("size=potato", "size", "size 'potato' is not WIDTHxHEIGHT"),
        ("foo=bar", "foo", "option foo is not a setting on gpt-image-2"),
        ("quality=ultra", "quality", "quality ultra is not known for gpt-image-2"),
        ("background=green", "background", "option background='green' is not allowed on gpt-image-2"),
        ("count=0", "count", "count must be a whole number of at least 1"),
        ("output_compression=500", "output_compression", "output_compression must be a whole number from 0 to 100"),
    ],
)
def test_nonsense_parameters_are_refused_at_save_naming_the_parameter(
    cli: Cli, param: str, field: str, words: str
) -> None:
    code, message = add(cli, "--param", param)
    assert code == 2 and words in message, message
    assert cli("image-profiles", "list", "--json").json() == []  # nothing half-written


def test_sensible_parameters_are_kept_and_seed_vocabulary_still_maps(cli: Cli) -> None:
    code, message = add(cli, "--param", "size=1792x1024", "--param", "quality=hd", "--param", "background=opaque")
    assert code == 0, message
    shown = cli("image-profiles", "show", "art", "--json").json()
    assert shown["parameters"] == {"size": "1792x1024", "quality": "hd", "background": "opaque"}


def test_edit_checks_the_result_as_a_whole(cli: Cli) -> None:
    assert add(cli, "--param", "complexity=low", "--model", "gpt-image-2.6-flare")[0] == 0
    # gpt-image-2 has no complexity: moving the profile there keeps a parameter it cannot take.
    moved = cli("image-profiles", "edit", "art", "--model", "gpt-image-2")
    assert moved.code == 2 and "option complexity is not a setting on gpt-image-2" in moved.last_err_line
    assert cli("image-profiles", "show", "art", "--json").json()["model"] == "gpt-image-2.6-flare"


def test_the_service_rule_the_tui_form_uses(ctx: AppContext) -> None:
    with pytest.raises(Invalid) as caught:
        profiles.create(ctx, profiles.IMAGE, name="a", provider="grok", model="grok-imagine-image-2.0",
                        parameters={"aspect_ratio": "wide-ish"})
    assert caught.value.field == "aspect_ratio"


def test_an_openai_compatible_image_profile_needs_a_base_url(cli: Cli) -> None:
    result = cli("image-profiles", "add", "--name", "local", "--provider", "openai-compatible", "--model", "flux")
    assert result.code == 2 and "needs a base URL" in result.last_err_line
    ok = cli("image-profiles", "add", "--name", "local", "--provider", "openai-compatible", "--model", "flux",
             "--base-url", "http://127.0.0.1:9/v1", "--param", "steps=30", "--param", "seed=7")
    assert ok.code == 0, ok.err


def test_openai_chat_discovery_leaves_out_image_models(cli: Cli) -> None:
    served = ("gpt-5-mini", "dall-e-3", "dall-e-2", "gpt-image-1", "gpt-image-2.6-flare", "chatgpt-image-latest",
              "gpt-4o")
    key = "sk-test-openai-chat-000000000000"
    with FakeChatServer("openai", api_key=key, models=served) as fake:
        assert cli("keys", "add", "--provider", "openai", "--label", "oa", stdin=key).code == 0
        result = cli("models", "--provider", "openai", "--key", "oa", "--base-url", fake.base_url, "--chat", "--json")
    assert result.code == 0, result.err
    live = [m["id"] for m in result.json() if "live" in m["source"]]
    assert live == ["gpt-4o", "gpt-5-mini"]
