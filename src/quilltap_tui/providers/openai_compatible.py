"""Any server speaking the OpenAI API (vLLM, LocalAI, LM Studio...). Its profiles may use any key."""

from __future__ import annotations

from quilltap_tui.providers.unit import ChatFacet, ImageFacet, ProviderUnit

UNIT = ProviderUnit(
    id="openai-compatible",
    title="OpenAI-compatible server",
    badge="compatible",
    default_base_url="http://localhost:8000/v1",
    aliases=("openai_compatible",),
    needs_key=False,
    any_key=True,
    # Images: POST {base}/images/generations with free WxH, seed, negative_prompt, steps and guidance_scale
    # (the catalogue's "generic" family). A base URL is required: there is no default image server.
    image=ImageFacet(
        factory="quilltap_tui.imagegen.providers.compatible:CompatibleImages",
        classifier="quilltap_tui.imagegen.providers.errors:classify_openai",
        catalogue="openai-compatible",
        requires_base_url=True,
    ),
    chat=ChatFacet(),
)
