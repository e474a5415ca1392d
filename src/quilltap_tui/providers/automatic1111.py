"""AUTOMATIC1111 / Forge (self-hosted, started with ``--api``): ``/sdapi/v1/txt2img`` and ``img2img``.

No key by default; a server started with ``--api-auth user:pass`` takes HTTP Basic: store ``user:pass``
as the key (see imagegen/providers/automatic1111.py).
"""

from __future__ import annotations

from quilltap_tui.providers.unit import ImageFacet, ProviderUnit

UNIT = ProviderUnit(
    id="automatic1111",
    title="AUTOMATIC1111 / Forge",
    name="Stable Diffusion WebUI",
    badge="A1111",
    default_base_url="http://127.0.0.1:7860",
    aliases=("forge", "a1111", "sdwebui"),
    needs_key=False,
    auth_scheme="Basic ",
    image=ImageFacet(
        factory="quilltap_tui.imagegen.providers.automatic1111:A1111Images",
        classifier="quilltap_tui.imagegen.providers.automatic1111:classify_a1111",
        catalogue="automatic1111",
        validation_path="/sdapi/v1/sd-models",
    ),
)
