"""Saving generated images: the provider's exact bytes on disk, their facts in the database.

All-or-nothing per batch: the batch's paths go into the pending journal, every file is written and
fsynced under its new name, then all rows commit in one transaction; if any write or the commit fails,
every file of the batch is removed. A crash in between leaves at most files without rows, listed in
the journal, which :func:`sweep_orphans` removes on a later start (rows never point at missing files,
because rows commit last).

Blocking work (hashing, writing, the database) runs in the caller's thread: the generation service
calls this through ``asyncio.to_thread``, never on the UI thread.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert
from sqlmodel import Session, col, select

from quilltap_tui.db.models import GeneratedImageRecord, ImageInput, new_id, utcnow
from quilltap_tui.imagegen.spec import GeneratedImage
from quilltap_tui.paths import FILE_MODE, ensure_dir, fsync_dir
from quilltap_tui.services import image_sweep
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.gallery_view import SavedImage
from quilltap_tui.services.image_sweep import sweep_orphans as sweep_orphans  # callers know it from here


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


def saved_image(ctx: AppContext, record: GeneratedImageRecord) -> SavedImage:
    """One saved image as ``generate --json`` shows it (absolute path)."""
    return SavedImage(
        id=record.id,
        path=absolute_path(ctx, record),
        mime_type=record.mime_type,
        width=record.width,
        height=record.height,
        bytes=record.bytes,
        sha256=record.sha256,
        revised_prompt=record.revised_prompt,
        seed=record.seed,
    )


def record_lineage(conn: Connection, image_ids: Sequence[str], inputs: Sequence[Any]) -> None:
    """Rows saying each new image was made from ``inputs`` (``LoadedInput`` items), in order.

    Written in the images' own transaction, so an image never exists without its lineage.
    """
    rows = [
        {"image_id": image_id, "position": position, "input_image_id": item.id, "path": item.path,
         "sha256": item.sha256, "role": item.role}
        for image_id in image_ids for position, item in enumerate(inputs)
    ]
    if rows:
        conn.execute(_INSERT_INPUT, rows)


def parents_of(session: Session, image_ids: Sequence[str]) -> dict[str, list[str]]:
    """Per image, the gallery ids of the reference images it was made from, in the order sent."""
    if not image_ids:
        return {}
    stmt = (
        select(ImageInput)
        .where(col(ImageInput.image_id).in_(list(image_ids)), ImageInput.role == "image",
               col(ImageInput.input_image_id).is_not(None))
        .order_by(col(ImageInput.image_id), col(ImageInput.position))
    )
    found: dict[str, list[str]] = {}
    for row in session.exec(stmt).all():
        found.setdefault(row.image_id, []).append(str(row.input_image_id))
    return found


def children_of(session: Session, image_ids: Sequence[str]) -> dict[str, list[str]]:
    """Per image, the gallery ids of the images made from it, oldest first."""
    if not image_ids:
        return {}
    stmt = (
        select(ImageInput.input_image_id, ImageInput.image_id)
        .join(GeneratedImageRecord, col(GeneratedImageRecord.id) == col(ImageInput.image_id))
        .where(col(ImageInput.input_image_id).in_(list(image_ids)))
        .order_by(col(GeneratedImageRecord.created_at))
    )
    found: dict[str, list[str]] = {}
    for parent, child in session.exec(stmt).all():
        if child not in found.setdefault(str(parent), []):
            found[str(parent)].append(child)
    return found


def save_batch(
    ctx: AppContext,
    images: Sequence[GeneratedImage],
    origin: ImageOrigin,
    *,
    also: Callable[[Connection, list[GeneratedImageRecord]], None] | None = None,
) -> list[GeneratedImageRecord]:
    """Write every image and commit every row, or leave nothing behind.

    ``also(conn, records)`` writes more (the audit row's outcome) in the same transaction as the images.
    The batch's paths go into the pending journal before any file exists, so whatever a killed run
    leaves is found by the next start's :func:`~quilltap_tui.services.image_sweep.sweep_orphans`.
    """
    now = utcnow()
    records = [_record(image, origin, now) for image in images]
    targets = [ctx.paths.data / record.file_path for record in records]
    entry = image_sweep.journal_add(ctx, [record.file_path for record in records])
    try:
        for directory in dict.fromkeys(target.parent for target in targets):
            ensure_dir(directory)
        for image, target in zip(images, targets, strict=True):
            write_new(target, image.data)
        for directory in dict.fromkeys(target.parent for target in targets):
            fsync_dir(directory)
        with ctx.db.engine.begin() as conn:
            conn.execute(_INSERT, [_values(record) for record in records])
            if also is not None:
                also(conn, records)
    except BaseException:
        for target in targets:
            target.unlink(missing_ok=True)
        image_sweep.journal_done(entry)
        raise
    image_sweep.journal_done(entry)
    return records


def write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (which must not exist yet) holding ``data``, on disk before this returns.

    No temporary file and rename: the name is a fresh random id that nothing refers to until the row
    commits, after this returns, so no reader can see a partial file; one a crash cuts short has no row
    and is in the pending journal, so the sweep removes it. The fsync is what durability needs: the row
    must never outlive its file's bytes (a power cut with the data still in the page cache).
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # the umask may have narrowed it; never wider than 0600 either way
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


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


def list_images(
    session: Session, *, limit: int = 50, offset: int = 0, chat_id: str | None = None
) -> list[GeneratedImageRecord]:
    stmt = select(GeneratedImageRecord)
    if chat_id is not None:
        stmt = stmt.where(GeneratedImageRecord.chat_id == chat_id)
    stmt = stmt.order_by(col(GeneratedImageRecord.created_at).desc(), col(GeneratedImageRecord.id))
    return list(session.exec(stmt.offset(offset).limit(limit)).all())


def _values(record: GeneratedImageRecord) -> dict[str, Any]:
    return {column: getattr(record, column) for column in _COLUMNS}


_COLUMNS = tuple(GeneratedImageRecord.__table__.c.keys())  # type: ignore[attr-defined]
_INSERT = insert(GeneratedImageRecord.__table__)  # type: ignore[attr-defined]  # built once, values as parameters
_INSERT_INPUT = insert(ImageInput.__table__)  # type: ignore[attr-defined]


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

