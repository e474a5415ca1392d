"""The argparse tree. Every subcommand takes ``--json`` (where it prints data) and ``--debug``."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage, as the contract wants; keep its message one clear last line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        from quilltap_tui.textsafe import inert

        self.print_usage()
        # argparse quotes the arguments it rejects, which a script may have taken from untrusted text.
        self.exit(2, f"{self.prog}: error: {inert(message, keep_newlines=False)}.\n")


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from ``low`` to ``high`` (a 27-digit offset is bad usage, exit 2)."""
    def parse(text: str) -> int:
        stripped = text.strip()
        if len(stripped) > 24:  # int() of a huge string is slow and the value is out of range anyway
            raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high}")
        try:
            value = int(stripped)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high}")
        return value
    parse.__name__ = "whole number"  # what argparse names in "invalid whole number value"
    return parse


COUNT = bounded_int(0, 1_000_000_000)
SEED = bounded_int(-(2**63), 2**64 - 1)
PORT = bounded_int(0, 65535)


def undecodable_argument(args: list[str]) -> str | None:
    """The first argument (named by its option when it has one) that was not valid UTF-8, or None.

    Python keeps such bytes as lone surrogates, which then fail far away when they are printed or stored.
    """
    for index, arg in enumerate(args):
        if any("\udc80" <= ch <= "\udcff" for ch in arg):
            before = args[index - 1] if index else ""
            if arg.startswith("--"):
                return f"the option {arg.split('=', 1)[0].encode('utf-8', 'replace').decode()}"
            return f"the value of {before}" if before.startswith("-") else f"argument {index + 1}"
    return None


# The ids come from the provider registry at run time; listing them here would load it on every start.
PROVIDER_HELP = "a provider id, any case (`quilltap-tui doctor` lists the installed ones, plug-ins included)"


# Which group of subcommands declares each command (the groups' order is the order of `--help`).
_GROUPS = {
    "keys": "keys", "image-profiles": "image-profiles", "chat-profiles": "chat-profiles",
    "generate": "images", "edit": "images", "images": "images", "audit": "images", "models": "images",
    "ask": "chats", "chats": "chats", "mcp": "mcp", "doctor": "doctor",
}
_TOP_FLAGS = ("--version", "--debug", "--no-mouse")


