"""The tool catalogue: which tools a chat's stored ids offer, what a new chat stores, and adding a tool."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import pytest

from quilltap_tui.tools import catalogue
from quilltap_tui.tools.call import ToolContext, ToolResult
from quilltap_tui.tools.catalogue import CatalogueEntry, Needs, ToolBinding
from quilltap_tui.tools.ports import ImageToolProfile
from quilltap_tui.tools.registry import Tool, ToolRegistry
from quilltap_tui.tools.spec import ToolSpec

EDITS = ImageToolProfile("art", "openai", "gpt-image-1")  # takes reference images
MAKES_ONLY = ImageToolProfile("old", "openai", "dall-e-3")  # makes images, cannot edit


class NoPorts:
    """Image ports that must not be called: building tools never runs them."""

    async def generate(self, *args: Any) -> Any:
        raise AssertionError("not called")

    async def edit(self, *args: Any) -> Any:
        raise AssertionError("not called")


def names(stored: list[str], profile: ImageToolProfile | None) -> list[str]:
    binding = ToolBinding(profile, NoPorts() if profile else None)
    return ToolRegistry(catalogue.build_tools(stored, binding)).names()


def test_stored_ids_offer_the_tools_the_chats_image_profile_can_run() -> None:
    assert names(["generate_image"], EDITS) == ["generate_image", "edit_image"]
    assert names(["generate_image"], MAKES_ONLY) == ["generate_image"]
    assert names(["generate_image"], None) == []  # no image profile: no image tool, whatever is stored
    assert names([], EDITS) == []  # images switched off
    assert names(["a_tool_since_removed", "generate_image"], MAKES_ONLY) == ["generate_image"]


def test_new_chats_store_what_they_stored_before_the_catalogue() -> None:
    assert catalogue.default_ids() == ["generate_image"]
    assert catalogue.default_ids(images=False) == []
    assert catalogue.image_tool_ids() == ["generate_image"]


class Clock:
    """A throwaway tool that needs nothing: what adding a tool takes."""

    spec = ToolSpec("clock", "The time.", {"type": "object", "properties": {}})

    async def run(self, arguments: Mapping[str, Any], context: ToolContext) -> ToolResult:
        return ToolResult(ok=True, result={"time": "12:00"}, for_model={"time": "12:00"})


def _clock(binding: ToolBinding) -> Tool:
    return Clock()


def test_adding_a_tool_is_one_catalogue_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogue, "ENTRIES", (*catalogue.ENTRIES, CatalogueEntry("clock", "Clock", Needs(), _clock)))
    assert catalogue.default_ids() == ["generate_image", "clock"]
    assert catalogue.default_ids(images=False) == ["clock"]
    assert names(["clock"], None) == ["clock"]  # needs no image profile
    assert names(catalogue.default_ids(), MAKES_ONLY) == ["generate_image", "clock"]


def test_needs_are_checked_against_the_profile() -> None:
    editing = Needs(image_profile=True, editing=True)
    assert editing.met_by(EDITS) and not editing.met_by(MAKES_ONLY) and not editing.met_by(None)
    assert Needs().met_by(None)
    assert catalogue.entry("edit_image") is catalogue.ENTRIES[1]
    assert catalogue.entry("gone") is None


def test_the_catalogue_is_cheap_to_import() -> None:
    """Listing chats reads the ids: the tool modules and the model catalogue load only when a tool is built."""
    code = ("import sys, quilltap_tui.tools.catalogue; "
            "print(sorted(m for m in sys.modules if m.startswith(('quilltap_tui.imagegen.capabilities', "
            "'quilltap_tui.tools.generate_image', 'quilltap_tui.tools.edit_image'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
