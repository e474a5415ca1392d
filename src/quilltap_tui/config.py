"""Settings: a TOML file under the config directory, overridden by ``QUILLTAP_*`` environment variables.

Precedence, highest first: environment, settings file, defaults. Unknown keys in the file are kept
(a newer version may have written them) but ignored. The file never holds a secret.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

from quilltap_tui.errors import Invalid
from quilltap_tui.paths import Paths, atomic_write

VAULT_CHOICES = ("auto", "keyring", "file", "env")
IMAGE_MODES = ("auto", "tgp", "sixel", "halfcell", "off")
ENV_PREFIX = "QUILLTAP_"

T = TypeVar("T")


def _choice(default: T, choices: tuple[str, ...]) -> T:
    """A setting that takes one of ``choices`` (given in any case and with spaces around in the environment)."""
    return field(default=default, metadata={"choices": choices})


@dataclass(frozen=True)
class Settings:
    """Every user-tunable setting, with its default. Each ``name`` is ``name`` in ``settings.toml`` and
    ``QUILLTAP_NAME`` in the environment (:data:`ENV_OVERRIDES`); the annotation is the type both are read as."""

    vault: str = _choice("auto", VAULT_CHOICES)
    images: str = _choice("auto", IMAGE_MODES)
    database_url: str = ""
    theme: str = "quilltap-dark"
    max_tool_rounds: int = 4
    http_timeout: float = 120.0
    # Hard limits on what a server may do to us (netguard.py): whole-request time, answer size, and
    # the pixels an image may decode to. Small values make the hostile-server tests fast.
    request_deadline: float = 600.0
    max_response_mb: float = 64.0
    max_tool_argument_kb: int = 256
    max_image_pixels: int = 36_000_000
    max_retries: int = 2
    keyring_timeout: float = 5.0
    mouse: bool = True
    # Rows of terminal cells an image preview in a chat takes (its width follows, about 8/3 as many columns).
    preview_rows: int = 18
    # Every chat shows the images its tools made to the chat model (as ``ask --show-images`` does for one
    # turn, or the TUI's per-chat setting for one chat).
    show_images_to_model: bool = False

    def validate(self) -> Settings:
        for f in fields(self):
            choices = f.metadata.get("choices")
            if choices and getattr(self, f.name) not in choices:
                raise Invalid(f.name, f"{f.name} must be one of {', '.join(choices)}, not {getattr(self, f.name)!r}.")
        if not 1 <= self.max_tool_rounds <= 50:
            raise Invalid("max_tool_rounds", "max_tool_rounds must be between 1 and 50.")
        if not 0 <= self.max_retries <= 10:
            raise Invalid("max_retries", "max_retries must be between 0 and 10.")
        if not 4 <= self.preview_rows <= 60:
            raise Invalid("preview_rows", "preview_rows must be between 4 and 60.")
        if self.http_timeout <= 0:
            raise Invalid("http_timeout", "http_timeout must be a positive number of seconds.")
        self._validate_caps()
        return self

    def _validate_caps(self) -> None:
        if not 0 < self.request_deadline < math.inf:
            raise Invalid("request_deadline", "request_deadline must be a positive number of seconds.")
        if not 0 < self.max_response_mb < math.inf:
            raise Invalid("max_response_mb", "max_response_mb must be a positive number of MiB.")
        if self.max_tool_argument_kb < 1:
            raise Invalid("max_tool_argument_kb", "max_tool_argument_kb must be at least 1.")
        if self.max_image_pixels < 1:
            raise Invalid("max_image_pixels", "max_image_pixels must be at least 1.")


def env_var(name: str) -> str:
    """The environment variable that overrides setting ``name``: ``QUILLTAP_`` and the name in capitals."""
    return ENV_PREFIX + name.upper()


# The type each setting is read as (the annotations, resolved once), and its environment variable.
TYPES: dict[str, type] = get_type_hints(Settings)
ENV_OVERRIDES = {env_var(f.name): f.name for f in fields(Settings)}
# The words each choice setting takes (an environment value is matched in any case).
CHOICES = {f.name: f.metadata["choices"] for f in fields(Settings) if "choices" in f.metadata}


def load(paths: Paths, environ: dict[str, str] | None = None) -> Settings:
    """Read the settings file (if any) and apply environment overrides (an empty variable is unset)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, value in read_file(paths.settings_file).items():
        if name in TYPES:
            values[name] = _coerce(name, value)
    for var, name in ENV_OVERRIDES.items():
        raw = env.get(var)
        if raw is not None and raw != "":
            values[name] = _coerce(name, raw.strip().lower() if name in CHOICES else raw)
    return replace(Settings(), **values).validate()


def read_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise Invalid("settings", f"The settings file {path} is not valid TOML: {exc}.") from exc


def save(paths: Paths, settings: Settings, **changes: Any) -> Settings:
    """Persist ``changes`` to the settings file, keeping keys we do not know about."""
    import tomli_w

    updated = replace(settings, **changes).validate()
    current = read_file(paths.settings_file)
    defaults = asdict(Settings())
    for name, value in asdict(updated).items():
        if name in changes or name in current or value != defaults[name]:
            current[name] = value
    atomic_write(paths.settings_file, tomli_w.dumps(current).encode("utf-8"))
    return updated


def _coerce(name: str, value: Any) -> Any:
    kind = TYPES[name]
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if kind is int:
            return int(value)
        if kind is float:
            return float(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise Invalid(name, f"Setting {name} has an invalid value {value!r} (expected {kind.__name__}).") from exc