def build(args: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given the command line ``args``, only what parsing them needs.

    A command line naming a command (after the top-level flags) gets that command's group alone: the
    whole tree (forty-odd parsers and the image option vocabulary) cost a cold ``ask`` about 10 ms, and a
    command's parsing, usage and errors never look at its siblings. Anything else (no command, an unknown
    one, ``--help`` before it) gets the whole tree, so the top-level help and errors list every command.
    """
    only = _command_group(args) if args is not None else None
    common = _Parser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON document (JSON Lines for streams)")
    common.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")

    parser = _Parser(prog="quilltap-tui", description="Chat with any tool-capable LLM; it can draw images.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    parser.add_argument("--no-mouse", action="store_true", help="start the TUI without mouse support")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    if only in (None, "keys"):
        _keys(sub, common)
    if only in (None, "image-profiles"):
        _profiles(sub, common, "image-profiles", image=True)
    if only in (None, "chat-profiles"):
        _profiles(sub, common, "chat-profiles", image=False)
    if only in (None, "images"):
        _images(sub, common)
    if only in (None, "chats"):
        _chats(sub, common)
    if only in (None, "mcp"):
        _mcp(sub, common)
    if only in (None, "doctor"):
        sub.add_parser("doctor", parents=[common], help="paths, schema, vault, terminal graphics, versions")
    return parser


def _command_group(args: Sequence[str]) -> str | None:
    """The group of the command ``args`` name, or None when the whole tree must be built."""
    for arg in args:
        if arg in _TOP_FLAGS:
            continue
        return _GROUPS.get(arg)  # "-h", an unknown flag or command: None
    return None


def _image_options() -> _Parser:
    """The options ``generate`` and ``edit`` share."""
    from quilltap_tui.imagegen.options import FLAGGED  # the image commands' vocabulary: parsed for them alone

    gen = _Parser(add_help=False)
    gen.add_argument("--profile", help="image profile (default profile when omitted)")
    for option in FLAGGED:  # the image-option vocabulary's flags, in its order
        bounds = option.info.flag_range
        gen.add_argument(option.flag, metavar=option.info.metavar, type=bounded_int(*bounds) if bounds else str)
    gen.add_argument("--param", action="append", default=[], metavar="K=V",
                     help="provider extra, e.g. output_format=webp")
    gen.add_argument("--no-preview", action="store_true", help="do not draw the image in the terminal")
    return gen


def _images(sub: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    options = _image_options()
    gen = sub.add_parser("generate", parents=[common, options], help="make images with an image profile")
    gen.add_argument("prompt", nargs="+", help="what to draw")
    edit = sub.add_parser("edit", parents=[common, options],
                          help="edit images, or make new ones from reference images")
    edit.add_argument("--image", action="append", required=True, metavar="REF", dest="images",
                      help="a gallery image id (or a unique prefix of 6+ characters) or a PNG/JPEG/WebP file; "
                           "repeat for several")
    edit.add_argument("--mask", metavar="PATH", help="PNG whose transparent pixels mark what may change")
    edit.add_argument("--markup", metavar="PATH", help="PNG overlay drawn on the first image (gpt-image-2.6)")
    edit.add_argument("prompt", nargs="+", help="what to change or make")

    images = sub.add_parser("images", help="the image gallery")
    isub = images.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=_Parser)
    ilist = isub.add_parser("list", parents=[common], help="list generated images, newest first")
    ilist.add_argument("--limit", type=COUNT, default=50)
    ilist.add_argument("--offset", type=COUNT, default=0)
    ilist.add_argument("--chat", help="only images made in this chat")

    audit = sub.add_parser("audit", parents=[common], help="the generation audit log, newest first")
    audit.add_argument("--limit", type=COUNT, default=50)
    audit.add_argument("--profile", help="only this image profile")

    models = sub.add_parser("models", parents=[common], help="models a provider offers")
    models.add_argument("--provider", required=True, help=PROVIDER_HELP)
    models.add_argument("--key", help="key label: adds the live list to the built-in table")
    models.add_argument("--base-url")
    models.add_argument("--chat", action="store_true", help="chat models instead of image models")


def _mcp(sub: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    mcp = sub.add_parser("mcp", parents=[common], help="serve image profiles to MCP clients")
    mcp.add_argument("--profile", action="append", default=[], metavar="N",
                     help="serve only this image profile (repeatable; all when omitted)")
    mcp.add_argument("--transport", choices=("stdio", "http"), default="stdio",
                     help="stdio (default) or Streamable HTTP at /mcp")
    mcp.add_argument("--host", help="HTTP address (default 127.0.0.1; any other needs QUILLTAP_MCP_TOKEN)")
    mcp.add_argument("--port", type=PORT, help="HTTP port (default 8765; 0 picks a free one)")
    mcp.add_argument("--print-config", metavar="CLIENT",
                     choices=("claude-desktop", "claude-code", "cursor", "codex"),
                     help="print ready configuration for claude-desktop, claude-code, cursor or codex")


def _keys(sub: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    keys = sub.add_parser("keys", help="API keys in the vault")
    ksub = keys.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=_Parser)
    add = ksub.add_parser("add", parents=[common], help="store a key (secret from stdin, a prompt or --from-env)")
    add.add_argument("--provider", required=True, help=PROVIDER_HELP)
    add.add_argument("--label", required=True)
    add.add_argument("--from-env", metavar="VAR", help="read the secret from this environment variable")
    ksub.add_parser("list", parents=[common], help="list keys (masked)")
    rm = ksub.add_parser("rm", parents=[common], help="remove a key (profiles keep working with no key)")
    rm.add_argument("label")
    validate = ksub.add_parser("validate", parents=[common], help="check a key against its provider")
    validate.add_argument("label")
    validate.add_argument("--base-url")
    rotate = ksub.add_parser("rotate", parents=[common], help="replace the secret behind a label")
    rotate.add_argument("label")
    rotate.add_argument("--from-env", metavar="VAR")


def _profiles(
    sub: argparse._SubParsersAction[_Parser], common: _Parser, name: str, *, image: bool
) -> None:
    what = "image" if image else "chat"
    group = sub.add_parser(name, help=f"{what} profiles")
    psub = group.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=_Parser)
    fields = _Parser(add_help=False)
    fields.add_argument("--provider", help=PROVIDER_HELP)
    fields.add_argument("--model")
    fields.add_argument("--key", help="key label ('' or --no-key to remove)")
    fields.add_argument("--no-key", action="store_true", help="use no key")
    fields.add_argument("--base-url")
    fields.add_argument("--param", action="append", default=[], metavar="K=V")
    fields.add_argument("--tag", action="append", metavar="T")
    fields.add_argument("--default", action="store_true", help="make this the default")
    if image:
        fields.add_argument("--max-per-call", type=COUNT, dest="max_images_per_call")
        fields.add_argument("--max-per-minute", type=COUNT, dest="max_images_per_minute")
        fields.add_argument("--max-per-day", type=COUNT, dest="max_images_per_day")
    else:
        fields.add_argument("--system", dest="system_prompt", help="system prompt")
    add = psub.add_parser("add", parents=[common, fields], help=f"create a {what} profile")
    add.add_argument("--name", required=True)
    edit = psub.add_parser("edit", parents=[common, fields], help=f"change a {what} profile")
    edit.add_argument("name")
    edit.add_argument("--rename", dest="new_name")
    edit.add_argument("--no-default", action="store_true", help="stop being the default")
    psub.add_parser("list", parents=[common], help=f"list {what} profiles")
    if image:
        _from_chat_profile(psub, common)
    for action, text in (("show", "show one"), ("rm", "delete one"), ("set-default", "make one the default")):
        p = psub.add_parser(action, parents=[common], help=f"{text} {what} profile")
        p.add_argument("name")


def _chats(sub: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    ask = sub.add_parser("ask", parents=[common], help="run one chat turn headless, tools included")
    ask.add_argument("--chat-profile", help="chat profile (default profile when omitted)")
    images = ask.add_mutually_exclusive_group()
    images.add_argument("--image-profile", help="image profile for generate_image (default: best tag match)")
    images.add_argument("--no-images", action="store_true", help="offer no image generation")
    ask.add_argument("--chat", metavar="ID", help="continue this chat (an id prefix works)")
    ask.add_argument("--tag", action="append", metavar="T", help="tag of a new chat (picks the image profile)")
    ask.add_argument("--attach", action="append", default=[], metavar="REF",
                     help="attach an image: a gallery id (6+ char prefix) or a PNG/JPEG/WebP file (copied into "
                          "the gallery); repeatable")
    ask.add_argument("--show-images", action="store_true",
                     help="give the images tools made back to the chat model (downscaled; costs input tokens)")
    ask.add_argument("prompt", nargs="+", help="the user's message")

    chats = sub.add_parser("chats", help="stored chats")
    csub = chats.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=_Parser)
    csub.add_parser("list", parents=[common], help="list chats, most recent first")
    show = csub.add_parser("show", parents=[common], help="a chat's messages, tool calls and images")
    show.add_argument("chat")
    rm = csub.add_parser("rm", parents=[common], help="delete a chat (its images stay in the gallery)")
    rm.add_argument("chat")
    rename = csub.add_parser("rename", parents=[common], help="give a chat a new title")
    rename.add_argument("chat")
    rename.add_argument("title")
    switch = csub.add_parser("set-image-profile", parents=[common], help="image profile used from the next turn")
    switch.add_argument("chat")
    target = switch.add_mutually_exclusive_group(required=True)
    target.add_argument("name", nargs="?", help="image profile name")
    target.add_argument("--none", action="store_true", help="no image generation in this chat")


def _from_chat_profile(psub: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    mig = psub.add_parser(
        "from-chat-profile", parents=[common],
        help="create an image profile from an OpenAI, xAI or Google chat profile, reusing its key",
    )
    mig.add_argument("chat_profile", metavar="CHAT_PROFILE")
    mig.add_argument("--name", help="new profile name (default: '<chat profile> images')")
    mig.add_argument("--model", help="image model (default: a current model of the provider)")
    mig.add_argument("--default", action="store_true", help="make it the default image profile")
