"""``image-profiles list|show`` and ``chat-profiles list|show``: apart from the profile commands that write,
whose module imports the ORM at once.

A listing reads the SQLite file with plain ``sqlite3`` when it can (``services/plain_profiles.py``, the
TUI's first screen reads the same views) and must not pay for SQLAlchemy, sqlmodel and the models (most of
a cold run) to print a table. PostgreSQL, a fresh home or an older schema take the ORM path, which creates
or migrates; so does ``show`` of a name the plain listing does not hold, so the error is the ORM path's.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from functools import partial
from typing import Literal

from quilltap_tui.cli import io
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.profile_views import ProfileView

Kind = Literal["image", "chat"]
Handler = Callable[[argparse.Namespace], int]


def handler(action: str, *, image: bool) -> Handler:
    """``list`` or ``show`` of image profiles (``image``) or chat profiles."""
    kind: Kind = "image" if image else "chat"
    return partial(list_ if action == "list" else show, kind=kind)


def list_(ns: argparse.Namespace, kind: Kind) -> int:
    ctx = io.context()
    print_list(ns, f"{kind} profile", _views(ctx, kind))
    return 0


def show(ns: argparse.Namespace, kind: Kind) -> int:
    from quilltap_tui.services import plain_profiles

    ctx = io.context()
    name = (ns.name or "").strip()  # as profiles.find matches it
    views = plain_profiles.list_profiles(ctx, kind)
    view: ProfileView | None = next((v for v in views if v.name == name), None) if views is not None else None
    if view is None:  # the ORM path: the database to create or migrate, or the not-found error in its words
        from quilltap_tui.services import profiles

        view = profiles.show(ctx, profiles.IMAGE if kind == "image" else profiles.CHAT, ns.name)
    print_show(ns, view)
    return 0


def _views(ctx: AppContext, kind: Kind) -> Sequence[ProfileView]:
    from quilltap_tui.services import plain_profiles

    views = plain_profiles.list_profiles(ctx, kind)
    if views is not None:
        return views
    from quilltap_tui.services import profiles

    return profiles.list_profiles(ctx, profiles.IMAGE if kind == "image" else profiles.CHAT)


def print_list(ns: argparse.Namespace, label: str, views: Sequence[ProfileView]) -> None:
    if ns.json:
        io.emit_json([v.as_json() for v in views])
    elif not views:
        print(f"No {label}s yet. Create one with `add --name N --provider P --model M`.")
    else:
        rows = [
            ("*" if v.default else "", v.name,
             v.provider if v.available else f"{v.provider} (not installed)", v.model, v.key or "no key",
             ", ".join(v.tags) or "-")
            for v in views
        ]
        io.emit_table(rows, ("DEF", "NAME", "PROVIDER", "MODEL", "KEY", "TAGS"))


def print_show(ns: argparse.Namespace, view: ProfileView) -> None:
    if ns.json:
        io.emit_json(view.as_json())
    else:
        io.emit_fields(view.as_json().items())
