"""``python -m bench [name ...]``: run the benchmarks and print their figures (nothing is asserted)."""

from __future__ import annotations

import importlib
import sys

BENCHES = ("generation", "scale", "tui", "coldstart", "toolturn")


def main(argv: list[str]) -> None:
    names = argv or list(BENCHES)
    for name in names:
        if name not in BENCHES:
            raise SystemExit(f"unknown benchmark {name!r}; choose from {', '.join(BENCHES)}")
        print(f"== {name}")
        importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
