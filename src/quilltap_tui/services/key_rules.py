"""A key belongs to its provider: which profiles may hold it and which hosts may receive it.

The rule, shared by the CLI, the TUI and model discovery:

* a profile may only hold a key stored for its own provider; a provider whose unit says ``any_key``
  (``openai-compatible``: a server its owner set up with whatever key) may hold any key;
* a key is only ever sent to its own provider: to that provider's default host, or to the base URL of a
  profile (or a ``--base-url``) *of that provider*. It is never sent on behalf of another provider, so an
  OpenAI key is never sent to a grok profile's custom base URL, nor in a Grok model listing. The one
  exception is again an ``any_key`` provider, whose base URL is the user's own server.

Profiles saved before this rule still hold what they held, but their key is not sent: generating
or chatting with one fails (exit 2) until it is edited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quilltap_tui import provider_ids
from quilltap_tui.errors import Invalid

if TYPE_CHECKING:
    from quilltap_tui.services.context import AppContext


def key_fits(target_provider: str, key_provider: str) -> bool:
    """Whether a key stored for ``key_provider`` may serve (and be sent for) ``target_provider``."""
    unit = provider_ids.info(target_provider)
    return unit.any_key or provider_ids.normalize_key_provider(key_provider) == unit.id


def check_key_fits(target_provider: str, key_label: str, key_provider: str, *, what: str) -> None:
    """Refuse (exit 2, field ``key``) a key stored for another provider, naming both providers.

    ``what`` names what would use the key: "an image profile", "a chat profile", "the model list".
    """
    if key_fits(target_provider, key_provider):
        return
    target = provider_ids.info(target_provider)
    owner = provider_ids.title(key_provider)
    raise Invalid(
        "key",
        f"Key {key_label} is stored for {owner} ({key_provider}), not for {target.title} ({target.id}): "
        f"{what} for {target.id} takes only keys stored for {target.id} (an openai-compatible profile takes "
        "any key).",
    )


def check_stored_key(ctx: AppContext, key_id: str, target_provider: str, *, what: str) -> None:
    """Refuse, before its secret is read, a stored key that does not belong to ``target_provider``."""
    from quilltap_tui.db.models import ApiKey  # here: `ask`'s plain path checks keys without the ORM

    with ctx.db.session() as session:
        row = session.get(ApiKey, key_id)
        if row is not None:
            check_key_fits(target_provider, row.label, row.provider, what=what)


def env_secret(ctx: AppContext, provider: str) -> str | None:
    """A provider environment variable (OPENAI_API_KEY, ...) as a read-only fallback key."""
    for var in provider_ids.info(provider).env_vars:
        value = ctx.environ.get(var, "").strip()
        if value:
            return value
    return None
