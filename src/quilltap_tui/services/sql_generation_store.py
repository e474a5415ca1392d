"""The generation store through SQLAlchemy (:class:`~quilltap_tui.services.generation_store.GenerationStore`).

Any database the engine opens: PostgreSQL, a fresh home it creates, an older schema it migrates. The
functions it calls stay where they were (``generation_profile``, ``audit``, ``image_store``,
``edit_inputs``) and are looked up on their modules at each call, so a test can stand in for one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from quilltap_tui.services import audit, edit_inputs, generation_profile, image_store
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.generation_store import Outcome

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from quilltap_tui.imagegen.spec import GeneratedImage
    from quilltap_tui.services.audit_attempt import Attempt
    from quilltap_tui.services.edit_inputs import GalleryFile
    from quilltap_tui.services.gallery_view import SavedImage
    from quilltap_tui.services.image_files import ImageOrigin, ImageRow
    from quilltap_tui.services.image_limits import ResolvedProfile


class SqlGenerationStore:
    """Reads and writes a generation's rows with the context's engine."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def resolve_profile(self, name: str | None) -> ResolvedProfile:
        return generation_profile.resolve_profile(self.ctx, name)

    def find_image(self, text: str) -> GalleryFile | None:
        return edit_inputs.find_image(self.ctx, text)

    def reserve(self, profile: ResolvedProfile, count: int, row: dict[str, Any]) -> int:
        return generation_profile.reserve(self.ctx, profile, count, row)

    def record_failure(self, attempt: Attempt, error: BaseException) -> None:
        audit.record_failure(self.ctx, attempt, error)

    def save_images(
        self, images: Sequence[GeneratedImage], origin: ImageOrigin, outcome: Outcome
    ) -> list[SavedImage]:
        def finish(conn: Connection, rows: list[ImageRow]) -> None:
            ids = [row.id for row in rows]
            audit.finish_ok(conn, outcome.attempt, outcome.used, ids, outcome.billed)
            if outcome.inputs:
                image_store.record_lineage(conn, ids, outcome.inputs)

        rows = image_store.save_batch(self.ctx, images, origin, also=finish)
        return [image_store.saved_image(self.ctx, row) for row in rows]

    def close(self) -> None:
        """Nothing to release: the engine is the context's."""
