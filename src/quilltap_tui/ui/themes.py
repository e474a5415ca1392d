"""Built-in and user themes, loaded from TOML files.

Themes live in the top-level ``themes/`` folder of the source tree (found in an editable install),
are shipped inside the wheel as ``quilltap_tui/themes`` (pyproject force-includes the folder), and a
user may add more under ``<config dir>/themes``. A later folder wins over an earlier one for the same
theme name, so a user can override a built-in theme.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

from textual.theme import Theme

log = logging.getLogger(__name__)
_PACKAGE = Path(__file__).resolve().parent.parent  # .../quilltap_tui
_THEME_FIELDS = {f.name for f in fields(Theme)}


def theme_dirs(config_dir: Path | None = None) -> list[Path]:
    """Folders searched for ``*.toml`` themes, lowest precedence first."""
    dirs = [
        _PACKAGE.parent.parent / "themes",  # editable install: <repo>/src/quilltap_tui -> <repo>/themes
        _PACKAGE / "themes",  # wheel: force-included next to the package's modules
    ]
    if config_dir is not None:
        dirs.append(config_dir / "themes")
    return dirs


def load_themes(config_dir: Path | None = None) -> dict[str, Theme]:
    """Every readable theme by name. A broken file is logged and skipped, never fatal."""
    themes: dict[str, Theme] = {}
    for directory in theme_dirs(config_dir):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            theme = read_theme(path)
            if theme is not None:
                themes[theme.name] = theme
    return themes


def read_theme(path: Path) -> Theme | None:
    """One theme file, or None (logged) when it is not valid TOML or lacks a primary colour."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        log.warning("Skipping theme %s: %s", path, exc)
        return None
    data.setdefault("name", path.stem)
    if "primary" not in data:
        log.warning("Skipping theme %s: it has no primary colour", path)
        return None
    known = {k: v for k, v in data.items() if k in _THEME_FIELDS}
    try:
        return Theme(**known)
    except (TypeError, ValueError) as exc:
        log.warning("Skipping theme %s: %s", path, exc)
        return None
