"""API keys: the secret goes to the vault, only metadata goes to the database.

Order matters so that nothing is half-written: adding stores the secret first and removes it again if
the database row cannot be committed; removing deletes the row first (profiles keep working with no
key) and the secret after, so a failure never leaves a row pointing at a missing secret.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from quilltap_tui import provider_ids
from quilltap_tui.db.models import ApiKey, ChatProfile, ImageProfile, new_id, utcnow
from quilltap_tui.errors import Invalid, NotFound, VaultUnavailable
from quilltap_tui.redaction import register
from quilltap_tui.secrets import last4
from quilltap_tui.services import validation
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.key_view import KeyView as KeyView  # callers know it from here


def clean_secret(secret: str | None) -> str:
    text = (secret or "").strip()
    if not text:
        raise Invalid("secret", "The key is empty: paste or pipe the API key.")
    bad = next(((i, ch) for i, ch in enumerate(text) if not "!" <= ch <= "~"), None)
    if bad is not None:
        # Every provider's keys are printable ASCII; a zero-width space or a non-breaking space pasted along
        # with one would be stored and then fail every request with a puzzling error.
        raise Invalid("secret", f"The key contains {_describe(bad[1])} at character {bad[0] + 1}; API keys "
                                "are printable ASCII, so check what was pasted.")
    register(text)  # a key being added or validated is known to the redactor before any provider sees it
    return text


def _describe(ch: str) -> str:
    """A character named without showing it (it may be invisible, or a control that moves the cursor)."""
    import unicodedata

    name = unicodedata.name(ch, "")
    kind = "a space" if ch.isspace() else "an invisible or control character" if not ch.isprintable() \
        else "a non-ASCII character"
    return f"{kind} (U+{ord(ch):04X}{' ' + name if name else ''})"


def add_key(ctx: AppContext, *, provider: str, label: str, secret: str) -> KeyView:
    """Store ``secret`` in the vault's write backend and record its metadata."""
    provider_id = provider_ids.normalize_key_provider(provider)
    label = validation.name(label, "label")
    secret = clean_secret(secret)
    with ctx.db.session() as session:
        _ensure_label_free(session, label)
    key_id = new_id()
    backend = ctx.vault.put(key_id, secret)
    row = ApiKey(id=key_id, label=label, provider=provider_id, last4=last4(secret), backend=backend)
    return _commit_new_key(ctx, row, on_failure=lambda: ctx.vault.delete(key_id, backend))


def add_env_key(ctx: AppContext, *, provider: str, label: str, env_var: str) -> KeyView:
    """Record a read-only key that stays in an environment variable (``QUILLTAP_VAULT=env``)."""
    provider_id = provider_ids.normalize_key_provider(provider)
    label = validation.name(label, "label")
    secret = clean_secret(ctx.environ.get(env_var))
    row = ApiKey(label=label, provider=provider_id, last4=last4(secret), backend="env", env_var=env_var)
    return _commit_new_key(ctx, row, on_failure=lambda: None)


def add_key_from_env(ctx: AppContext, *, provider: str, label: str, env_var: str) -> KeyView:
    """``keys add --from-env VAR``: copy into the vault, or reference the variable in env mode."""
    if not ctx.environ.get(env_var, "").strip():
        raise Invalid("from_env", f"Environment variable {env_var} is not set or empty.")
    if ctx.settings.vault == "env":
        return add_env_key(ctx, provider=provider, label=label, env_var=env_var)
    return add_key(ctx, provider=provider, label=label, secret=ctx.environ[env_var])


def list_keys(ctx: AppContext) -> list[KeyView]:
    with ctx.db.session() as session:
        rows = session.exec(select(ApiKey).order_by(ApiKey.label)).all()
        return [_view(session, row) for row in rows]


def get_key(ctx: AppContext, label: str) -> KeyView:
    with ctx.db.session() as session:
        return _view(session, find(session, label))


def remove_key(ctx: AppContext, label: str) -> KeyView:
    """Delete the key. Profiles that used it stay, with no key (the database sets it to none)."""
    with ctx.db.session() as session:
        row = find(session, label)
        view = _view(session, row)
        session.delete(row)
        session.commit()
    ctx.vault.delete(view.id, view.backend)
    return view


def rotate_key(ctx: AppContext, label: str, secret: str) -> KeyView:
    """Replace the secret behind ``label``, keeping its id so profiles keep using it."""
    secret = clean_secret(secret)
    with ctx.db.session() as session:
        row = find(session, label)
        if row.backend == "env":
            raise VaultUnavailable(f"Key {label!r} lives in ${row.env_var}; change that variable instead.")
        backend = ctx.vault.put(row.id, secret)
        if backend != row.backend:
            ctx.vault.delete(row.id, row.backend)
        row.backend, row.last4, row.valid, row.updated_at = backend, last4(secret), None, utcnow()
        session.add(row)
        session.commit()
        return _view(session, row)


def secret_for(ctx: AppContext, key_id: str) -> str:
    """The secret behind a key id, for provider calls only. Never log or display it."""
    with ctx.db.session() as session:
        row = session.get(ApiKey, key_id)
        if row is None:
            raise NotFound("key", key_id)
        return ctx.vault.get(row.id, row.backend, row.env_var)


def record_validation(ctx: AppContext, key_id: str, valid: bool) -> None:
    with ctx.db.session() as session:
        row = session.get(ApiKey, key_id)
        if row is not None:
            row.valid, row.validated_at = valid, utcnow()
            session.add(row)
            session.commit()


def find(session: Session, label: str) -> ApiKey:
    row = session.exec(select(ApiKey).where(ApiKey.label == (label or "").strip())).first()
    if row is None:
        raise NotFound("key", label)
    return row


def _ensure_label_free(session: Session, label: str) -> None:
    if session.exec(select(ApiKey.id).where(ApiKey.label == label)).first() is not None:
        raise Invalid("label", f"A key labelled {label!r} already exists; choose another label.")


def _commit_new_key(ctx: AppContext, row: ApiKey, *, on_failure: Any) -> KeyView:
    try:
        with ctx.db.session() as session:
            session.add(row)
            session.commit()
            return _view(session, row)
    except IntegrityError as exc:
        on_failure()
        raise Invalid("label", f"A key labelled {row.label!r} already exists; choose another label.") from exc
    except BaseException:
        on_failure()
        raise


def _view(session: Session, row: ApiKey) -> KeyView:
    used = [
        *session.exec(select(ImageProfile.name).where(ImageProfile.api_key_id == row.id)).all(),
        *session.exec(select(ChatProfile.name).where(ChatProfile.api_key_id == row.id)).all(),
    ]
    return KeyView(
        id=row.id,
        label=row.label,
        provider=row.provider,
        masked=f"…{row.last4}",
        backend=row.backend,
        env_var=row.env_var,
        valid=row.valid,
        validated_at=row.validated_at,
        created_at=row.created_at,
        used_by=tuple(sorted(used)),
    )
