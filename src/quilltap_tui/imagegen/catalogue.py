"""Loading the model catalogue: the shipped ``catalogue.toml`` plus the user's ``models.toml``.

Both files use one schema (see the header of ``catalogue.toml``); one parser reads both, so a user entry
can say anything a built-in one can. The built-in file is read once; ``models.toml`` is re-read when it
changes. A malformed ``models.toml`` never stops the app: :func:`current` then serves the built-in table
and :func:`user_file_problem` says why in one sentence (the ``models`` command raises it instead).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from quilltap_tui.errors import Invalid
from quilltap_tui.imagegen.catalogue_fields import EntryError, parse_entry
from quilltap_tui.imagegen.spec_model import ModelSpec, build_spec

USER_FILE_NAME = "models.toml"
BUILT_IN = "built-in"
USER = "catalogue"


@dataclass
class Catalogue:
    """Every model and family known, by provider, with where each model's facts came from."""

    families: dict[tuple[str, str], ModelSpec] = field(default_factory=dict)
    patterns: list[tuple[str, re.Pattern[str], str]] = field(default_factory=list)  # (provider, re, family)
    defaults: dict[str, str] = field(default_factory=dict)  # provider -> family id
    models: dict[str, dict[str, ModelSpec]] = field(default_factory=dict)
    origins: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    suggested: list[dict[str, str]] = field(default_factory=list)
    extra_values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    extra_ranges: dict[str, tuple[float, float, bool]] = field(default_factory=dict)

    def copy(self) -> Catalogue:
        return Catalogue(
            dict(self.families), list(self.patterns), dict(self.defaults),
            {p: dict(m) for p, m in self.models.items()}, dict(self.origins), list(self.suggested),
            dict(self.extra_values), dict(self.extra_ranges),
        )

    def base(self, provider: str, name: str) -> ModelSpec | None:
        """A model's spec, else a family's, named ``name`` for ``provider``."""
        return self.models.get(provider, {}).get(name) or self.families.get((provider, name))


# ------------------------------------------------------------------------------------------- loading


@lru_cache(maxsize=1)
def built_in() -> Catalogue:
    """The catalogue shipped in the package (found the same way in a wheel and an editable install)."""
    text = resources.files("quilltap_tui.imagegen").joinpath("catalogue.toml").read_text(encoding="utf-8")
    try:
        return _build(Catalogue(), tomllib.loads(text), text, BUILT_IN, "catalogue.toml")
    except Invalid as exc:  # a broken shipped file is a bug: fail loudly in tests
        raise RuntimeError(str(exc)) from exc


def user_file(environ: dict[str, str] | None = None) -> Path:
    """``models.toml`` beside ``settings.toml`` (under ``QUILLTAP_HOME`` when it is set)."""
    env = os.environ if environ is None else environ
    return _user_file_for(env.get("QUILLTAP_HOME", ""), os.environ.get("XDG_CONFIG_HOME", ""))


@lru_cache(maxsize=8)
def _user_file_for(home: str, xdg_config_home: str) -> Path:
    # xdg_config_home is part of the key because, without QUILLTAP_HOME, platformdirs reads it from os.environ:
    # a cache keyed on the home alone kept the first answer after XDG_CONFIG_HOME changed in the process.
    from quilltap_tui.paths import resolve

    return resolve({"QUILLTAP_HOME": home} if home else {}).config / USER_FILE_NAME


def current() -> Catalogue:
    """Built-in facts with ``models.toml`` applied; only the built-in ones when that file is malformed."""
    loaded = _load_user(user_file())
    return loaded[0] if loaded[0] is not None else built_in()


def user_file_problem() -> str | None:
    """One sentence naming what is wrong with ``models.toml`` (file, line, field), or None."""
    return _load_user(user_file())[1]


def check_user_file() -> None:
    """Raise :class:`Invalid` (exit 2) when ``models.toml`` is malformed: what ``models`` does."""
    problem = user_file_problem()
    if problem is not None:
        raise Invalid("models.toml", problem)


