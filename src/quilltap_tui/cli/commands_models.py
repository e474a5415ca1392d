"""``quilltap-tui models``: the models a provider offers, live and built-in."""

from __future__ import annotations

import argparse
import asyncio

from quilltap_tui.cli import io
from quilltap_tui.services import provider_checks


def run(ns: argparse.Namespace) -> int:
    ctx = io.context()
    models = asyncio.run(
        provider_checks.list_models(ctx, ns.provider, key=ns.key, base_url=ns.base_url, chat=ns.chat)
    )
    if ns.json:
        io.emit_json(models)
        return 0
    rows = []
    for m in models:
        caps = m["capabilities"]
        summary = ", ".join(
            f"{k}={'/'.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in caps.items() if k in ("sizes", "aspect_ratios", "qualities", "max_n", "tools") and v
        )
        rows.append((m["id"], m["source"], "retired" if m["retired"] else "", summary[:90]))
    io.emit_table(rows, ("MODEL", "SOURCE", "STATUS", "CAPABILITIES"))
    return 0
