"""Generated images on disk: the rows they will have, their files, the pending journal; no ORM.

All-or-nothing per batch (:func:`write_batch`): the batch's paths go into the pending journal, every
file is written and fsynced under its new name, then the caller's ``commit`` writes all rows in one
transaction; if any write or the commit fails, every file of the batch is removed. A crash in between
leaves at most files without rows, listed in the journal, which ``image_sweep.sweep_orphans`` removes on
a later start (rows never point at missing files, because rows commit last).

Both generation stores save through this (:mod:`services.generation_store`): the ORM one commits with
SQLAlchemy, the plain one with ``sqlite3``. Blocking work (hashing, writing) runs in the caller's thread.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from quilltap_tui.imagegen.spec import GeneratedImage
from quilltap_tui.paths import FILE_MODE, ensure_dir, fsync_dir
from quilltap_tui.services.gallery_view import SavedImage

if TYPE_CHECKING:
    from quilltap_tui.services.context import AppContext

JOURNAL_DIR = "pending-images"
MARKER = "last-full-sweep"
FULL_SWEEP_INTERVAL_S = 3600.0


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


@dataclass(frozen=True)
class ImageRow:
    """One ``generated_image`` row about to be written: its columns, in the table's order."""

    id: str
    file_path: str  # relative to the data directory, so the folder can move
    mime_type: str
    width: int
    height: int
    bytes: int
    sha256: str
    prompt: str
    revised_prompt: str | None
    negative_prompt: str | None
    provider: str
    model: str
    image_profile_id: str | None
    profile_name: str | None
    seed: int | None
    used_params: dict[str, Any]
    chat_id: str | None
    message_id: str | None
    tool_call_id: str | None
    created_at: datetime

    def values(self) -> dict[str, Any]:
        """The row's columns by name."""
        return asdict(self)


class ImageFacts(Protocol):
    """What :func:`saved_image` reads: an :class:`ImageRow`, or the ORM's record of one."""

    @property
    def id(self) -> str: ...
    @property
    def file_path(self) -> str: ...
    @property
    def mime_type(self) -> str: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def bytes(self) -> int: ...
    @property
    def sha256(self) -> str: ...
    @property
    def revised_prompt(self) -> str | None: ...
    @property
    def seed(self) -> int | None: ...


def relative_path(image_id: str, extension: str, when: datetime) -> str:
    """``images/YYYY/MM/<id>.<ext>`` in UTC; the extension comes from the sniffed content type."""
    return f"images/{when:%Y}/{when:%m}/{image_id}.{extension}"


def saved_image(ctx: AppContext, record: ImageFacts) -> SavedImage:
    """One saved image as ``generate --json`` shows it (absolute path)."""
    return SavedImage(
        id=record.id,
        path=ctx.paths.data / record.file_path,
        mime_type=record.mime_type,
        width=record.width,
        height=record.height,
        bytes=record.bytes,
        sha256=record.sha256,
        revised_prompt=record.revised_prompt,
        seed=record.seed,
    )


def new_rows(images: Sequence[GeneratedImage], origin: ImageOrigin) -> list[ImageRow]:
    """The rows of a batch made now: fresh ids, the provider's bytes hashed, one time for all."""
    now = datetime.now(UTC)
    return [_row(image, origin, now) for image in images]


def _row(image: GeneratedImage, origin: ImageOrigin, now: datetime) -> ImageRow:
    image_id = uuid.uuid4().hex
    return ImageRow(
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


def lineage_rows(image_ids: Sequence[str], inputs: Sequence[Any]) -> list[dict[str, Any]]:
    """The ``image_input`` rows saying each new image was made from ``inputs`` (``LoadedInput`` items), in
    order; written in the images' own transaction, so an image never exists without its lineage."""
    return [
        {"image_id": image_id, "position": position, "input_image_id": item.id, "path": item.path,
         "sha256": item.sha256, "role": item.role}
        for image_id in image_ids for position, item in enumerate(inputs)
    ]


def write_batch(
    ctx: AppContext, images: Sequence[GeneratedImage], rows: Sequence[ImageRow], commit: Callable[[], None]
) -> None:
    """Write every image of ``rows`` and run ``commit`` (which writes the rows), or leave nothing behind.

    The batch's paths go into the pending journal before any file exists, so whatever a killed run
    leaves is found by the next start's ``image_sweep.sweep_orphans``.
    """
    targets = [ctx.paths.data / row.file_path for row in rows]
    entry = journal_add(ctx, [row.file_path for row in rows])
    try:
        for directory in dict.fromkeys(target.parent for target in targets):
            ensure_dir(directory)
        for image, target in zip(images, targets, strict=True):
            write_new(target, image.data)
        for directory in dict.fromkeys(target.parent for target in targets):
            fsync_dir(directory)
        commit()
    except BaseException:
        for target in targets:
            target.unlink(missing_ok=True)
        journal_done(entry)
        raise
    journal_done(entry)


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


def journal_add(ctx: AppContext, relative_paths: list[str]) -> Path:
    """Record that files are about to be written at ``relative_paths``; returns the entry to remove."""
    root = ensure_dir(ctx.paths.data / JOURNAL_DIR)
    entry = root / f"{uuid.uuid4().hex}.json"
    fd = os.open(entry, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    try:
        os.write(fd, json.dumps(relative_paths).encode())
    finally:
        os.close(fd)
    return entry


def journal_done(entry: Path) -> None:
    """The files of ``entry`` are committed or removed: nothing is left for a sweep to find."""
    entry.unlink(missing_ok=True)
