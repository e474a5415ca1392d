"""Saving generated images: the provider's exact bytes on disk, their facts in the database.

All-or-nothing per batch: every file is written atomically (temp file, fsync, rename) first, then all
rows commit in one transaction; if any write or the commit fails, every file of the batch is removed.
A crash between the two leaves at most files without rows, which :func:`sweep_orphans` removes on the
next start (rows never point at missing files, because rows commit last).

Blocking work (hashing, writing, the database) runs in the caller's thread: the generation service
calls this through ``asyncio.to_thread``, never on the UI thread.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from quilltap_tui.db.models import GeneratedImageRecord, new_id, utcnow
from quilltap_tui.imagegen.spec import GeneratedImage
from quilltap_tui.paths import atomic_write, ensure_dir
from quilltap_tui.services.context import AppContext


@dataclass(frozen=True)
class ImageOrigin:
    """How a batch of images was made; shared by every image of the batch."""

    prompt: str
    provider: str
    model: str
    negative_prompt: str | None = None
    image_profile_id: str | None = None
    profile_name: str | None = None
    used_params: dict[str, Any] = field(default_factory=dict)
    chat_id: str | None = None
    message_id: str | None = None
    tool_call_id: str | None = None


def relative_path(image_id: str, extension: str, when: datetime) -> str:
    """``images/YYYY/MM/<id>.<ext>`` in UTC; the extension comes from the sniffed content type."""
    return f"images/{when:%Y}/{when:%m}/{image_id}.{extension}"


def absolute_path(ctx: AppContext, record: GeneratedImageRecord) -> Path:
    return ctx.paths.data / record.file_path


def image_json(ctx: AppContext, record: GeneratedImageRecord) -> dict[str, Any]:
    """One image in the contract's ``generate --json`` shape (absolute path)."""
    return {
        "id": record.id,
        "path": str(absolute_path(ctx, record)),
        "mime_type": record.mime_type,
        "width": record.width,
        "height": record.height,
        "bytes": record.bytes,
        "sha256": record.sha256,
        "revised_prompt": record.revised_prompt,
        "seed": record.seed,
    }


def gallery_json(ctx: AppContext, record: GeneratedImageRecord) -> dict[str, Any]:
    """Everything the gallery knows about an image: :func:`image_json` plus how and where it was made."""
    return {
        **image_json(ctx, record),
        "prompt": record.prompt,
        "negative_prompt": record.negative_prompt,
        "provider": record.provider,
        "model": record.model,
        "profile": record.profile_name,
        "used": record.used_params,
        "chat_id": record.chat_id,
        "message_id": record.message_id,
        "created_at": record.created_at.isoformat(),
    }


def save_batch(
    ctx: AppContext,
    images: Sequence[GeneratedImage],
    origin: ImageOrigin,
    *,
    also: Callable[[list[GeneratedImageRecord]], Sequence[SQLModel]] | None = None,
) -> list[GeneratedImageRecord]:
    """Write every image and commit every row, or leave nothing behind.

    ``also`` returns more rows (the audit row) to commit in the same transaction as the images.
    """
    now = utcnow()
    records: list[GeneratedImageRecord] = []
    written: list[Path] = []
    try:
        for image in images:
            record = _record(image, origin, now)
            target = ctx.paths.data / record.file_path
            ensure_dir(target.parent)
            atomic_write(target, image.data)
            written.append(target)
            records.append(record)
        with ctx.db.session() as session:
            session.add_all(records)
            if also is not None:
                session.add_all(also(records))
            session.commit()
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return records


def delete_image(ctx: AppContext, image_id: str) -> GeneratedImageRecord | None:
    """Delete the row, then the file (a missing file is fine: the user may have removed it)."""
    with ctx.db.session() as session:
        record = session.get(GeneratedImageRecord, image_id)
        if record is None:
            return None
        session.delete(record)
        session.commit()
    (ctx.paths.data / record.file_path).unlink(missing_ok=True)
    return record


def sweep_orphans(ctx: AppContext, *, min_age_s: float = 600.0) -> list[Path]:
    """Remove image files that have no row (left by a crash between write and commit) and stale temp files.

    Only files older than ``min_age_s`` go: another process may be between its write and its commit.
    """
    root = ctx.paths.images
    cutoff = time.time() - min_age_s
    if not root.exists():
        return []
    with ctx.db.session() as session:
        known = set(session.exec(select(GeneratedImageRecord.file_path)).all())
    removed: list[Path] = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(ctx.paths.data).as_posix()
        if rel not in known and path.stat().st_mtime <= cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def list_images(
    session: Session, *, limit: int = 50, offset: int = 0, chat_id: str | None = None
) -> list[GeneratedImageRecord]:
    stmt = select(GeneratedImageRecord)
    if chat_id is not None:
        stmt = stmt.where(GeneratedImageRecord.chat_id == chat_id)
    stmt = stmt.order_by(col(GeneratedImageRecord.created_at).desc(), col(GeneratedImageRecord.id))
    return list(session.exec(stmt.offset(offset).limit(limit)).all())


def _record(image: GeneratedImage, origin: ImageOrigin, now: datetime) -> GeneratedImageRecord:
    image_id = new_id()
    return GeneratedImageRecord(
        id=image_id,
        file_path=relative_path(image_id, image.extension, now),
        mime_type=image.mime_type,
        width=image.width,
        height=image.height,
        bytes=len(image.data),
        sha256=hashlib.sha256(image.data).hexdigest(),
        prompt=origin.prompt,
        revised_prompt=image.revised_prompt,
        negative_prompt=origin.negative_prompt,
        provider=origin.provider,
        model=origin.model,
        image_profile_id=origin.image_profile_id,
        profile_name=origin.profile_name,
        seed=image.seed,
        used_params=dict(origin.used_params),
        chat_id=origin.chat_id,
        message_id=origin.message_id,
        tool_call_id=origin.tool_call_id,
        created_at=now,
    )

