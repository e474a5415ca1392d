"""The key vault: API keys in the OS keyring, an encrypted file, or provider environment variables.

Nothing here imports a UI toolkit or prompts by itself: a passphrase comes from :meth:`Vault.unlock`,
``QUILLTAP_VAULT_PASSPHRASE`` or the caller's :data:`PassphraseProvider` (a hidden prompt in the CLI,
a modal in the TUI). Secrets are shown only through :func:`mask`.
"""

from __future__ import annotations

from quilltap_tui.secrets.env_keys import EnvKey
from quilltap_tui.secrets.file_vault import LOCKED_MESSAGE, PASSPHRASE_ENV, PassphraseProvider
from quilltap_tui.secrets.masking import last4, mask, redact
from quilltap_tui.secrets.vault import BACKENDS, Vault, VaultStatus

__all__ = [
    "BACKENDS",
    "LOCKED_MESSAGE",
    "PASSPHRASE_ENV",
    "EnvKey",
    "PassphraseProvider",
    "Vault",
    "VaultStatus",
    "last4",
    "mask",
    "redact",
]
