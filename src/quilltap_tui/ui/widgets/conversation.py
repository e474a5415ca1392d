"""Conversation: the chat's scroll view, kept at its newest line inside the layout pass that grows it;
and a message cursor (``[`` / ``]``) to copy a message or its code blocks (OSC 52, through the app).

Following the end with ``scroll_end`` scrolls after the refresh: every growth of a reply (a streamed
paragraph, a tool call, an image) cost two full frames of the chat screen, one to lay the new content
out at the old position and one to scroll it into view (10-20 ms each on a 2-vCPU machine). Textual's
anchor does the scroll in the same pass, so one frame shows it.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import NoScreen
from textual.geometry import Size
from textual.layout import DockArrangeResult
from textual.scrollbar import ScrollBar
from textual.widget import Widget
from textual.widgets import Collapsible

from quilltap_tui.ui.widgets.message import MessageView, SettledSize, code_blocks


class Conversation(SettledSize, VerticalScroll):
    """A :class:`VerticalScroll` that stays scrolled to its end while ``following`` is set.

    One tab stop: tab from the prompt reaches the conversation (to scroll and read) without walking every
    past tool call first; ``t`` there shows or hides the details of all its tool calls, ``p`` collapses every
    image preview to its caption line(s) and expands them again (images that arrive meanwhile follow). ``[`` and ``]``
    select the previous / next message (highlighted and scrolled to; the chat's search selects its matches
    too); ``c`` copies the selected message (else the newest reply), ``b`` its code blocks, one per press.
    """

    BINDINGS = [
        Binding("t", "toggle_tool_calls", "Tool details", id="toggle_tool_calls"),
        Binding("p", "toggle_previews", "Previews", id="toggle_previews"),
        Binding("left_square_bracket", "select_message(-1)", "Prev msg", id="select_previous_message"),
        Binding("right_square_bracket", "select_message(1)", "Next msg", id="select_next_message"),
        Binding("c", "copy_message", "Copy", id="copy_message"),
        Binding("b", "copy_code", "Copy code", id="copy_code"),
    ]
    DEFAULT_CSS = """
    Conversation > MessageView.-selected { border-left: double $accent; background: $accent 15%; }
    Conversation.-previews-collapsed .image-block > ImagePreview { display: none; }
    Conversation.-previews-collapsed .partial-preview { display: none; }
    """
    can_focus_children = False
    selected: MessageView | None = None
    _code_turn = 0  # which of the selected message's code blocks ``b`` copies next
    following = True  # the reader is at the end; False once they scroll up to read
    _overflows = False  # the content, as last arranged, is taller than the view
    _kept: Widget | None = None  # the child that keeps its row in the view (see ``keep_place``)
    _arranged: DockArrangeResult | None = None  # the last arrangement the compositor placed

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        # Textual's compositor arranges the children, then reads ``_anchored`` and scrolls to (content bottom
        # - view height) without clamping: for content shorter than the view that is a negative offset, and a
        # short chat showed nothing. So note here, from this very arrangement, whether there is anything to
        # scroll, with the compositor's own formula.
        result = super().arrange(size, optimal=optimal)
        if not optimal:
            view_height = self.container_size.height - self.scrollbar_size_horizontal
            self._overflows = result.spatial_map.total_region.bottom > view_height
            if self._kept is not None:
                self._hold_place(result)
            self._arranged = result
        return result

    def _scroll_update(self, virtual_size: Size) -> None:
        # The layout pass that grows the chat updates the scrollbar here (its size and thumb), just before
        # that pass paints: the paint covers the scrollbar's column whenever the view's content moved, and
        # draws the scrollbar anew (its lines are marked dirty). Its own repaint request would still reach
        # the screen after the pass, as one more frame drawing the same column again: about one extra frame
        # per streamed append. Left asking only when this pass's paint does not cover it.
        super()._scroll_update(virtual_size)
        try:
            compositor = self.screen._compositor
        except NoScreen:
            return
        for bar in (self._vertical_scrollbar, self._horizontal_scrollbar):
            if bar is None or not bar._repaint_required:
                continue
            placed = compositor.visible_widgets.get(bar)  # (region, clip), as this pass arranged it
            if placed is None:
                continue
            shown = placed[0].intersection(placed[1])
            if any(dirty.contains_region(shown) for dirty in compositor._dirty_regions):
                bar._repaint_required = False

    def keep_place(self, child: Widget | None) -> None:
        """Keep ``child`` on its row of the view while content is added above it (an earlier page), until
        the reader scrolls; None stops.

        Done here, in the layout pass that moves it, as the compositor does for the end: a watcher of
        ``virtual_size`` never ran (this widget stores the size a pass found without the reactive's
        watchers, see :class:`SettledSize`), and a scroll after the refresh shows one frame of the page
        at the old offset. Each pass compares the child's place with the last arrangement's, so a page
        laid out while the chat still settles (Markdown parsed, a late layout) moves the view by exactly
        what came above.
        """
        self._kept = child

    def _hold_place(self, result: DockArrangeResult) -> None:
        child = self._kept
        if child is None or not child.is_attached or child.parent is not self:
            self._kept = None
            return
        before, now = _top(self._arranged, child), _top(result, child)
        if before is None or now is None or before == now:
            return
        y = max(0.0, self.scroll_y + now - before)
        # As the compositor's anchor does: the pass goes on to place the children at this offset.
        self.set_reactive(VerticalScroll.scroll_y, y)
        self.set_reactive(VerticalScroll.scroll_target_y, y)
        self.vertical_scrollbar.set_reactive(ScrollBar.position, y)

    @property
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
        self._kept = None  # the reader (or a scroll to a message) moves on: nothing to hold any more

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

    def action_toggle_previews(self) -> None:
        """Collapse every image preview of the chat to its caption, or expand them again."""
        collapsed = not self.has_class("-previews-collapsed")
        self.set_class(collapsed, "-previews-collapsed")
        self.notify("Image previews collapsed: p shows them again." if collapsed else "Image previews shown.",
                    timeout=2)

    # -- the message cursor and copying ----------------------------------------------------------

    def messages(self) -> list[MessageView]:
        """The messages shown, oldest first (queued ones included)."""
        return [child for child in self.children if isinstance(child, MessageView)]

    def select(self, view: MessageView | None) -> None:
        """Highlight ``view`` (None: no selection) and scroll it into view."""
        if self.selected is not None and self.selected is not view:
            self.selected.remove_class("-selected")
        self.selected, self._code_turn = view, 0
        if view is not None:
            view.add_class("-selected")
            self.following = False  # the reader looks at this message: a growing reply must not pull the view away
            self.call_after_refresh(self._bring_into_view, view)

    def _bring_into_view(self, view: MessageView, tries: int = 10) -> None:
        """Centre ``view``, once it is laid out: a message of a page just mounted may have no region yet
        after one refresh (scrolling then went by a region of nothing and missed it)."""
        if view is not self.selected or not view.is_attached:
            return
        if not view.virtual_region.height and tries:
            self.call_after_refresh(self._bring_into_view, view, tries - 1)
            return
        self.scroll_to_center(view, animate=False, origin_visible=True, immediate=True)

    def action_select_message(self, step: int) -> None:
        """Select the message ``step`` places away from the selected one (from the newest when none is)."""
        views = self.messages()
        if not views:
            return
        if self.selected not in views:
            self.select(views[-1])
            return
        index = views.index(self.selected) + step
        self.select(views[max(0, min(len(views) - 1, index))])

    def _target(self) -> MessageView | None:
        """What ``c`` and ``b`` act on: the selected message, else the newest reply, else the newest message."""
        views = self.messages()
        if self.selected in views:
            return self.selected
        replies = [view for view in views if view.role == "assistant"]
        return replies[-1] if replies else views[-1] if views else None

    def action_copy_message(self) -> None:
        """Copy the selected message's text (Markdown source, as written) to the clipboard."""
        view = self._target()
        if view is None or not view.text:
            self.notify("No message to copy yet.", timeout=3)
            return
        self.app.copy_to_clipboard(view.text)
        who = "your message" if view.role == "user" else "the message"
        self.notify(f"Copied {who} ({len(view.text):,} characters).", timeout=3)

    def action_copy_code(self) -> None:
        """Copy a code block of the selected message; each press copies the next one."""
        view = self._target()
        blocks = code_blocks(view.text) if view is not None else []
        if not blocks:
            self.notify("No code block in this message.", timeout=3)
            return
        index = self._code_turn % len(blocks)
        self._code_turn += 1
        language, code = blocks[index]
        self.app.copy_to_clipboard(code)
        kind = f" ({language})" if language else ""
        self.notify(f"Copied code block {index + 1} of {len(blocks)}{kind}.", timeout=3)


def _top(arranged: DockArrangeResult | None, child: Widget) -> int | None:
    """Where ``child`` starts in ``arranged`` (None: not placed there)."""
    if arranged is None:
        return None
    for placement in arranged.placements:
        if placement.widget is child:
            return placement.region.y
    return None
