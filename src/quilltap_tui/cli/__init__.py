"""Command line entry point: ``quilltap-tui`` with no subcommand opens the TUI; subcommands are headless.

Imports stay lazy: ``--version`` and ``--help`` load nothing heavy, and no provider SDK is imported
unless a command talks to that provider.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from quilltap_tui import __version__
from quilltap_tui.cli import parser as cli_parser


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    parser = cli_parser.build(args)
    bad = cli_parser.undecodable_argument(args)
    if bad is not None:
        parser.error(f"{bad} is not valid UTF-8 text")
    ns = parser.parse_args(args)
    if ns.version:
        print(f"quilltap-tui {__version__}")
        return 0
    if ns.command is None:
        return _run_tui(ns)
    return _run_command(ns)


def _redact_logs() -> None:
    """Before anything can import a provider SDK: with ANTHROPIC_LOG/OPENAI_LOG=debug the SDKs log
    their requests, headers included, and every such record must pass the redactor."""
    from quilltap_tui.redact_sinks import install_log_redaction

    install_log_redaction()


def _run_command(ns: argparse.Namespace) -> int:
    from quilltap_tui.cli.runner import run
    from quilltap_tui.redact_sinks import redacted_stdio

    _redact_logs()
    with redacted_stdio():  # the last moment before text leaves: nothing printed holds a known key
        return run(ns)


def _run_tui(ns: argparse.Namespace) -> int:
    from quilltap_tui.cli.runner import guarded

    _redact_logs()

    def start() -> int:
        from quilltap_tui.ui.launch import launch

        return launch(mouse=not ns.no_mouse)

    return guarded(start, debug=ns.debug)
