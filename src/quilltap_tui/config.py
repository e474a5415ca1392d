"""Settings: a TOML file under the config directory, overridden by ``QUILLTAP_*`` environment variables.

Precedence, highest first: environment, settings file, defaults. Unknown keys in the file are kept
(a newer version may have written them) but ignored. The file never holds a secret.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from quilltap_tui.errors import Invalid
from quilltap_tui.paths import Paths, atomic_write

VAULT_CHOICES = ("auto", "keyring", "file", "env")
IMAGE_MODES = ("auto", "tgp", "sixel", "halfcell", "off")


@dataclass(frozen=True)
class Settings:
    """Every user-tunable setting, with its default."""

    vault: str = "auto"
    images: str = "auto"
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
    show_images_to_model: bool = False

    def validate(self) -> Settings:
        if self.vault not in VAULT_CHOICES:
            raise Invalid("vault", f"vault must be one of {', '.join(VAULT_CHOICES)}, not {self.vault!r}.")
        if self.images not in IMAGE_MODES:
            raise Invalid("images", f"images must be one of {', '.join(IMAGE_MODES)}, not {self.images!r}.")
        if not 1 <= self.max_tool_rounds <= 50:
            raise Invalid("max_tool_rounds", "max_tool_rounds must be between 1 and 50.")
        if not 0 <= self.max_retries <= 10:
            raise Invalid("max_retries", "max_retries must be between 0 and 10.")
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


# Environment variable -> settings field. Kept explicit so the README can list them.
ENV_OVERRIDES = {
    "QUILLTAP_VAULT": "vault",
    "QUILLTAP_IMAGES": "images",
    "QUILLTAP_DATABASE_URL": "database_url",
    "QUILLTAP_THEME": "theme",
    "QUILLTAP_MAX_TOOL_ROUNDS": "max_tool_rounds",
    "QUILLTAP_HTTP_TIMEOUT": "http_timeout",
    "QUILLTAP_MAX_RETRIES": "max_retries",
    "QUILLTAP_REQUEST_DEADLINE": "request_deadline",
    "QUILLTAP_MAX_RESPONSE_MB": "max_response_mb",
    "QUILLTAP_MAX_TOOL_ARGUMENT_KB": "max_tool_argument_kb",
    "QUILLTAP_MAX_IMAGE_PIXELS": "max_image_pixels",
}


def load(paths: Paths, environ: dict[str, str] | None = None) -> Settings:
    """Read the settings file (if any) and apply environment overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    file_values = read_file(paths.settings_file)
    known = {f.name: f for f in fields(Settings)}
    for name, value in file_values.items():
        if name in known:
            values[name] = _coerce(name, value, known[name].type)
    for var, name in ENV_OVERRIDES.items():
        raw = env.get(var)
        if raw is not None and raw != "":
            values[name] = _coerce(name, raw.strip().lower() if name in ("vault", "images") else raw,
                                   known[name].type)
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


def _coerce(name: str, value: Any, annotation: Any) -> Any:
    kind = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "str")
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise Invalid(name, f"Setting {name} has an invalid value {value!r} (expected {kind}).") from exc
