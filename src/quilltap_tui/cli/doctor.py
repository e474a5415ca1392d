"""``quilltap-tui doctor``: where things are and what works, for bug reports and SSH set-ups."""

from __future__ import annotations

import argparse
import platform
from importlib import metadata
from typing import Any

from quilltap_tui import __version__, termgraphics
from quilltap_tui.cli import io
from quilltap_tui.errors import QuilltapError
from quilltap_tui.services.context import AppContext

_PACKAGES = ("textual", "textual-image", "sqlmodel", "sqlalchemy", "httpx2", "openai", "anthropic",
             "keyring", "cryptography", "pillow")


def run(ns: argparse.Namespace) -> int:
    ctx = io.context()
    report = collect(ctx)
    if ns.json:
        io.emit_json(report)
        return 0
    io.emit_fields(
        [
            ("version", report["version"]),
            ("data dir", report["paths"]["data"]),
            ("config dir", report["paths"]["config"]),
            ("settings", report["paths"]["settings"]),
            ("database", report["database"]["url"]),
            ("schema version", report["database"]["schema_version"]),
            ("database status", report["database"]["status"]),
            ("images dir", report["paths"]["images"]),
            ("log file", report["paths"]["log"]),
            ("vault", _vault_line(report["vault"])),
            ("images", f"{report['images']['setting']} -> {report['images']['detected']}"),
            ("python", report["python"]),
            *[(f"provider {p['id']}", _provider_line(p)) for p in report["providers"]],
            *[(name, version) for name, version in report["packages"].items()],
        ]
    )
    if report["database"]["status"] != "ok":
        print("note: the database is not usable; move it aside (commands then start a new one) or restore "
              "a backup.")
    for note in [*report["notes"], *report["provider_notes"]]:
        print(f"note: {note}")
    return 0


def collect(ctx: AppContext) -> dict[str, Any]:
    tmux = termgraphics.tmux_state(ctx.environ)
    return {
        "version": __version__,
        "python": platform.python_version(),
        "paths": {
            "data": str(ctx.paths.data),
            "config": str(ctx.paths.config),
            "settings": str(ctx.paths.settings_file),
            "images": str(ctx.paths.images),
            "log": str(ctx.paths.log_file),
            "vault_file": str(ctx.paths.vault_file),
        },
        "database": _database(ctx),
        "vault": _vault(ctx),
        "images": {"setting": ctx.settings.images, "detected": termgraphics.detect(ctx.settings.images, tmux),
                   "tmux_passthrough": None if tmux is None else tmux.passthrough},
        "packages": {name: _version(name) for name in _PACKAGES},
        "notes": termgraphics.environment_notes(ctx.environ, tmux),
        **_providers(),
    }


def _providers() -> dict[str, Any]:
    """Every provider unit the registry holds (built-in and plug-in), and why a plug-in was skipped."""
    from quilltap_tui.providers.registry import registry

    reg = registry()
    rows = []
    for pid in reg.key_ids():
        unit = reg.unit(pid)
        kinds = [kind for kind in ("chat", "image") if pid in reg.units[kind]]
        rows.append({"id": pid, "title": unit.title, "kinds": kinds, "origin": unit.origin})
    return {"providers": rows, "provider_notes": list(reg.notes)}


def _provider_line(row: dict[str, Any]) -> str:
    return f"{row['title']} ({' + '.join(row['kinds'])}; {row['origin']})"


def _database(ctx: AppContext) -> dict[str, Any]:
    from quilltap_tui.services import database_status

    return database_status.describe(ctx).as_json()


def _vault(ctx: AppContext) -> dict[str, Any]:
    try:
        status = ctx.vault.status()
    except QuilltapError as exc:
        return {"error": str(exc)}
    return {
        "mode": status.mode,
        "backend": status.backend,
        "keyring": status.keyring_name,
        "keyring_usable": status.keyring_usable,
        "file": status.file_path,
        "file_exists": status.file_exists,
    }


def _vault_line(vault: dict[str, Any]) -> str:
    if "error" in vault:
        return str(vault["error"])
    keyring = "usable" if vault["keyring_usable"] else "not usable"
    return f"{vault['mode']} -> {vault['backend']} (OS keyring {vault['keyring'] or '-'}: {keyring})"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"
