"""Tools the LLM can call: declared once (:mod:`.spec`), rendered per provider (:mod:`.render`)."""

from quilltap_tui.tools.spec import ToolSpec

__all__ = ["ToolSpec"]
