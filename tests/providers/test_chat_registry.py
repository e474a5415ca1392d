"""Chat provider registry: ids, base URLs, keys, and no SDK import at start-up."""

from __future__ import annotations

import subprocess
import sys

import pytest

from quilltap_tui.chat.providers.anthropic import AnthropicProvider
from quilltap_tui.chat.providers.openai_compat import OpenAICompatProvider
from quilltap_tui.chat.registry import get_chat_provider
from quilltap_tui.errors import AuthError, Invalid


@pytest.mark.parametrize(
    ("pid", "expected"),
    [
        ("openai", "https://api.openai.com/v1"),
        ("GROK", "https://api.x.ai/v1"),
        ("google", "https://generativelanguage.googleapis.com/v1beta/openai"),
        ("openrouter", "https://openrouter.ai/api/v1"),
        ("OPENAI_COMPATIBLE", "http://localhost:8000/v1"),
    ],
)
def test_default_base_urls(pid: str, expected: str) -> None:
    provider = get_chat_provider(pid, api_key="sk-x")
    assert isinstance(provider, OpenAICompatProvider)
    assert provider.base_url == expected


def test_gemini_base_url_from_the_contract_form_gets_the_openai_suffix_once() -> None:
    for given in ("https://proxy.example/v1beta", "https://proxy.example/v1beta/openai"):
        provider = get_chat_provider("google", api_key="k", base_url=given)
        assert isinstance(provider, OpenAICompatProvider)
        assert provider.base_url == "https://proxy.example/v1beta/openai"


def test_anthropic_is_its_own_provider_and_accepts_v1_in_the_url() -> None:
    provider = get_chat_provider("anthropic", api_key="k", base_url="https://api.anthropic.com/v1")
    assert isinstance(provider, AnthropicProvider)
    assert provider.base_url == "https://api.anthropic.com"


def test_key_rules() -> None:
    with pytest.raises(AuthError, match="needs an API key"):
        get_chat_provider("openai", api_key=None)
    get_chat_provider("ollama", api_key=None)  # key-less by design
    get_chat_provider("openai", api_key=None, base_url="http://127.0.0.1:9/v1")  # a compatible server


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(Invalid) as info:
        get_chat_provider("nope", api_key="k")
    assert info.value.field == "provider"
    with pytest.raises(Invalid) as info:
        get_chat_provider("openai", api_key="k", base_url="ftp://example.com/v1")
    assert info.value.field == "base_url"


def test_importing_the_registry_and_building_providers_imports_no_sdk() -> None:
    code = (
        "import sys\n"
        "from quilltap_tui.chat.registry import get_chat_provider\n"
        "get_chat_provider('anthropic', api_key='k'); get_chat_provider('openai', api_key='k')\n"
        "print(sorted(m for m in ('openai', 'anthropic') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
