"""Golden files: a value pinned as text beside its test, so a refactor that changes it fails loudly.

Run the test with ``UPDATE_GOLDEN=1`` to write the files after a change that is meant; review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def check_text(path: Path, text: str) -> None:
    """``text`` must equal the file at ``path`` (written instead when ``UPDATE_GOLDEN=1``)."""
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run the test once with UPDATE_GOLDEN=1 and review it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{path.name} changed; if that is meant, rerun with UPDATE_GOLDEN=1 and review the diff"


def check_json(path: Path, value: Any) -> None:
    """``value`` as indented JSON, key order kept (the order is what a reader such as an LLM sees)."""
    check_text(path, json.dumps(value, indent=1, ensure_ascii=False) + "\n")
