"""ComfyUI (self-hosted): a workflow queued at ``/prompt``, no key; see imagegen/providers/comfyui.py."""

from __future__ import annotations

from quilltap_tui.providers.unit import ImageFacet, ProviderUnit

UNIT = ProviderUnit(
    id="comfyui",
    title="ComfyUI",
    default_base_url="http://127.0.0.1:8188",
    aliases=("comfy",),
    needs_key=False,
    image=ImageFacet(
        factory="quilltap_tui.imagegen.providers.comfyui:ComfyUIImages",
        classifier="quilltap_tui.imagegen.providers.comfyui:classify_comfyui",
        catalogue="comfyui",
        validation_path="/system_stats",
    ),
)
