"""Footer: the screen's own keys first, then the app-wide ones that still fit; never a key cut in half.

Textual's ``Footer`` shows the bindings in chain order and lets the row run off the edge: at 80 columns
the home screen ended in ``f2 K``. Here the focused widget's and the screen's keys come first; the app-wide
keys (quit, help, F2 to F6, generate) follow, as many whole ones as fit before the palette key; the rest
are in help (F1) and the command palette (ctrl+p), which are always there.

It is also rebuilt once per burst of binding changes, and only when what it would show changes: Textual
rebuilds all its keys (a widget each, every one restyled) after every "bindings updated" signal, and
opening a screen sends three to five in a row with the same keys.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter

Entry = tuple[Binding, bool, str, bool]  # binding, enabled, tooltip, app-wide


class Footer(TextualFooter):
    """The footer: own keys first, whole keys only, at most one rebuild per burst of binding signals."""

    _ready = False
    _rebuild_due = False
    _shown: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """A screen's bindings may have changed: check (once, after the next refresh) what to show."""
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen or self._rebuild_due:
            return
        self._rebuild_due = True
        self.call_after_refresh(self._rebuild)

    def on_resize(self) -> None:
        if self._shown is not None and not self._rebuild_due:  # a different width fits a different number of keys
            self._rebuild_due = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_due = False
        if not self.is_attached or self.screen not in self.app.screen_stack:  # its screen closed meanwhile
            return
        shown = self._keys()
        if shown != self._shown:
            self._shown = shown
            if self._ready:
                await self.recompose()
            else:  # the first time: Textual's own handler marks the bindings ready, then composes
                self._ready = True
                super().bindings_changed(self.screen)

    def _entries(self) -> list[Entry]:
        """Shown bindings, one per action: the focused widget's and the screen's, then the app's."""
        own: dict[str, Entry] = {}
        app_wide: dict[str, Entry] = {}
        for node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if not binding.show:
                continue
            is_app = node is self.app
            (app_wide if is_app else own).setdefault(binding.action, (binding, enabled, tooltip, is_app))
        return [*own.values(), *(e for action, e in app_wide.items() if action not in own)]

    def _fitting(self) -> list[Entry]:
        """The entries that fit whole beside the palette key: every own key that fits, then app-wide keys in
        order up to the first that does not (F2 without F3 reads like a gap; the rest are in help)."""
        budget = (self.size.width or self.app.size.width) - self._palette_width()
        chosen: list[Entry] = []
        for entry in self._entries():
            width = _key_width(self.app.get_key_display(entry[0]), entry[0].description)
            if width > budget:
                if entry[3]:
                    break
                continue
            chosen.append(entry)
            budget -= width
        return chosen

    def _palette_width(self) -> int:
        palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if palette is None or not self.show_command_palette:
            return 0
        return _key_width(self.app.get_key_display(palette.binding), palette.binding.description) + 2

    def compose(self) -> ComposeResult:
        """Textual's keys, reordered (own first) and only those that fit; the palette key stays last."""
        made = list(super().compose())
        palette = [widget for widget in made if widget.has_class("-command-palette")]
        by_action = {getattr(widget, "action", None): widget for widget in made if widget not in palette}
        chosen = [by_action[entry[0].action] for entry in self._fitting() if entry[0].action in by_action]
        self.styles.grid_size_columns = len(chosen)
        yield from chosen
        yield from palette

    def _keys(self) -> tuple[Any, ...]:
        """What ``compose`` would show: every shown binding as it would read, and the footer's options."""
        keys = tuple((binding.key, self.app.get_key_display(binding), binding.description, binding.action, enabled,
                      tooltip) for binding, enabled, tooltip, _app_wide in self._fitting())
        palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        return keys, palette[1:] if palette else None, self.compact, self.show_command_palette


def _key_width(key: str, description: str) -> int:
    """Cells a footer key takes: the key padded by one each side, the description and one after it."""
    return len(key) + 2 + (len(description) + 1 if description else 0)
