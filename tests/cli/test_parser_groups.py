"""The parser built for one command line (that command's group only) parses, helps and fails exactly as
the whole tree does: a cold run builds only what it parses."""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest

from quilltap_tui.cli import parser as cli_parser


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Every parser below ``parser``, by its prog ("quilltap-tui keys add")."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                found[sub.prog] = sub
                found.update(_subparsers(sub))
    return found


def _outcome(parser: argparse.ArgumentParser, args: list[str]) -> tuple[object, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            result: object = vars(parser.parse_args(args))
        except SystemExit as exc:
            result = ("exit", exc.code)
    return result, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("command", sorted(cli_parser._GROUPS))
def test_a_commands_parsers_equal_the_whole_trees(command: str) -> None:
    whole = _subparsers(cli_parser.build())
    alone = _subparsers(cli_parser.build(["--debug", command, "--json"]))
    assert f"quilltap-tui {command}" in alone
    for prog, sub in alone.items():  # the same parsers, each with the same help (usage, options, actions)
        assert sub.format_help() == whole[prog].format_help(), prog


@pytest.mark.parametrize("args", [
    ["ask", "--no-images", "hi", "there"],
    ["--debug", "ask", "--json", "--chat", "abc123", "hi"],
    ["ask", "--no-images", "--image-profile", "x", "hi"],  # mutually exclusive: exit 2
    ["ask"],  # no prompt: exit 2
    ["ask", "--help"],
    ["generate", "--size", "512x512", "--count", "2", "a", "kite"],
    ["generate", "--count", "many", "a kite"],
    ["keys", "add", "--provider", "openai", "--label", "w"],
    ["keys"],
    ["chats", "set-image-profile", "abc", "--none"],
    ["image-profiles", "add", "--name", "p", "--provider", "openai", "--model", "m", "--param", "a=1"],
    ["mcp", "--transport", "nope"],
    ["doctor", "--json"],
    ["nope"],  # an unknown command: the whole tree says which exist
    ["--help"],
    [],
    ["--no-mouse"],
    ["--deb", "ask", "hi"],  # an abbreviated top-level flag
])
def test_a_command_line_parses_helps_and_fails_as_with_the_whole_tree(args: list[str]) -> None:
    assert _outcome(cli_parser.build(args), args) == _outcome(cli_parser.build(), args)


def test_ask_builds_no_image_option_parsers() -> None:
    parsers = _subparsers(cli_parser.build(["ask", "hi"]))
    assert set(parsers) == {"quilltap-tui ask", "quilltap-tui chats", "quilltap-tui chats list",
                            "quilltap-tui chats show", "quilltap-tui chats rm", "quilltap-tui chats rename",
                            "quilltap-tui chats set-image-profile"}
