"""The services side of the tool ports: the generation service bound to one image profile.

:class:`ProfileImages` is what a chat's image tools are handed (:mod:`quilltap_tui.tools.ports`):
generations and edits run through :class:`GenerationService` with the chat's image profile, recorded in
the audit log as made by a tool and linked to the chat's tool call. An edit reads gallery ids only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from quilltap_tui.imagegen.options import GenerateOptions
from quilltap_tui.services.edit_inputs import EditRequest
from quilltap_tui.services.generation import GenerationOutcome, GenerationService, Link
from quilltap_tui.tools.call import ToolContext
from quilltap_tui.tools.ports import ImageToolProfile

if TYPE_CHECKING:
    from quilltap_tui.db.models import ImageProfile

SOURCE = "tool"  # the audit log's source for images a chat's tool call made


class ProfileImages:
    """The :class:`~quilltap_tui.tools.ports.ImageGenerator` and ``ImageEditor`` of one image profile."""

    def __init__(self, service: GenerationService, profile: str, *, source: str = SOURCE) -> None:
        self.service = service
        self.profile = profile
        self.source = source  # "mcp" when the MCP server serves a catalogue tool

    async def generate(self, prompt: str, options: GenerateOptions, context: ToolContext) -> GenerationOutcome:
        return await self.service.generate(prompt, profile=self.profile, options=options, source=self.source,
                                           link=_link(context))

    async def edit(
        self, prompt: str, images: Sequence[str], options: GenerateOptions, context: ToolContext
    ) -> GenerationOutcome:
        # gallery_only: the LLM names images by id; it can never make the app read a file path.
        return await self.service.edit(prompt, EditRequest(tuple(images), gallery_only=True), profile=self.profile,
                                       options=options, source=self.source, link=_link(context))


def _link(context: ToolContext) -> Link:
    return Link(context.chat_id, context.message_id, context.tool_call_id)


def tool_profile(row: ImageProfile) -> ImageToolProfile:
    """What the tools may know of a stored image profile (never its key)."""
    return ImageToolProfile(row.name, row.provider, row.model, dict(row.parameters), row.max_images_per_call)
