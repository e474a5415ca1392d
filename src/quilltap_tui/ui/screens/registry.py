"""The screen table: every top-level screen declared once.

Each row gives the screen's id, its title, its default key, a factory (imports stay lazy: a screen's module
loads when it is first opened) and a line of help. From this table come the app's key bindings (binding id
``open_<id>``, remappable in ``[keys]``), the command palette's "Open …" entries, the home screen's "Go to"
panel (with the keys as remapped) and the help screen's list of screens. Adding a screen is its module and
one row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding

if TYPE_CHECKING:
    from quilltap_tui.ui.screens.base import BaseScreen


@dataclass(frozen=True)
class ScreenEntry:
    """One top-level screen. ``key`` None: no key of its own (the palette and esc reach it)."""

    id: str
    title: str  # lower case, as in "Open key vault" and the home screen's "F2  key vault"
    key: str | None
    factory: Callable[[], BaseScreen] | None  # None: the home screen, at the bottom of the stack
    help: str
    label: str = ""  # the footer's short word; the title when empty

    @property
    def binding_id(self) -> str:
        return f"open_{self.id}"


def _keys() -> BaseScreen:
    from quilltap_tui.ui.screens.keys import KeysScreen

    return KeysScreen()


def _image_profiles() -> BaseScreen:
    from quilltap_tui.ui.screens.profiles import ProfilesScreen

    return ProfilesScreen("image")


def _chat_profiles() -> BaseScreen:
    from quilltap_tui.ui.screens.profiles import ProfilesScreen

    return ProfilesScreen("chat")


def _gallery() -> BaseScreen:
    from quilltap_tui.ui.screens.gallery import GalleryScreen

    return GalleryScreen()


def _logs() -> BaseScreen:
    from quilltap_tui.ui.screens.logs import LogScreen

    return LogScreen()


SCREENS: tuple[ScreenEntry, ...] = (
    ScreenEntry("keys", "key vault", "f2", _keys, "Add, validate, rotate and delete API keys", "Keys"),
    ScreenEntry("image_profiles", "image profiles", "f3", _image_profiles,
                "Image providers, models and their default parameters"),
    ScreenEntry("chat_profiles", "chat profiles", "f4", _chat_profiles, "Chat providers, models and system prompts"),
    ScreenEntry("gallery", "gallery", "f5", _gallery, "Every generated image, newest first"),
    ScreenEntry("logs", "log viewer", "f6", _logs, "The tail of the application log", "Logs"),
    ScreenEntry("home", "home", None, None, "Chats and the setup checklist"),
)
BY_ID = {entry.id: entry for entry in SCREENS}


def bindings() -> list[Binding]:
    """The app's bindings that open a screen (``open_<id>``), in table order."""
    return [
        Binding(entry.key, f"open('{entry.id}')", entry.label or entry.title.capitalize(), id=entry.binding_id)
        for entry in SCREENS if entry.key
    ]
