"""``chats list``: apart from the other ``chats`` commands, whose module imports the ORM at once.

A listing reads the SQLite file with plain ``sqlite3`` when it can (``services/plain_reads.py``) and
must not pay for SQLAlchemy, sqlmodel and the models (about 90% of a cold run) to print a table.
"""

from __future__ import annotations

import argparse

from quilltap_tui.cli import io


def chats_list(ns: argparse.Namespace) -> int:
    from quilltap_tui.services import plain_reads

    ctx = io.context()
    rows = plain_reads.list_chats(ctx)
    if rows is None:  # PostgreSQL, a fresh home, a migration: the ORM path
        from quilltap_tui.services import chats

        rows = chats.list_chats(ctx)
    if ns.json:
        io.emit_json([r.as_json() for r in rows])
    elif not rows:
        print('No chats yet. Start one: quilltap-tui ask --chat-profile NAME "hello"')
    else:
        io.emit_table(
            [(r.id[:8], r.updated_at.isoformat()[:19].replace("T", " "), r.title, r.chat_profile or "-",
              r.image_profile if r.images_enabled and r.image_profile else "off", r.messages, r.images) for r in rows],
            ("ID", "UPDATED (UTC)", "TITLE", "CHAT PROFILE", "IMAGE PROFILE", "MESSAGES", "IMAGES"),
        )
    return 0
