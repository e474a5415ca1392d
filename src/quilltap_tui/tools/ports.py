"""The small interfaces the tools run through; ``services/`` implements them.

A tool never imports a service or a table: it is handed a port bound to the chat's image profile (so
the LLM can name neither a profile nor a key) and calls it with the parsed input and where the call
happens. What comes back is read only through :class:`ImageOutcome`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from quilltap_tui.tools.call import ToolContext

if TYPE_CHECKING:  # annotations only: a chat without images never loads the image option vocabulary
    from quilltap_tui.imagegen.options import GenerateOptions
    from quilltap_tui.imagegen.spec import UsedParams


@dataclass(frozen=True)
class ImageToolProfile:
    """What an image tool needs to know about the chat's image profile (never its key)."""

    name: str
    provider: str
    model: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    max_images_per_call: int = 4


class SavedImageFacts(Protocol):
    """What a tool reads of a saved image (services' ``SavedImage``)."""

    @property
    def id(self) -> str: ...

    @property
    def path(self) -> Path:
        """Absolute."""
        ...

    @property
    def width(self) -> int: ...

    @property
    def height(self) -> int: ...

    @property
    def mime_type(self) -> str: ...

    @property
    def revised_prompt(self) -> str | None: ...


class InputFacts(Protocol):
    """What a tool reads of an image an edit was made from (services' ``InputRef``)."""

    @property
    def id(self) -> str | None:
        """The gallery id; None for a file from outside the gallery."""
        ...


class ImageOutcome(Protocol):
    """The saved images of one generation or edit: the contract's ``generate --json`` document."""

    @property
    def images(self) -> Sequence[SavedImageFacts]:
        """Each saved image."""
        ...

    @property
    def used(self) -> UsedParams:
        """The settings actually sent."""
        ...

    @property
    def warnings(self) -> Sequence[str]:
        """Every adjustment made to the request."""
        ...

    @property
    def inputs(self) -> Sequence[InputFacts] | None:
        """An edit's reference images; ``None`` for a generation."""
        ...

    def as_json(self) -> dict[str, Any]:
        """The whole document, as ``generate --json`` prints it."""
        ...


class ImageGenerator(Protocol):
    """Makes images with one image profile and saves them to the gallery."""

    async def generate(self, prompt: str, options: GenerateOptions, context: ToolContext) -> ImageOutcome:
        """Generate, save and record the images; raises :class:`~quilltap_tui.errors.QuilltapError`."""
        ...


class ImageEditor(Protocol):
    """Edits gallery images (named by id, never by path) with one image profile."""

    async def edit(
        self, prompt: str, images: Sequence[str], options: GenerateOptions, context: ToolContext
    ) -> ImageOutcome:
        """Edit (or make new images from) the gallery images ``images``; raises like :meth:`ImageGenerator.generate`."""
        ...
