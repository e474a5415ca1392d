"""``quilltap-tui keys ...``: add, list, rm, validate, rotate."""

from __future__ import annotations

import argparse

from quilltap_tui.cli import io
from quilltap_tui.services.key_view import KeyView

# services.keys (and with it the ORM) is imported by the commands that write; `keys list` reads plain.


def add(ns: argparse.Namespace) -> int:
    from quilltap_tui.services import keys as key_service

    ctx = io.context()
    if ns.from_env:
        view = key_service.add_key_from_env(ctx, provider=ns.provider, label=ns.label, env_var=ns.from_env)
    else:
        secret = io.read_secret(f"API key for {ns.label}: ")
        view = key_service.add_key(ctx, provider=ns.provider, label=ns.label, secret=secret)
    _print_one(ns, view, f"Stored key {view.label} ({view.provider}, {view.masked}) in the {view.backend} vault.")
    return 0


def list_(ns: argparse.Namespace) -> int:
    from quilltap_tui.services import plain_reads

    ctx = io.context()
    views = plain_reads.list_keys(ctx)  # no ORM import when the SQLite file can answer as it is
    if views is None:
        from quilltap_tui.services import keys as key_service

        views = key_service.list_keys(ctx)
    if ns.json:
        io.emit_json([v.as_json() for v in views])
    elif not views:
        print("No keys yet. Add one: echo \"$KEY\" | quilltap-tui keys add --provider openai --label work")
    else:
        rows = [
            (v.label, v.provider, v.masked, v.backend, _validity(v), ", ".join(v.used_by) or "-")
            for v in views
        ]
        io.emit_table(rows, ("LABEL", "PROVIDER", "KEY", "BACKEND", "VALID", "USED BY"))
    return 0


def rm(ns: argparse.Namespace) -> int:
    from quilltap_tui.services import keys as key_service

    view = key_service.remove_key(io.context(), ns.label)
    note = f" Profiles now without a key: {', '.join(view.used_by)}." if view.used_by else ""
    _print_one(ns, view, f"Removed key {view.label}.{note}")
    return 0


def rotate(ns: argparse.Namespace) -> int:
    from quilltap_tui.services import keys as key_service

    ctx = io.context()
    prompt = f"New API key for {ns.label}: "
    secret = ctx.environ.get(ns.from_env, "") if ns.from_env else io.read_secret(prompt)
    view = key_service.rotate_key(ctx, ns.label, secret)
    _print_one(ns, view, f"Replaced the secret of {view.label} (now {view.masked}).")
    return 0


def validate(ns: argparse.Namespace) -> int:
    import asyncio

    from quilltap_tui.services import provider_checks

    ctx = io.context()
    result = asyncio.run(provider_checks.validate_key(ctx, ns.label, base_url=ns.base_url))
    if ns.json:
        io.emit_json(result.as_json())
    else:
        print(result.message)
    return 0


def _print_one(ns: argparse.Namespace, view: KeyView, message: str) -> None:
    if ns.json:
        io.emit_json(view.as_json())
    else:
        print(message)


def _validity(view: KeyView) -> str:
    if view.valid is None:
        return "unchecked"
    return "yes" if view.valid else "NO"
