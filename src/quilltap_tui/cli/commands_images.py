"""``generate``, ``edit``, ``images list`` and ``audit``: image generation from the command line."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from quilltap_tui.cli import io
from quilltap_tui.errors import Invalid
from quilltap_tui.textsafe import inert

if TYPE_CHECKING:
    from quilltap_tui.services.context import AppContext
    from quilltap_tui.services.edit_inputs import EditRequest
    from quilltap_tui.services.gallery_view import GalleryImage
    from quilltap_tui.services.generation import GenerationOutcome

# The generation stack (asyncio, HTTP client, Pillow, provider units) is imported inside the commands
# that make images: `images list` and `audit` only read the database and must not pay for it.


def generate(ns: argparse.Namespace) -> int:
    return _make(ns, None)


def edit(ns: argparse.Namespace) -> int:
    from quilltap_tui.services.edit_inputs import EditRequest

    return _make(ns, EditRequest(tuple(ns.images), mask=ns.mask, markup=ns.markup))


def _make(ns: argparse.Namespace, edit_request: EditRequest | None) -> int:
    import asyncio
    import os

    from quilltap_tui.cli.warm import start_vault_key

    start_vault_key(ns, os.environ, chat=False)  # scrypt leaves the interpreter lock: it overlaps the imports
    from quilltap_tui.imagegen.options import FLAGGED
    from quilltap_tui.services import plain_generation_store
    from quilltap_tui.services.generation import GenerateOptions, GenerationService
    from quilltap_tui.services.validation import parse_param

    ctx = io.context()
    # The SQLite file at the current schema with nothing to sweep: plain sqlite3 (no ORM import). Else the
    # ORM, which first removes files a killed run wrote but never committed (older than the sweep's
    # minimum age), and creates or migrates the database.
    store = plain_generation_store.open_store(ctx)
    if store is None:
        from quilltap_tui.services import image_store

        image_store.sweep_orphans(ctx)
    try:
        prompt = " ".join(ns.prompt).strip()
        if not prompt:
            raise Invalid("prompt", "The prompt is empty: say what to draw.")
        options = GenerateOptions(
            **{option.name: getattr(ns, option.name) for option in FLAGGED},
            extras=dict(parse_param(p) for p in ns.param),
        )

        async def run() -> GenerationOutcome:
            from quilltap_tui.imagegen import progress

            service = GenerationService(ctx, on_retry=_print_retry, store=store)
            try:
                with progress.listening(_print_progress):  # queueing providers (ComfyUI) say where the job is
                    if edit_request is not None:
                        return await service.edit(prompt, edit_request, profile=ns.profile, options=options,
                                                  source="cli")
                    return await service.generate(prompt, profile=ns.profile, options=options, source="cli")
            finally:
                await service.aclose()

        outcome = asyncio.run(run())  # returns once every thread it started has ended (the store is idle)
    finally:
        if store is not None:
            store.close()
    if ns.json:
        io.emit_json(outcome.as_json())
        return 0
    for warning in outcome.warnings:
        print(f"warning: {inert(warning, keep_newlines=False)}", file=sys.stderr)
    show_preview = not ns.no_preview and sys.stdout.isatty() and ctx.settings.images != "off"
    for image in outcome.images:
        print(image.path)
        if show_preview:
            from quilltap_tui.cli.preview import print_preview

            print_preview(str(image.path), ctx.settings.images)
    return 0


def images_list(ns: argparse.Namespace) -> int:
    from quilltap_tui.services import plain_reads

    ctx = io.context()
    # Plain sqlite3 when it reads the same (most runs); else the ORM, which sweeps and creates or migrates.
    rows = plain_reads.list_images(ctx, limit=ns.limit, offset=ns.offset, chat_id=ns.chat)
    if rows is None:
        rows = _orm_images_list(ctx, ns)
    if ns.json:
        io.emit_json([r.as_json() for r in rows])
    elif not rows:
        print("No images yet. Make one: quilltap-tui generate \"a lighthouse at dusk\"")
    else:
        io.emit_table(
            [(r.created_at.isoformat()[:19].replace("T", " "), r.profile or "-", r.model,
              f"{r.width}x{r.height}", _clip(r.prompt), str(r.path)) for r in rows],
            ("TIME (UTC)", "PROFILE", "MODEL", "SIZE", "PROMPT", "PATH"),
        )
    return 0


def _orm_images_list(ctx: AppContext, ns: argparse.Namespace) -> list[GalleryImage]:
    from quilltap_tui.services import gallery, image_store

    image_store.sweep_orphans(ctx)
    return gallery.page(ctx, limit=ns.limit, offset=ns.offset, chat_id=ns.chat)


def audit_list(ns: argparse.Namespace) -> int:
    from quilltap_tui.services import plain_reads

    ctx = io.context()
    entries = plain_reads.list_audit(ctx, limit=ns.limit, profile=ns.profile)
    if entries is None:
        from quilltap_tui.services import audit

        entries = audit.list_entries(ctx, limit=ns.limit, profile=ns.profile)
    if ns.json:
        io.emit_json([e.as_json() for e in entries])
    elif not entries:
        print("The audit log is empty.")
    else:
        io.emit_table(
            [(e.time.isoformat()[:19].replace("T", " "), e.source, e.profile or "-", e.model or "-",
              e.outcome, len(e.image_ids), e.latency_ms, _clip(e.error or e.prompt or ""))
             for e in entries],
            ("TIME (UTC)", "SOURCE", "PROFILE", "MODEL", "OUTCOME", "IMAGES", "MS", "PROMPT / ERROR"),
        )
    return 0


def _print_retry(attempt: int, wait: float, reason: str) -> None:
    print(f"retrying in {wait:.1f} s ({reason})", file=sys.stderr, flush=True)


def _print_progress(note: str) -> None:
    print(inert(note, keep_newlines=False), file=sys.stderr, flush=True)


def _clip(text: str, width: int = 48) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
