"""The dead time of each app's tool turns, from the peer harness's fake server log (tool scenario).

The harness's fake (``fakellm.py``) logs one JSON line per request when it ends, with its duration. For each
turn (chat request with the tool call, image request, follow-up chat request) this reads, at the server:

1. tool call -> image request: from the end of the tool-call stream to the image request's arrival;
2. image answer -> follow-up: from the end of the image answer to the follow-up chat request's arrival
   (the client's reading, decoding and saving of the image included);
3. the turn: from the first request's arrival to the end of the follow-up's answer.

The harness runs the apps interleaved, one sample each in turn after one warm-up each, so turns belong to
the apps in the order given (the warm-ups are left out). Prints medians (min-max); asserts nothing.

Run: ``python3 bench/peers/toolgaps.py LOG quilltap-tui,llm-chat,sgpt-repl`` (the spec names, in the order
they were passed to ``tuibench.py run``).
"""

from __future__ import annotations

import json
import statistics
import sys
from typing import Any


def turns(lines: list[dict[str, Any]]) -> list[tuple[float, float, float]]:
    """(gap 1 ms, gap 2 ms, turn s) of each chat -> image -> chat sequence in the log, in order."""
    posts = [line for line in lines if line.get("method") == "POST"]
    found = []
    index = 0
    while index + 2 < len(posts):
        first, image, follow = posts[index:index + 3]
        if "chat" in first["path"] and "images" in image["path"] and "chat" in follow["path"]:
            image_start = image["ts"] - image["total_s"]
            follow_start = follow["ts"] - follow["total_s"]
            found.append(((image_start - first["ts"]) * 1000, (follow_start - image["ts"]) * 1000,
                          follow["ts"] - (first["ts"] - first["total_s"])))
            index += 3
        else:
            index += 1
    return found


def spread(values: list[float], digits: int) -> str:
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def main(argv: list[str]) -> None:
    log, names = argv[0], argv[1].split(",")
    with open(log, encoding="utf-8") as handle:
        found = turns([json.loads(line) for line in handle if line.strip()])
    by_app: dict[str, list[tuple[float, float, float]]] = {name: [] for name in names}
    for number, turn in enumerate(found):
        by_app[names[number % len(names)]].append(turn)
    for name, rows in by_app.items():
        rows = rows[1:]  # the warm-up
        if not rows:
            continue
        print(f"{name:18} n={len(rows)}  tool call -> image request {spread([r[0] for r in rows], 1)} ms  "
              f"image answer -> follow-up {spread([r[1] for r in rows], 1)} ms  "
              f"turn {spread([r[2] for r in rows], 3)} s")


if __name__ == "__main__":
    main(sys.argv[1:])
