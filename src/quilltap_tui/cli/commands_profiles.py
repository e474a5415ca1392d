"""``quilltap-tui image-profiles ...`` and ``chat-profiles ...``: add, edit, rm, set-default.

``list`` and ``show`` are in :mod:`cli.commands_profiles_list`: this module imports the ORM at once.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from quilltap_tui.cli import io
from quilltap_tui.errors import Invalid
from quilltap_tui.services import profiles
from quilltap_tui.services.profile_views import ProfileEdit, ProfileView
from quilltap_tui.services.validation import parse_param

Handler = Callable[[argparse.Namespace], int]


def handler(action: str, *, image: bool) -> Handler:
    kind = profiles.IMAGE if image else profiles.CHAT
    actions: dict[str, Callable[[argparse.Namespace, profiles.ProfileKind[ProfileView, ProfileEdit]], int]] = {
        "add": _add,
        "edit": _edit,
        "rm": _rm,
        "set-default": _set_default,
    }
    chosen = actions[action]
    return lambda ns: chosen(ns, kind)


def _add(ns: argparse.Namespace, kind: profiles.ProfileKind[ProfileView, ProfileEdit]) -> int:
    for required in ("provider", "model"):
        if not getattr(ns, required):
            raise Invalid(required, f"--{required} is required to create a {kind.label}.")
    view = profiles.create(
        io.context(),
        kind,
        name=ns.name,
        provider=ns.provider,
        model=ns.model,
        key=None if ns.no_key else ns.key,
        base_url=ns.base_url,
        parameters=_params(ns.param),
        tags=ns.tag,
        default=ns.default,
        **_extra(ns, kind),
    )
    _print(ns, view, f"Created {kind.label} {view.name} ({view.provider} {view.model}).")
    return 0


def _edit(ns: argparse.Namespace, kind: profiles.ProfileKind[ProfileView, ProfileEdit]) -> int:
    if ns.default and ns.no_default:
        raise Invalid("default", "--default and --no-default cannot be used together.")
    key: str | None = "" if ns.no_key else ns.key
    changes = kind.edit(
        new_name=ns.new_name,
        provider=ns.provider,
        model=ns.model,
        key=key,
        base_url=ns.base_url,
        parameters=_params(ns.param) if ns.param else None,
        tags=ns.tag,
        default=True if ns.default else (False if ns.no_default else None),
        **_extra(ns, kind),
    )
    view = profiles.edit(io.context(), kind, ns.name, changes)
    _print(ns, view, f"Updated {kind.label} {view.name}.")
    return 0


def _rm(ns: argparse.Namespace, kind: profiles.ProfileKind[ProfileView, ProfileEdit]) -> int:
    view = profiles.remove(io.context(), kind, ns.name)
    _print(ns, view, f"Deleted {kind.label} {view.name}.")
    return 0


def _set_default(ns: argparse.Namespace, kind: profiles.ProfileKind[ProfileView, ProfileEdit]) -> int:
    view = profiles.set_default(io.context(), kind, ns.name)
    _print(ns, view, f"{view.name} is now the default {kind.label}.")
    return 0


def _params(items: list[str]) -> dict[str, Any]:
    return dict(parse_param(item) for item in items)


def _extra(ns: argparse.Namespace, kind: profiles.ProfileKind[ProfileView, ProfileEdit]) -> dict[str, Any]:
    return {name: getattr(ns, name, None) for name in kind.extra_fields}


def _print(ns: argparse.Namespace, view: ProfileView, message: str) -> None:
    if ns.json:
        io.emit_json(view.as_json())
    else:
        print(message)
