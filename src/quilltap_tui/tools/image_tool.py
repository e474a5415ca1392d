"""The skeleton every image tool shares: bound to one image profile and a port, its declaration built
once, its outcome turned into a result for the user and a short one for the LLM."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from quilltap_tui.tools.call import ToolContext, ToolResult
from quilltap_tui.tools.ports import ImageOutcome, ImageToolProfile
from quilltap_tui.tools.spec import ToolSpec


class ImageTool(ABC):
    """A tool whose call makes images; subclasses say how to declare, run and summarise it."""

    def __init__(self, profile: ImageToolProfile) -> None:
        self.profile = profile
        self._spec = self.build_spec(profile)

    @property
    def spec(self) -> ToolSpec:
        """The declaration built from the profile."""
        return self._spec

    async def run(self, arguments: Mapping[str, Any], context: ToolContext) -> ToolResult:
        """Run with the profile; invalid input and provider failures raise for the registry."""
        outcome = await self.make(arguments, context)
        return ToolResult(ok=True, result=outcome.as_json(), for_model=self.model_result(outcome))

    @staticmethod
    @abstractmethod
    def build_spec(profile: ImageToolProfile) -> ToolSpec:
        """The declaration the model sees for ``profile``."""

    @abstractmethod
    async def make(self, arguments: Mapping[str, Any], context: ToolContext) -> ImageOutcome:
        """Parse ``arguments`` and make the images through the port."""

    @staticmethod
    @abstractmethod
    def model_result(outcome: ImageOutcome) -> dict[str, Any]:
        """The short result for the LLM (never image data)."""
