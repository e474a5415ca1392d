"""``python -m bench [name ...]``: run the benchmarks and print their figures (nothing is asserted).

Each figure is printed beside a yardstick measured in the same run and as a ratio to it, with the load
average: on a shared machine the seconds move with the load, the ratios much less (``bench/yardstick.py``).
"""

from __future__ import annotations

import importlib
import os
import sys

BENCHES = ("generation", "scale", "tui", "coldstart", "toolturn")


def main(argv: list[str]) -> None:
    names = argv or list(BENCHES)
    for name in names:
        if name not in BENCHES:
            raise SystemExit(f"unknown benchmark {name!r}; choose from {', '.join(BENCHES)}")
        # The load before each benchmark: its figures are read as ratios to yardsticks of the same run.
        print(f"== {name} (load average {os.getloadavg()[0]:.2f})")
        importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
