"""Replicate: model predictions with ``Prefer: wait``, polling when the wait runs out; Bearer key."""

from __future__ import annotations

from quilltap_tui.providers.unit import ImageFacet, ProviderUnit

UNIT = ProviderUnit(
    id="replicate",
    title="Replicate",
    default_base_url="https://api.replicate.com/v1",
    env_vars=("REPLICATE_API_TOKEN",),
    image=ImageFacet(
        factory="quilltap_tui.imagegen.providers.replicate:ReplicateImages",
        classifier="quilltap_tui.imagegen.providers.replicate:classify_replicate",
        catalogue="replicate",
        validation_path="/account",
    ),
)