def _load_user(path: Path) -> tuple[Catalogue | None, str | None]:
    try:
        stat = path.stat()
    except OSError:
        return None, None
    return _parse_user(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _parse_user(path: str, _mtime: int, _size: int) -> tuple[Catalogue | None, str | None]:
    """Parse ``models.toml`` once per version of the file (the stat values key the cache)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        doc = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"The model file {path} cannot be read: {exc}."
    except tomllib.TOMLDecodeError as exc:
        return None, f"The model file {path} is not valid TOML: {exc}."
    try:
        return _build(built_in().copy(), doc, text, USER, path), None
    except Invalid as exc:
        return None, str(exc)


# ------------------------------------------------------------------------------------------ building


_BUILT_IN_KEYS = frozenset({"checked", "extra_values", "extra_ranges", "image_families", "image_models", "suggested"})
_USER_KEYS = frozenset({"image_models"})


def _build(cat: Catalogue, doc: dict[str, Any], text: str, origin: str, path: str) -> Catalogue:
    allowed = _BUILT_IN_KEYS if origin == BUILT_IN else _USER_KEYS
    for key in doc:
        if key not in allowed:
            raise Invalid("models.toml", f"{path} line {_top_line(text, key)}: unknown section or field "
                                         f"{key!r} (use [[image_models]]).")
    if origin == BUILT_IN:
        _vocabulary(cat, doc)
        cat.suggested = [dict(item) for item in doc.get("suggested", [])]
    for table in ("image_families", "image_models"):
        entries = doc.get(table, [])
        if not isinstance(entries, list):
            raise Invalid("models.toml", f"{path} line {_top_line(text, table)}: {table} must be written "
                                         f"as [[{table}]] tables.")
        for index, raw in enumerate(entries):
            try:
                _add(cat, table, parse_entry(raw, family=table == "image_families"), origin)
            except EntryError as exc:
                line = _entry_line(text, table, index, exc.field)
                where = f" field {exc.field}:" if exc.field else ""
                raise Invalid(exc.field or "models.toml", f"{path} line {line}:{where} {exc.message}") from exc
    return cat


def _vocabulary(cat: Catalogue, doc: dict[str, Any]) -> None:
    cat.extra_values = {k: tuple(v) for k, v in doc.get("extra_values", {}).items()}
    cat.extra_ranges = {k: (float(v["min"]), float(v["max"]), bool(v["integer"]))
                        for k, v in doc.get("extra_ranges", {}).items()}


def _add(cat: Catalogue, table: str, entry: dict[str, Any], origin: str) -> None:
    provider, ident = entry.pop("provider"), entry.pop("id")
    base_name = entry.pop("family", None)
    patterns = entry.pop("patterns", None)
    is_default = entry.pop("default", False)
    existing = cat.models.get(provider, {}).get(ident) if table == "image_models" else None
    base = _base(cat, provider, ident, base_name, existing, entry)
    spec = build_spec(base, provider, ident if table == "image_families" else None, entry, existing)
    if table == "image_families":
        cat.families[(provider, ident)] = spec
        for pattern in patterns or ():
            cat.patterns.append((provider, re.compile(pattern), ident))
        if is_default:
            cat.defaults[provider] = ident
        return
    cat.models.setdefault(provider, {})[ident] = spec
    before = cat.origins.get((provider, ident), ())
    cat.origins[(provider, ident)] = tuple(dict.fromkeys([*before, origin]))


def _base(
    cat: Catalogue, provider: str, ident: str, name: str | None, existing: ModelSpec | None, entry: dict[str, Any]
) -> ModelSpec | None:
    if name is not None:
        found = cat.base(provider, name)
        if found is None:
            raise EntryError("family", f"{name!r} is neither a model nor a family of provider {provider}.")
        return found
    if existing is not None:
        return existing
    if "api" in entry:
        return None
    default = cat.defaults.get(provider)
    if default is not None:
        return cat.families[(provider, default)]
    if "api" not in entry:
        raise EntryError("family", f"{ident} needs a family (or an api) to start from.")
    return None


def _top_line(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith(("[" + key, "[[" + key, key)):
            return number
    return 1


def _entry_line(text: str, table: str, index: int, field_name: str | None) -> int:
    """The line of ``field_name`` in the ``index``-th ``[[table]]`` entry (its header when not found)."""
    header, seen = 1, -1
    pattern = re.compile(rf"^\s*{re.escape(field_name)}\s*=") if field_name else None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            if seen == index:
                break
            if stripped.replace(" ", "") == f"[[{table}]]":
                seen += 1
                header = number
            continue
        if seen == index and pattern is not None and pattern.match(line):
            return number
    return header
