"""Any server speaking the OpenAI API (vLLM, LocalAI, LM Studio...). Its profiles may use any key."""

from __future__ import annotations

from quilltap_tui.providers.unit import ChatFacet, ProviderUnit

UNIT = ProviderUnit(
    id="openai-compatible",
    title="OpenAI-compatible server",
    badge="compatible",
    default_base_url="http://localhost:8000/v1",
    aliases=("openai_compatible",),
    needs_key=False,
    any_key=True,
    chat=ChatFacet(),
)
