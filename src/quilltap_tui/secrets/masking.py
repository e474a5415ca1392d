"""Showing a secret without revealing it: the masked form ``…abcd`` and the app's one redactor.

Both live in :mod:`quilltap_tui.redaction` so that the vault, the providers, the database, the logs
and the terminal all mask the same way; this module keeps the vault's historical import path.
"""

from __future__ import annotations

from quilltap_tui.redaction import ELLIPSIS, MIN_REVEAL_LENGTH, last4, mask, redact, register

__all__ = ["ELLIPSIS", "MIN_REVEAL_LENGTH", "last4", "mask", "redact", "register"]
