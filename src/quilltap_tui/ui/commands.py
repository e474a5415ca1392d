"""Command palette (ctrl+p) entries: open screens, generate, switch default profiles (themes: Textual's "Theme")."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from quilltap_tui.services.chat_views import ChatView
from quilltap_tui.textsafe import inert

Command = tuple[str, str, Callable[[], Any]]

def commands(app: Any) -> list[Command]:
    """Every palette entry for the app's current state (profiles and themes are listed by name)."""
    from quilltap_tui.ui.screens.registry import SCREENS

    found: list[Command] = [(f"Open {entry.title}", entry.help, partial(app.action_open, entry.id))
                            for entry in SCREENS]
    found.append(("Generate an image", "Prompt for an image with the default or a chosen profile",
                  app.action_generate))
    if app.generation is not None:
        found.append(("Cancel generation", "Stop the image being made now", app.cancel_generation))
    chat = getattr(app.screen, "chat", None)  # the chat screen's chat view, when one is open
    if isinstance(chat, ChatView):
        on = chat.show_images
        found.append((f"Show images to the chat model: turn {'off' if on else 'on'}",
                      "Give the images tools made back to the model (downscaled; costs input tokens)",
                      partial(app.set_show_images, chat.id, not on)))
    snapshot = app.snapshot
    if snapshot is not None:
        found.extend(_profile_commands(app, snapshot))
        if snapshot.vault_locked:
            found.append(("Unlock the file vault", "Enter the vault passphrase", app.request_unlock))
    # No entry per theme: Textual's own "Theme" command lists them all (built-in and from the themes folders).
    found.append(("Show help", "Every key binding and what it does", app.action_help))
    return found


def _profile_commands(app: Any, snapshot: Any) -> list[Command]:
    found: list[Command] = []
    for name in snapshot.image_profile_names:
        found.append((f"Generate with image profile: {name}", "Prompt for an image with this profile",
                      partial(app.action_generate, name)))
        if name != snapshot.default_image:
            found.append((f"Set default image profile: {name}", "Used when no profile is chosen",
                          partial(app.set_default_profile, "image", name)))
    for name in snapshot.chat_profile_names:
        if name != snapshot.default_chat:
            found.append((f"Set default chat profile: {name}", "Used for new chats",
                          partial(app.set_default_profile, "chat", name)))
    return found


class QuilltapCommands(Provider):
    """The app's own palette entries, searchable by fuzzy match."""

    async def discover(self) -> Hits:
        for title, help_text, callback in commands(self.app):
            yield DiscoveryHit(Content(inert(title, keep_newlines=False)), callback, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in commands(self.app):
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, _highlight(matcher, title), callback, text=title, help=help_text)


def _highlight(matcher: Matcher, title: str) -> Content:
    """``matcher.highlight`` without parsing ``title`` as markup: entries hold profile names."""
    content = Content(inert(title, keep_newlines=False))
    _score, offsets = matcher.fuzzy_search.match(matcher.query, title)
    for offset in offsets:
        if not title[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
