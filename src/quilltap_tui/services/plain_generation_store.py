"""The generation store over the SQLite file with plain ``sqlite3`` (``GenerationStore``, no ORM imported).

``generate`` spent more than half a second of a cold run importing SQLAlchemy, sqlmodel and the models
to read one profile and write an audit row and the image rows. :func:`open_store` gives this store when it
does exactly what the ORM path would: the database is the SQLite file at the current schema
(:func:`plain_reads.connect`) and the sweep of killed runs' leftovers has nothing to do
(:func:`plain_reads.nothing_to_sweep`), so skipping it changes nothing; ``ask``'s image tools take it too
when its turn took the plain path under the same rule (:func:`open_in_run`). Else the caller sweeps and takes
:class:`~quilltap_tui.services.sql_generation_store.SqlGenerationStore` (PostgreSQL, a fresh home, an
older schema, leftovers to remove).

Rows equal the ORM path's (tests/services/test_plain_generation.py): the columns, JSON text, timestamps and
redaction of :mod:`services.plain_sqlite`; the limits' rules of :mod:`services.image_limits`; the audit
values of :mod:`services.audit_attempt`; the files and journal of :mod:`services.image_files`. Every write
is one ``BEGIN IMMEDIATE`` transaction (SQLite's write lock, which the ORM path's reservations take too,
so limits hold across processes on either path). The service calls the store from threads (a failure is
recorded while a save may run); one lock serialises them on the one connection.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from quilltap_tui.db.failures import timed_statement
from quilltap_tui.errors import Invalid
from quilltap_tui.services import image_files, plain_reads
from quilltap_tui.services.audit_attempt import CANCELLED, AttemptCancelled, failure_values, ok_values
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.edit_inputs import MIN_ID_PREFIX
from quilltap_tui.services.image_limits import (
    PENDING,
    ProfileRow,
    ResolvedProfile,
    check_per_call,
    check_windows,
    not_found,
    resolved,
    windows,
)
from quilltap_tui.services.plain_sqlite import as_json, immediate, open_for_run, scrubbed, stamp, writable

if TYPE_CHECKING:
    from quilltap_tui.imagegen.spec import GeneratedImage
    from quilltap_tui.services.audit_attempt import Attempt
    from quilltap_tui.services.gallery_view import SavedImage
    from quilltap_tui.services.generation_store import Outcome
    from quilltap_tui.services.image_files import ImageOrigin, ImageRow


def open_store(ctx: AppContext) -> PlainGenerationStore | None:
    """A store on the SQLite file when this path may run (see the module doc), else None."""
    conn = open_for_run(ctx)
    return None if conn is None else PlainGenerationStore(ctx, conn)


def open_in_run(ctx: AppContext) -> PlainGenerationStore | None:
    """A store for a run that already took the plain path (``ask``'s turn, through :func:`open_for_run`); None
    when the file or its schema changed since (the ORM path then).

    The sweep is not asked again: the run's own open rows (its streaming reply, its pending tool call) would
    look like a killed run's leftovers, and the run lock it holds keeps other processes from settling them.
    """
    conn = plain_reads.connect(ctx, threads=True, write=True)
    return None if conn is None else PlainGenerationStore(ctx, conn)


class GalleryRow(NamedTuple):
    """A gallery image as an edit's reference needs it (``edit_inputs.GalleryFile``)."""

    id: str
    file_path: str


_PROFILE = (
    "SELECT p.id, p.name, p.provider, p.model, p.base_url, p.parameters, p.max_images_per_call,"
    " p.max_images_per_minute, p.max_images_per_day, k.id, k.backend, k.env_var, k.label, k.provider"
    " FROM image_profile p LEFT OUTER JOIN api_key k ON p.api_key_id = k.id"
)
# Images per minute and per day that count against the limits: made (``ok``), failed after the provider
# took the job (``error`` rows keep a count then), or reserved by a run still going (fresh ``pending``).
_RECENT = (
    "SELECT coalesce(sum(CASE WHEN created_at >= :minute THEN image_count ELSE 0 END), 0),"
    " coalesce(sum(image_count), 0) FROM audit_log WHERE image_profile_id = :profile_id AND created_at >= :day"
    " AND (outcome IN ('ok', 'error') OR (outcome = :pending AND created_at >= :stale))"
)
_AUDIT_COLUMNS = (
    "created_at", "action", "source", "image_profile_id", "profile_name", "provider", "model", "prompt",
    "parameters", "outcome", "error_class", "error_message", "latency_ms", "image_ids", "image_count", "chat_id",
)
_JSON_COLUMNS = frozenset({"parameters", "image_ids", "used_params"})
_IMAGE_COLUMNS = (  # generated_image's columns, as image_files.ImageRow lists them
    "id", "file_path", "mime_type", "width", "height", "bytes", "sha256", "prompt", "revised_prompt",
    "negative_prompt", "provider", "model", "image_profile_id", "profile_name", "seed", "used_params", "chat_id",
    "message_id", "tool_call_id", "created_at",
)
_INPUT_COLUMNS = ("image_id", "position", "input_image_id", "path", "sha256", "role")
# Built once from the constant column lists above (no value is ever spliced in: they go as parameters).
_INSERT_IMAGE = (f"INSERT INTO generated_image ({', '.join(_IMAGE_COLUMNS)})"  # noqa: S608
                 f" VALUES ({', '.join('?' * len(_IMAGE_COLUMNS))})")
_INSERT_INPUT = (f"INSERT INTO image_input ({', '.join(_INPUT_COLUMNS)})"  # noqa: S608
                 f" VALUES ({', '.join('?' * len(_INPUT_COLUMNS))})")
# Whichever outcome is written first stands: an ``ok`` is never turned into a failure, and a cancelled
# attempt's images are never committed (a cancel can land while the save runs in its thread).
_FINISH_OK = ("UPDATE audit_log SET parameters = ?, image_ids = ?, image_count = ?, outcome = ?, latency_ms = ?"
              " WHERE id = ? AND outcome != 'cancelled'")
_RECORD_FAILURE = ("UPDATE audit_log SET outcome = ?, error_class = ?, error_message = ?, latency_ms = ?,"
                   " image_count = ? WHERE id = ? AND outcome != 'ok'")


@dataclass
class PlainGenerationStore:
    """Reads and writes a generation's rows on one read-write connection (from :func:`open_store`)."""

    ctx: AppContext
    conn: sqlite3.Connection

    def __post_init__(self) -> None:
        writable(self.conn)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def resolve_profile(self, name: str | None) -> ResolvedProfile:
        with self._lock, timed_statement():
            if name:
                row = self.conn.execute(f"{_PROFILE} WHERE p.name = ?", ((name or "").strip(),)).fetchone()
            else:
                row = self.conn.execute(f"{_PROFILE} WHERE p.is_default IS 1").fetchone()
        if row is None:
            raise not_found(name)
        (profile_id, profile_name, provider, model, base_url, parameters, per_call, per_minute, per_day, key_id,
         backend, env_var, key_label, key_provider) = row
        # The vault read (a keyring, a file vault's key) runs outside the lock: nothing else waits on it.
        return resolved(self.ctx, ProfileRow(
            id=profile_id, name=profile_name, provider=provider, model=model, base_url=base_url,
            parameters=_json(parameters), max_images_per_call=per_call, max_images_per_minute=per_minute,
            max_images_per_day=per_day, key_id=key_id, backend=backend, env_var=env_var, key_label=key_label,
            key_provider=key_provider,
        ))

    def find_image(self, text: str) -> GalleryRow | None:
        """As ``edit_inputs.find_image``: the id, else an unambiguous prefix of six characters or more."""
        with self._lock, timed_statement():
            exact = self.conn.execute("SELECT id, file_path FROM generated_image WHERE id = ?", (text,)).fetchone()
            if exact is not None or len(text) < MIN_ID_PREFIX:
                return GalleryRow(*exact) if exact is not None else None
            # The ORM's startswith: LIKE (case-insensitive for ASCII in SQLite), the text not escaped.
            matches = self.conn.execute(
                "SELECT id, file_path FROM generated_image WHERE id LIKE ? || '%' LIMIT 2", (text,)
            ).fetchall()
        if len(matches) > 1:
            raise Invalid("image", f"Image id {text!r} matches more than one image; give more characters.")
        return GalleryRow(*matches[0]) if matches else None

    def reserve(self, profile: ResolvedProfile, count: int, row: dict[str, Any]) -> int:
        check_per_call(profile, count)
        with self._lock, immediate(self.conn) as conn:
            now = datetime.now(UTC)
            bounds = {name: stamp(value) if isinstance(value, datetime) else value
                      for name, value in windows(profile.id, now).items()}
            minute, day = conn.execute(_RECENT, {**bounds, "pending": PENDING}).fetchone()
            check_windows(profile, int(minute), int(day), count)
            row_id = _insert_audit(conn, {**row, "created_at": now, "outcome": PENDING, "image_count": count})
        return row_id

    def record_failure(self, attempt: Attempt, error: BaseException) -> None:
        values = failure_values(attempt, error)
        with self._lock, immediate(self.conn) as conn:
            if attempt.audit_id is None:
                _insert_audit(conn, {**attempt.base_values(), **values, "created_at": datetime.now(UTC)})
            else:
                # Never over an ``ok``: a cancellation that arrives once the images are committed changes nothing.
                conn.execute(_RECORD_FAILURE, scrubbed((
                    values["outcome"], values["error_class"], values["error_message"], values["latency_ms"],
                    values["image_count"], attempt.audit_id)))

    def save_images(
        self, images: Sequence[GeneratedImage], origin: ImageOrigin, outcome: Outcome
    ) -> list[SavedImage]:
        rows = image_files.new_rows(images, origin)

        def commit() -> None:
            with self._lock, immediate(self.conn) as conn:
                conn.executemany(_INSERT_IMAGE, [_image_values(row) for row in rows])
                ids = [row.id for row in rows]
                self._finish_ok(conn, outcome, ids)
                lineage = image_files.lineage_rows(ids, outcome.inputs)
                if lineage:
                    conn.executemany(_INSERT_INPUT, [scrubbed([item[c] for c in _INPUT_COLUMNS]) for item in lineage])

        image_files.write_batch(self.ctx, images, rows, commit)
        return [image_files.saved_image(self.ctx, row) for row in rows]

    def _finish_ok(self, conn: sqlite3.Connection, outcome: Outcome, image_ids: list[str]) -> None:
        """Mark the attempt's pending row ``ok`` in the images' transaction (as ``audit.finish_ok``)."""
        attempt = outcome.attempt
        values = ok_values(attempt, outcome.used, image_ids, outcome.billed)
        if attempt.audit_id is None:  # never reserved (a caller outside the service): a row of its own
            _insert_audit(conn, {**attempt.base_values(), **values, "created_at": datetime.now(UTC)})
            return
        cursor = conn.execute(_FINISH_OK, scrubbed((
            as_json(values["parameters"]), as_json(values["image_ids"]), values["image_count"], values["outcome"],
            values["latency_ms"], attempt.audit_id)))
        if cursor.rowcount == 0:
            # The attempt was cancelled while its images were being written: the first outcome stands, and
            # raising here rolls the image rows back and removes their files.
            raise AttemptCancelled(CANCELLED)


def _insert_audit(conn: sqlite3.Connection, values: Mapping[str, Any]) -> int:
    """One ``audit_log`` row of ``values`` (the columns not given are NULL, as the ORM's insert leaves them)."""
    columns = [c for c in _AUDIT_COLUMNS if c in values]
    unknown = set(values) - set(columns)
    if unknown:  # a column this store does not know would be silently lost
        raise ValueError(f"audit_log has no column {sorted(unknown)[0]!r}")
    cursor = conn.execute(
        # The column names are this module's constants (checked above); the values go as parameters.
        f"INSERT INTO audit_log ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608
        scrubbed([_column_value(c, values[c]) for c in columns]),
    )
    return int(cursor.lastrowid or 0)


def _image_values(row: ImageRow) -> tuple[Any, ...]:
    values = row.values()
    return scrubbed([_column_value(c, values[c]) for c in _IMAGE_COLUMNS])


def _column_value(column: str, value: Any) -> Any:
    if column in _JSON_COLUMNS:
        return as_json(value)
    if isinstance(value, datetime):
        return stamp(value)
    return value


def _json(stored: str | None) -> Any:
    return None if stored is None else json.loads(stored)
