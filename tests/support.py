"""Helpers for driving the command line in tests: in-process (fast) or as a real subprocess."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PASSPHRASE = "correct horse battery staple"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        try:
            return json.loads(self.out)
        except json.JSONDecodeError as error:  # say what the command did instead: its exit code and stderr
            raise AssertionError(f"no JSON on stdout (exit {self.code}): {self.out!r}; stderr: {self.err!r}") from error

    @property
    def last_err_line(self) -> str:
        lines = [line for line in self.err.splitlines() if line.strip()]
        return lines[-1] if lines else ""


def base_env(home: Path) -> dict[str, str]:
    """Environment for a fresh, isolated QUILLTAP_HOME using the file vault."""
    return {
        "QUILLTAP_HOME": str(home),
        "QUILLTAP_VAULT": "file",
        "QUILLTAP_VAULT_PASSPHRASE": PASSPHRASE,
        "QUILLTAP_IMAGES": "off",
    }


class Cli:
    """Runs ``quilltap-tui`` in-process with an isolated environment."""

    def __init__(self, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.home = home
        self.monkeypatch = monkeypatch
        for name in list(os.environ):
            if name.startswith("QUILLTAP_") or name.endswith("_API_KEY"):
                monkeypatch.delenv(name, raising=False)
        for name, value in base_env(home).items():
            monkeypatch.setenv(name, value)

    def __call__(self, *args: str, stdin: str | None = None, env: Mapping[str, str] | None = None) -> Result:
        from quilltap_tui.cli import main

        with patched_env(env or {}):
            self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(list(args))
                except SystemExit as exc:  # argparse usage errors
                    code = int(exc.code or 0)
        return Result(code, out.getvalue(), err.getvalue())



def run_subprocess(
    args: Sequence[str], *, home: Path, stdin: str = "", env: Mapping[str, str] | None = None, timeout: float = 60
) -> Result:
    """Run the real program as a user would (``python -m quilltap_tui``)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_")}
    full_env.update(base_env(home))
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "quilltap_tui", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def all_bytes_under(root: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file()]


@contextlib.contextmanager
def patched_env(env: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``env`` set, restored afterwards (for code that reads the real environment)."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
