"""``python -m tests.hostile.rss_main ARGS``: the real command line, reporting its peak RSS at exit.

The peak (``ru_maxrss``, KiB on Linux) is written to the file named by ``HOSTILE_RSS_FILE`` from an
``atexit`` hook, so it covers the whole run, error exits included.
"""

from __future__ import annotations

import atexit
import os
import resource
import sys


def _report() -> None:
    with open(os.environ["HOSTILE_RSS_FILE"], "w", encoding="ascii") as handle:
        handle.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


if __name__ == "__main__":
    atexit.register(_report)
    from quilltap_tui.cli import main

    sys.exit(main(sys.argv[1:]))
