"""Conversation: the chat's scroll view, kept at its newest line inside the layout pass that grows it.

Following the end with ``scroll_end`` scrolls after the refresh: every growth of a reply (a streamed
paragraph, a tool call, an image) cost two full frames of the chat screen, one to lay the new content
out at the old position and one to scroll it into view (10-20 ms each on a 2-vCPU machine). Textual's
anchor does the scroll in the same pass, so one frame shows it.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.layout import DockArrangeResult
from textual.widgets import Collapsible


class Conversation(VerticalScroll):
    """A :class:`VerticalScroll` that stays scrolled to its end while ``following`` is set.

    One tab stop: tab from the prompt reaches the conversation (to scroll and read) without walking every
    past tool call first; ``t`` there shows or hides the details of all its tool calls.
    """

    BINDINGS = [Binding("t", "toggle_tool_calls", "Tool details", id="toggle_tool_calls")]
    can_focus_children = False
    following = True  # the reader is at the end; False once they scroll up to read
    _overflows = False  # the content, as last arranged, is taller than the view

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        # Textual's compositor arranges the children, then reads ``_anchored`` and scrolls to (content bottom
        # - view height) without clamping: for content shorter than the view that is a negative offset, and a
        # short chat showed nothing. So note here, from this very arrangement, whether there is anything to
        # scroll, with the compositor's own formula.
        result = super().arrange(size, optimal=optimal)
        if not optimal:
            view_height = self.container_size.height - self.scrollbar_size_horizontal
            self._overflows = result.spatial_map.total_region.bottom > view_height
        return result

    @property  # type: ignore[override]
    def _anchored(self) -> bool:
        return self.following and self._overflows

    @_anchored.setter
    def _anchored(self, value: bool) -> None:
        """Textual's own anchor (``anchor()``) is not used: following is ours to say."""

    def watch_scroll_target_y(self, target: float) -> None:
        # Every scroll the reader makes (keys, wheel, scrollbar, a focus that scrolls) sets where the view is
        # going before it moves: follow exactly when that is the end. Judging by scroll_y instead lost a page
        # up during a stream: its first animated step was still near the end, and the next growth, still
        # "following", pulled the view back down. The anchor's own scrolls set the target without a watcher.
        self.following = target >= self.max_scroll_y - 1

    # Textual "releases" its anchor on every scroll call, ours included, and restores it only on some paths.
    # Whether the reader left the end is already in ``following``.
    @property
    def _anchor_released(self) -> bool:
        return False

    @_anchor_released.setter
    def _anchor_released(self, value: bool) -> None:
        pass

    def action_toggle_tool_calls(self) -> None:
        """Expand every tool call's details, or collapse them all when the newest one is open."""
        items = list(self.query(".tool-call > Collapsible").results(Collapsible))
        if items:
            collapse = not items[-1].collapsed
            for item in items:
                item.collapsed = collapse
