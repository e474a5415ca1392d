"""The file vault shared between processes: written by one, read by another, added to concurrently."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from quilltap_tui.config import Settings
from quilltap_tui.paths import Paths
from quilltap_tui.secrets import Vault

PASSPHRASE = "shared between processes"

# Each child builds its vault from the environment exactly as the app does, then runs a command.
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from quilltap_tui import config, paths
    from quilltap_tui.secrets import Vault

    p = paths.resolve()
    vault = Vault(p, config.load(p), _scrypt_n=2**10)
    command, *args = sys.argv[1:]
    if command == "put":
        go = Path(args[0])
        while not go.exists():  # start together with the other children
            time.sleep(0.005)
        for key_id in args[1:]:
            vault.put(key_id, "sk-child-" + key_id)
    elif command == "get":
        print(vault.get(args[0], "file"))
    """
)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def child_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QUILLTAP_HOME=str(home), QUILLTAP_VAULT="file", QUILLTAP_VAULT_PASSPHRASE=PASSPHRASE)
    return env


def local_vault(home: Path) -> Vault:
    paths = Paths(data=home, config=home, state=home)
    return Vault(
        paths, Settings(vault="file"), environ={"QUILLTAP_VAULT_PASSPHRASE": PASSPHRASE}, _scrypt_n=2**10
    )


def test_written_here_read_by_another_process(home: Path) -> None:
    local_vault(home).put("key-here", "sk-written-by-parent-0001")
    out = subprocess.run(
        [sys.executable, "-c", CHILD, "get", "key-here"],
        env=child_env(home),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == "sk-written-by-parent-0001"


def test_written_by_another_process_read_here(home: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    go.touch()
    subprocess.run(
        [sys.executable, "-c", CHILD, "put", str(go), "key-child"],
        env=child_env(home),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert local_vault(home).get("key-child", "file") == "sk-child-key-child"


@pytest.mark.parametrize("seeded", [True, False], ids=["existing vault", "created by the children"])
def test_processes_adding_at_once_keep_every_entry(home: Path, tmp_path: Path, seeded: bool) -> None:
    go = tmp_path / "go"
    if seeded:
        local_vault(home).put("seed", "sk-seed-from-parent-0000")
    groups = [[f"p{p}-k{k}" for k in range(6)] for p in range(4)]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, "put", str(go), *group],
            env=child_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for group in groups
    ]
    go.touch()
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    vault = local_vault(home)
    for key_id in (k for group in groups for k in group):
        assert vault.get(key_id, "file") == "sk-child-" + key_id
    if seeded:
        assert vault.get("seed", "file") == "sk-seed-from-parent-0000"
