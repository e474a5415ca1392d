"""The memory probe the hostile tests rely on measures the program, not the process that started it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A parent that holds 300 MB, then runs the probe the way pytest's subprocess.run does (vfork + exec).
_FAT_PARENT = """
import os, subprocess, sys
ballast = bytearray(300 * 1024 * 1024)
for i in range(0, len(ballast), 4096):
    ballast[i] = 1
subprocess.run([sys.executable, "-m", "tests.hostile.rss_main", "--version"], check=True, capture_output=True)
"""


def test_the_peak_reported_is_the_programs_own_not_its_parents(tmp_path: Path) -> None:
    rss_file = tmp_path / "peak-rss"
    env = {**os.environ, "HOSTILE_RSS_FILE": str(rss_file), "QUILLTAP_HOME": str(tmp_path / "home")}
    subprocess.run([sys.executable, "-c", _FAT_PARENT], cwd=ROOT, env=env, check=True, timeout=120)
    peak_mb = int(rss_file.read_text()) / 1024
    assert 5 < peak_mb < 200, f"peak {peak_mb:.0f} MB: the parent's 300 MB leaked into the child's figure"
