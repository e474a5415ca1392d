"""Python logging for the TUI: one file under the state directory, mode 0600, never a secret.

Nothing may be printed while Textual owns the terminal, so every log record goes to the file that
the log viewer screen tails.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

from quilltap_tui.paths import FILE_MODE, ensure_dir
from quilltap_tui.redact_sinks import add_filter

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_HANDLER_NAME = "quilltap-file"


def setup_logging(log_file: Path, level: int = logging.INFO) -> Path:
    """Send the root logger to ``log_file`` (created 0600). Calling it again changes nothing."""
    root = logging.getLogger()
    if any(getattr(h, "name", "") == _HANDLER_NAME for h in root.handlers):
        return log_file
    ensure_dir(log_file.parent)
    # Create the file with its final mode first: a handler would create it with the umask's mode.
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    os.close(fd)
    if log_file.stat().st_mode & 0o777 != FILE_MODE:
        log_file.chmod(FILE_MODE)
    handler = RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=2, encoding="utf-8")
    handler.name = _HANDLER_NAME
    handler.setFormatter(logging.Formatter(FORMAT))
    add_filter(handler)  # every record written here passes the redactor, whoever logged it
    root.addHandler(handler)
    root.setLevel(level)
    return log_file


def tail(log_file: Path, max_lines: int = 500, max_bytes: int = 256_000) -> list[str]:
    """The last ``max_lines`` lines of the log, reading at most ``max_bytes`` from its end."""
    try:
        with log_file.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - max_bytes))
            data = handle.read()
    except FileNotFoundError:
        return []
    lines = data.decode("utf-8", errors="replace").splitlines()
    if size > max_bytes and lines:
        lines = lines[1:]  # the first line was cut in the middle
    return lines[-max_lines:]
