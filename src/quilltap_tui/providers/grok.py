"""xAI (Grok): OpenAI-like images and chat; a bad key is HTTP 400 and errors are ``{code, error}``."""

from __future__ import annotations

from quilltap_tui.providers.unit import ChatFacet, ImageFacet, ProviderUnit

UNIT = ProviderUnit(
    id="grok",
    title="xAI Grok",
    name="xAI",
    default_base_url="https://api.x.ai/v1",
    aliases=("xai",),
    env_vars=("XAI_API_KEY", "GROK_API_KEY"),
    image=ImageFacet(
        factory="quilltap_tui.imagegen.providers.grok:GrokImages",
        classifier="quilltap_tui.imagegen.providers.errors:classify_xai",
        catalogue="grok",
    ),
    chat=ChatFacet(include_usage=True),
)
