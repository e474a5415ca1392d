"""Saving generated images through the ORM, and the gallery's lineage and deletion.

The files, the pending journal and the rows' values are :mod:`services.image_files`' (no ORM), shared
with the plain ``sqlite3`` store (:mod:`services.plain_generation_store`); here the rows commit with
SQLAlchemy. Blocking work (hashing, writing, the database) runs in the caller's thread: the generation
service calls this through ``asyncio.to_thread``, never on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert
from sqlmodel import Session, col, select

from quilltap_tui.db.models import GeneratedImageRecord, ImageInput
from quilltap_tui.imagegen.spec import GeneratedImage
from quilltap_tui.services import image_files
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.image_files import ImageFacts, ImageRow
from quilltap_tui.services.image_files import ImageOrigin as ImageOrigin  # callers know these from here
from quilltap_tui.services.image_files import relative_path as relative_path
from quilltap_tui.services.image_files import saved_image as saved_image
from quilltap_tui.services.image_files import write_new as write_new
from quilltap_tui.services.image_sweep import sweep_orphans as sweep_orphans


def absolute_path(ctx: AppContext, record: ImageFacts) -> Path:
    return ctx.paths.data / record.file_path


def record_lineage(conn: Connection, image_ids: Sequence[str], inputs: Sequence[Any]) -> None:
    """Rows saying each new image was made from ``inputs`` (``LoadedInput`` items), in order.

    Written in the images' own transaction, so an image never exists without its lineage.
    """
    rows = image_files.lineage_rows(image_ids, inputs)
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
    also: Callable[[Connection, list[ImageRow]], None] | None = None,
) -> list[ImageRow]:
    """Write every image and commit every row, or leave nothing behind (:func:`image_files.write_batch`).

    ``also(conn, rows)`` writes more (the audit row's outcome) in the same transaction as the images.
    """
    rows = image_files.new_rows(images, origin)

    def commit() -> None:
        with ctx.db.engine.begin() as conn:
            conn.execute(_INSERT, [row.values() for row in rows])
            if also is not None:
                also(conn, rows)

    image_files.write_batch(ctx, images, rows, commit)
    return rows


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


_INSERT = insert(GeneratedImageRecord.__table__)  # type: ignore[attr-defined]  # built once, values as parameters
_INSERT_INPUT = insert(ImageInput.__table__)  # type: ignore[attr-defined]

