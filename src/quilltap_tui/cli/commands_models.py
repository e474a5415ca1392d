"""``quilltap-tui models``: the models a provider offers, live and built-in."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from quilltap_tui.cli import io
from quilltap_tui.services import provider_checks

if TYPE_CHECKING:
    from quilltap_tui.imagegen.spec import ModelInfo


def run(ns: argparse.Namespace) -> int:
    from quilltap_tui.imagegen.catalogue import check_user_file

    # `models` shows the catalogue, so a malformed models.toml is an error here (exit 2: file, line, field);
    # everywhere else (the TUI's model lists too) the app goes on with the built-in table.
    check_user_file()
    ctx = io.context()
    models = asyncio.run(
        provider_checks.list_models(ctx, ns.provider, key=ns.key, base_url=ns.base_url, chat=ns.chat)
    )
    if ns.json:
        io.emit_json([m.as_json() for m in models])
        return 0
    rows = [(m.id, "+".join(m.source), _status(m), _summary(m.capabilities)) for m in models]
    io.emit_table(rows, ("MODEL", "SOURCE", "STATUS", "CAPABILITIES"))
    return 0


def _status(model: ModelInfo) -> str:
    """``retired 2026-10-23 -> gpt-image-2.5-sunburst``, ``deprecated -> ...`` or nothing."""
    word = "retired" if model.retired else "deprecated" if model.capabilities.get("deprecated") else ""
    if not word:
        return ""
    when = f" {model.shutdown_date}" if model.shutdown_date else ""
    use = f" -> {model.replacement}" if model.replacement else ""
    return f"{word}{when}{use}"


_SHOWN = (("sizes", "sizes"), ("aspect_ratios", "ratios"), ("resolutions", "resolutions"),
          ("qualities", "quality"), ("styles", "style"))


def _summary(caps: Mapping[str, Any]) -> str:
    """One short line per model: what a user can choose, and how many images one request makes."""
    parts = [f"{label} {'/'.join(map(str, caps[key]))}" for key, label in _SHOWN if caps.get(key)]
    if caps.get("free_size"):
        parts.insert(0, "any WxH (multiple of 16)")
    if caps.get("max_images_per_request"):
        parts.append(f"{caps['max_images_per_request']}/request")
    if caps.get("tools"):
        parts.append("tools")
    return "; ".join(parts)
