"""Every tool a chat (or the MCP server) can offer: its id, what it needs, and how it is built.

A chat stores the ids of the tools it has enabled (``chat.enabled_tools``, see
:attr:`CatalogueEntry.enabled_by`); a turn offers each enabled tool whose needs the chat meets, built
by :func:`build_tools` from the ports ``services/`` hands in. Adding a tool is its module plus one
:class:`CatalogueEntry` in :data:`ENTRIES`.

Tool ids are spelled here, once (a tool module takes its name from here). This module stays cheap to
import (listing chats needs the ids): the tool modules, which load the model catalogue, are imported
only when a tool is built or its needs are checked against a profile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from quilltap_tui.tools.ports import ImageEditor, ImageGenerator, ImageToolProfile

if TYPE_CHECKING:
    from quilltap_tui.tools.registry import Tool

GENERATE_IMAGE = "generate_image"
EDIT_IMAGE = "edit_image"


class ImagePorts(ImageGenerator, ImageEditor, Protocol):
    """Image generation and editing with one image profile (services' ``ProfileImages``)."""


@dataclass(frozen=True)
class Needs:
    """What a chat must have for a tool to be offered."""

    image_profile: bool = False  # an image profile (and the chat's images switched on)
    editing: bool = False  # ... whose model takes input images

    def met_by(self, profile: ImageToolProfile | None) -> bool:
        """True when a chat whose image profile is ``profile`` (None: no images) can use the tool."""
        if not self.image_profile:
            return True
        if profile is None:
            return False
        from quilltap_tui.tools.edit_image import can_edit

        return not self.editing or can_edit(profile)


@dataclass(frozen=True)
class ToolBinding:
    """What tools are built from for one turn: the chat's image profile and the ports bound to it."""

    image_profile: ImageToolProfile | None = None
    images: ImagePorts | None = None

    def image_tool(self) -> tuple[ImagePorts, ImageToolProfile]:
        """The ports and the profile an image tool is built with (its needs were checked first)."""
        if self.images is None or self.image_profile is None:
            raise LookupError("an image tool was built for a chat without an image profile")
        return self.images, self.image_profile


@dataclass(frozen=True)
class CatalogueEntry:
    """One tool: its id (the name the model calls), a title, its needs and its factory.

    ``makes_images``: its result holds saved images, so a screen keeps a place for them while it runs
    (how a finished result is shown is read from the result's shape, never from the tool's name).
    ``enabled_by``: the stored id that switches it on, when not its own. ``edit_image`` came after chats
    stored ``["generate_image"]`` for "images on", and goes on and off with it, so stored chats keep
    their meaning and rows.
    """

    id: str
    title: str
    needs: Needs
    build: Callable[[ToolBinding], Tool]
    makes_images: bool = False
    enabled_by: str | None = None

    @property
    def switch(self) -> str:
        """The id a chat stores in ``enabled_tools`` to offer this tool."""
        return self.enabled_by or self.id


def _generate(binding: ToolBinding) -> Tool:
    from quilltap_tui.tools.generate_image import GenerateImageTool

    return GenerateImageTool(*binding.image_tool())


def _edit(binding: ToolBinding) -> Tool:
    from quilltap_tui.tools.edit_image import EditImageTool

    return EditImageTool(*binding.image_tool())


# In the order they are offered to the model.
ENTRIES: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(GENERATE_IMAGE, "Generate images", Needs(image_profile=True), _generate, makes_images=True),
    CatalogueEntry(EDIT_IMAGE, "Edit images", Needs(image_profile=True, editing=True), _edit, makes_images=True,
                   enabled_by=GENERATE_IMAGE),
)


def entry(tool_id: str) -> CatalogueEntry | None:
    """The entry of ``tool_id``, or None for an id no longer in the catalogue (an old chat's)."""
    return next((e for e in ENTRIES if e.id == tool_id), None)


def _switches(entries: Iterable[CatalogueEntry]) -> list[str]:
    return list(dict.fromkeys(e.switch for e in entries))


def image_tool_ids() -> list[str]:
    """The stored ids a chat's images switch turns on and off together."""
    return _switches(e for e in ENTRIES if e.needs.image_profile)


def default_ids(*, images: bool = True) -> list[str]:
    """The ids a new chat stores: every tool's (the image tools' only when it makes images)."""
    return _switches(e for e in ENTRIES if images or not e.needs.image_profile)


def enabled(stored: Iterable[str]) -> list[CatalogueEntry]:
    """The entries a chat's stored ids switch on (ids no longer in the catalogue are ignored)."""
    wanted = set(stored)
    return [e for e in ENTRIES if e.switch in wanted]


def build_tools(stored: Iterable[str], binding: ToolBinding) -> list[Tool]:
    """The tools a chat's stored ids switch on whose needs ``binding`` meets, in catalogue order."""
    return [e.build(binding) for e in enabled(stored) if e.needs.met_by(binding.image_profile)]
