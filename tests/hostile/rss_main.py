"""``python -m tests.hostile.rss_main ARGS``: the real command line, reporting its peak RSS at exit.

The peak (KiB) is written to the file named by ``HOSTILE_RSS_FILE`` from an ``atexit`` hook, so it
covers the whole run, error exits included. On Linux it is ``VmHWM`` from ``/proc/self/status``:
``ru_maxrss`` survives ``execve`` there, so a child spawned (vfork + exec) by a large pytest process
reports the parent's peak, not its own.
"""

from __future__ import annotations

import atexit
import os
import resource
import sys


def peak_rss_kib() -> int:
    """This process's own peak resident set, in KiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _report() -> None:
    with open(os.environ["HOSTILE_RSS_FILE"], "w", encoding="ascii") as handle:
        handle.write(str(peak_rss_kib()))


if __name__ == "__main__":
    atexit.register(_report)
    from quilltap_tui.cli import main

    sys.exit(main(sys.argv[1:]))
