"""Provider environment variables (``OPENAI_API_KEY`` and friends) as read-only keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from quilltap_tui import provider_ids
from quilltap_tui.errors import VaultError
from quilltap_tui.redaction import last4, register


@dataclass(frozen=True)
class EnvKey:
    """A provider key found in the environment; only the variable's name and last four are kept."""

    provider: str
    env_var: str
    last4: str


def find_env_keys(environ: Mapping[str, str]) -> list[EnvKey]:
    """Every provider variable that is set and not empty, in provider order then variable order."""
    found: list[EnvKey] = []
    for info in map(provider_ids.info, provider_ids.key_ids()):
        for var in info.env_vars:
            value = environ.get(var, "").strip()
            if value:
                register(value)  # the SDKs may read it too; any echo of it must be redacted
                found.append(EnvKey(info.id, var, last4(value)))
    return found


def read_env_key(environ: Mapping[str, str], env_var: str | None) -> str:
    """The key held by ``env_var``; a clear VaultError when it is not named, not set or empty."""
    if not env_var:
        raise VaultError("This key is read from the environment but no variable name is recorded for it.")
    value = environ.get(env_var, "").strip()
    if not value:
        raise VaultError(f"The environment variable {env_var} is not set, so its key is not available.")
    register(value)
    return value
