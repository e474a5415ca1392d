"""One error tree for the whole product.

Every failure a user can meet is a :class:`QuilltapError` subclass carrying the process exit code the
command line uses (see CONTRACT.md) and a message that is one clear sentence. Messages never contain a
secret: every message (and every provider-given field) goes through :func:`quilltap_tui.redaction.redact`
when the error is built and again when it is turned into text, so a key echoed anywhere in a provider's
answer (its message, its ``code``, its ``param``) is masked in the final composed sentence.
"""

from __future__ import annotations

from quilltap_tui.redaction import redact


class QuilltapError(Exception):
    """Base of every expected failure. ``exit_code`` follows the contract's table."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        # Again here: a key registered after the error was built (rare, but cheap to cover).
        return redact(self.message)


class Invalid(QuilltapError):
    """Bad input from the user. ``field`` names the offending field (or option)."""

    exit_code = 2

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(QuilltapError):
    """A profile, key, chat or image that does not exist."""

    exit_code = 3

    def __init__(self, kind: str, name: str, message: str | None = None) -> None:
        super().__init__(message or f"No {kind} named {name!r}.")
        self.kind = kind
        self.name = name


class VaultError(QuilltapError):
    """The key vault cannot be used."""

    exit_code = 6


class VaultLocked(VaultError):
    """The file vault needs a passphrase we do not have, or the one given is wrong."""


class VaultUnavailable(VaultError):
    """The chosen backend cannot work here (no secure keyring, read-only env backend, ...)."""


class LimitExceeded(QuilltapError):
    """A local limit (images per call, per minute, per day; tool rounds) was reached."""

    exit_code = 5

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ProviderError(QuilltapError):
    """An upstream provider refused or failed. Subclasses say how."""

    exit_code = 4
    retryable = False

    def __init__(self, message: str, *, provider: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.provider = provider
        self.status = status
        # What the server said about retrying: its requested wait (Retry-After, RetryInfo) in seconds and
        # its own verdict (x-should-retry), read by the one retry loop (providers.retry).
        self.retry_after: float | None = None
        self.retry_hint: bool | None = None


class AuthError(ProviderError):
    """The key was rejected (missing, invalid, revoked, no permission)."""


class BadRequest(ProviderError):
    """The provider rejected the request as malformed; ``field`` names the parameter when known."""

    def __init__(
        self, message: str, *, provider: str = "", status: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(message, provider=provider, status=status)
        self.field = redact(field) if field else field  # the provider's ``param``: provider text too


class ContentRefused(ProviderError):
    """A content policy or safety filter refused the prompt or removed every image."""


class RateLimited(ProviderError):
    """The provider asked us to slow down; ``retry_after`` is its wait in seconds, when given."""

    exit_code = 5
    retryable = True

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status: int | None = 429,
        retry_after: float | None = None,
        quota: bool = False,
    ) -> None:
        super().__init__(message, provider=provider, status=status)
        self.retry_after = retry_after
        # An exhausted quota (OpenAI ``insufficient_quota``) is a 429 that retrying cannot fix.
        self.quota = quota
        if quota:
            self.retryable = False


class Unavailable(ProviderError):
    """The provider is down or overloaded (5xx, 529, connection refused)."""

    exit_code = 5
    retryable = True


class Timeout(Unavailable):
    """No answer in time."""


class MalformedResponse(Unavailable):
    """The answer could not be used: bad JSON, truncated body, bytes that are not an image."""

    retryable = False
