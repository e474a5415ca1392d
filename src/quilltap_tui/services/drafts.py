"""Drafts: what is typed in a chat's prompt, kept on disk so a crash or a kill -9 loses no words.

The TUI saves the prompt a moment after typing stops (debounced, in a worker thread) and, when a
message is sent, keeps it as the draft until the chat has stored it; the chat restores the draft
when it opens. One small file per chat under ``drafts/`` in the data directory, written atomically,
so a kill leaves the old or the new text, never half of one. Saves may finish out of order (thread
workers), so each carries a sequence number and an older one never overwrites a newer one.
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path

from quilltap_tui.paths import atomic_write
from quilltap_tui.services.context import AppContext

DRAFTS_DIR = "drafts"
_SAFE_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
_lock = threading.Lock()
_written: dict[Path, int] = {}  # draft file -> the sequence number of the last save that ran


def draft_path(ctx: AppContext, chat_id: str) -> Path:
    # Chat ids are hex; anything else is hashed, so a name never walks out of the directory.
    name = chat_id if _SAFE_ID.fullmatch(chat_id) else hashlib.sha256(chat_id.encode()).hexdigest()
    return ctx.paths.data / DRAFTS_DIR / f"{name}.txt"


def save(ctx: AppContext, chat_id: str, text: str, seq: int) -> None:
    """Keep ``text`` as the chat's draft (an empty text removes it), unless a newer save already ran."""
    path = draft_path(ctx, chat_id)
    with _lock:
        if _written.get(path, -1) > seq:
            return
        _written[path] = seq
        if text.strip():
            atomic_write(path, text.encode("utf-8"))
        else:
            path.unlink(missing_ok=True)


def load(ctx: AppContext, chat_id: str) -> str:
    """The chat's draft, or an empty string."""
    try:
        return draft_path(ctx, chat_id).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""
