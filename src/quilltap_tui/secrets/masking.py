"""Showing a secret without revealing it.

A key is only ever shown as an ellipsis plus its last four characters, and only when the secret is
long enough that four characters are a small part of it: for a short secret (under eight characters)
four characters would be half the secret, so nothing of it is shown.
"""

from __future__ import annotations

from collections.abc import Iterable

ELLIPSIS = "\u2026"
# Below this length the last four characters would reveal too much of the secret.
MIN_REVEAL_LENGTH = 8
# Shorter strings are too likely to occur by chance in ordinary text to be worth redacting.
MIN_REDACT_LENGTH = 4


def last4(secret: str) -> str:
    """The last four characters of ``secret``, or ``""`` when it is shorter than eight characters."""
    if len(secret) < MIN_REVEAL_LENGTH:
        return ""
    return secret[-4:]


def mask(secret: str) -> str:
    """``secret`` as shown to a user: ``'…'`` plus its last four characters (``'…'`` alone when short)."""
    return ELLIPSIS + last4(secret)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret (four characters or longer) in ``text`` with its mask.

    Longer secrets are replaced first so that a secret containing another is hidden whole.
    """
    candidates = sorted({s for s in secrets if len(s) >= MIN_REDACT_LENGTH}, key=len, reverse=True)
    for secret in candidates:
        text = text.replace(secret, mask(secret))
    return text
