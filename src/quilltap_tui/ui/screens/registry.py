"""Top-level screens by name, for key bindings and the command palette. Imports stay lazy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _keys() -> Any:
    from quilltap_tui.ui.screens.keys import KeysScreen

    return KeysScreen()


def _image_profiles() -> Any:
    from quilltap_tui.ui.screens.profiles import ProfilesScreen

    return ProfilesScreen("image")


def _chat_profiles() -> Any:
    from quilltap_tui.ui.screens.profiles import ProfilesScreen

    return ProfilesScreen("chat")


def _gallery() -> Any:
    from quilltap_tui.ui.screens.gallery import GalleryScreen

    return GalleryScreen()


def _logs() -> Any:
    from quilltap_tui.ui.screens.logs import LogScreen

    return LogScreen()


SCREENS: dict[str, Callable[[], Any] | None] = {
    "home": None,  # the base screen: opening it just returns there
    "keys": _keys,
    "image_profiles": _image_profiles,
    "chat_profiles": _chat_profiles,
    "gallery": _gallery,
    "logs": _logs,
}
