"""Where every file the app writes lives.

``QUILLTAP_HOME`` puts everything under one directory; otherwise the platform's directories are used
(XDG on Linux). Directories are created 0700 and files 0600, because the folder holds the encrypted
vault, chat history and generated images.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "quilltap-tui"
DIR_MODE = 0o700
FILE_MODE = 0o600


@dataclass(frozen=True)
class Paths:
    """Resolved locations; nothing is created until :meth:`ensure` is called."""

    data: Path
    config: Path
    state: Path

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.toml"

    @property
    def database(self) -> Path:
        return self.data / "quilltap.db"

    @property
    def images(self) -> Path:
        return self.data / "images"

    @property
    def vault_file(self) -> Path:
        return self.data / "vault.json"

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    @property
    def log_file(self) -> Path:
        return self.logs / "quilltap.log"

    def ensure(self) -> Paths:
        for directory in (self.data, self.config, self.state, self.logs):
            ensure_dir(directory)
        return self


def resolve(environ: dict[str, str] | None = None) -> Paths:
    """Resolve paths from ``QUILLTAP_HOME`` or platform directories."""
    env = os.environ if environ is None else environ
    home = env.get("QUILLTAP_HOME")
    if home:
        root = Path(home).expanduser().resolve()
        return Paths(data=root, config=root, state=root)
    import platformdirs

    return Paths(
        data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        state=Path(platformdirs.user_state_dir(APP_NAME, appauthor=False)),
    )


def ensure_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents with mode 0700; tighten ``path`` if it exists and is ours.

    ``mkdir(parents=True)`` would give the parents the umask's mode (often 0755), so each missing level
    is created here.
    """
    missing: list[Path] = []
    cursor = path
    while not cursor.exists():
        missing.append(cursor)
        cursor = cursor.parent
    for directory in reversed(missing):
        directory.mkdir(mode=DIR_MODE, exist_ok=True)
        directory.chmod(DIR_MODE)  # mkdir's mode is masked by the umask
    try:
        if path.stat().st_mode & 0o777 != DIR_MODE:
            path.chmod(DIR_MODE)
    except PermissionError:  # a shared parent we do not own: leave it alone
        pass
    return path


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same directory, fsync, rename.

    A reader never sees a half-written file, and a crash leaves either the old or the new content.
    """
    ensure_dir(path.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """Make new or renamed entries of ``directory`` durable: POSIX does not promise that a file's fsync
    covers its name. Not every filesystem lets a directory be opened; then this does nothing."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
