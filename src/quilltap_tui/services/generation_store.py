"""The generation service's storage port: what a generation or an edit reads and writes, and nothing else.

Two implementations write the same rows (tests/services/test_plain_generation.py holds them equal):

* :class:`~quilltap_tui.services.sql_generation_store.SqlGenerationStore`, through SQLAlchemy: every
  database (PostgreSQL through ``QUILLTAP_DATABASE_URL``, a fresh home it creates, an older schema it
  migrates), and what the TUI, chat turns and the MCP server use;
* :class:`~quilltap_tui.services.plain_generation_store.PlainGenerationStore`, with the standard library's
  ``sqlite3``, which ``generate`` and ``edit`` take when the database is the SQLite file at the current
  schema: importing SQLAlchemy, sqlmodel and the models cost a cold ``generate`` more than half a second
  of the bare SDK script's one.

The rules are shared and light: what a resolved profile is and what counts against a limit
(:mod:`services.image_limits`), what an attempt's audit row says (:mod:`services.audit_attempt`), the
image rows, their files and the pending journal (:mod:`services.image_files`). Every method blocks: the
service calls it in a thread, or inline on a loop of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from quilltap_tui.imagegen.spec import GeneratedImage, UsedParams
    from quilltap_tui.services.audit_attempt import Attempt
    from quilltap_tui.services.edit_inputs import GalleryFile
    from quilltap_tui.services.gallery_view import SavedImage
    from quilltap_tui.services.image_files import ImageOrigin
    from quilltap_tui.services.image_limits import ResolvedProfile


@dataclass(frozen=True)
class Outcome:
    """What commits with a batch's image rows, in their transaction: the attempt's ``ok`` and the lineage.

    ``billed``: images asked for in requests that reached the provider but failed (they count too).
    ``inputs``: an edit's references (``LoadedInput`` items), recorded as each new image's lineage.
    """

    attempt: Attempt
    used: UsedParams
    billed: int = 0
    inputs: Sequence[Any] = field(default_factory=tuple)


class GenerationStore(Protocol):
    """Storage of generations (see the module doc). Raises the errors users see (NotFound, LimitExceeded)."""

    def resolve_profile(self, name: str | None) -> ResolvedProfile:
        """The named image profile (the default when None) with its secret."""

    def find_image(self, text: str) -> GalleryFile | None:
        """A gallery image by id or unique prefix of at least six characters (ambiguous: Invalid)."""

    def reserve(self, profile: ResolvedProfile, count: int, row: dict[str, Any]) -> int:
        """Check every limit and record the attempt as a ``pending`` audit row (``row``: its columns), in
        one transaction under a lock every process honours; the row's id. Over a limit: LimitExceeded,
        nothing recorded."""

    def record_failure(self, attempt: Attempt, error: BaseException) -> None:
        """The attempt failed, was cancelled or refused: its row says how, never over an ``ok``."""

    def save_images(
        self, images: Sequence[GeneratedImage], origin: ImageOrigin, outcome: Outcome
    ) -> list[SavedImage]:
        """Write the files, then commit the image rows with ``outcome`` in one transaction, or leave nothing
        (no row, no file). An attempt already ``cancelled`` raises AttemptCancelled and saves nothing."""

    def close(self) -> None:
        """Release what the store holds (its connection); it is not used afterwards."""
