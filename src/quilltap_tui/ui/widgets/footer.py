"""Footer: Textual's footer, rebuilt once per burst of binding changes and only when its keys change.

Textual's ``Footer`` rebuilds all its keys (a widget each, every one restyled) after every
"bindings updated" signal. Opening a screen sends three to five of them in a row (the focus is set,
the screen resumes, each focus change signals again after the next refresh), all with the same keys:
opening a chat spent more time rebuilding an unchanged footer than mounting its messages.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """The footer; a burst of binding signals causes at most one rebuild, none when the keys are the same."""

    _rebuild_due = False
    _shown: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """A screen's bindings may have changed: check (once, after the next refresh) what to show."""
        self._bindings_ready = True  # what Textual's handler records before its first rebuild
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen or self._rebuild_due:
            return
        self._rebuild_due = True
        self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_due = False
        if not self.is_attached or self._pruning:  # its screen closed before the refresh came
            return
        shown = self._keys()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()

    def _keys(self) -> tuple[Any, ...]:
        """What ``compose`` would show: every shown binding as it would read, and the footer's options."""
        keys = tuple(
            (binding.key, self.app.get_key_display(binding), binding.description, binding.action, enabled,
             tooltip, binding.group)
            for (_node, binding, enabled, tooltip) in self.screen.active_bindings.values() if binding.show
        )
        palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        return keys, palette[1:] if palette else None, self.compact, self.show_command_palette
