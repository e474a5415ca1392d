"""Dispatch a parsed command and turn every failure into one clear last line and an exit code."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from quilltap_tui.errors import QuilltapError

Handler = Callable[[argparse.Namespace], int]


def run(ns: argparse.Namespace) -> int:
    handler = _handler(ns.command, getattr(ns, "action", None))
    if ns.command != "models":  # `models` refuses a malformed models.toml instead (exit 2)
        _catalogue_note()
        _database_wait_note()
    return guarded(lambda: handler(ns), debug=ns.debug)


def _database_wait_note() -> None:
    """A note on stderr when a statement waits over a second for another process's lock."""
    from quilltap_tui.db.failures import WaitNote

    WaitNote(lambda text: print(f"quilltap-tui: {text}", file=sys.stderr, flush=True)).install()


def _catalogue_note() -> None:
    """One line on stderr when models.toml is malformed; the command goes on with the built-in table."""
    from quilltap_tui.services.model_catalogue import catalogue_warning
    from quilltap_tui.textsafe import inert

    warning = catalogue_warning()
    if warning is not None:
        print(f"quilltap-tui: warning: {inert(warning, keep_newlines=False)}", file=sys.stderr)


def guarded(body: Callable[[], int], *, debug: bool) -> int:
    """Run ``body``; expected errors print one sentence, unexpected ones too unless ``--debug``."""
    try:
        return body()
    except QuilltapError as exc:
        if debug:
            logging.getLogger("quilltap_tui").exception("command failed")
        _fail(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        _fail("Interrupted.")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if debug:
            raise
        storage = _storage_error(exc)
        _fail(str(storage) if storage is not None else
              f"Unexpected error ({type(exc).__name__}): {exc}. Run again with --debug for details.")
        return 1


def _storage_error(exc: BaseException) -> QuilltapError | None:
    """A locked, read-only, full or corrupt database (or file) said in one sentence naming it."""
    import os

    from quilltap_tui import paths
    from quilltap_tui.db.failures import explain

    try:
        database = str(paths.resolve(dict(os.environ)).database)
    except Exception:  # the error being explained may be that very lookup failing
        database = "quilltap.db"
    return explain(exc, database)


def _fail(message: str) -> None:
    from quilltap_tui.textsafe import inert

    sys.stdout.flush()
    # Messages quote provider text and user input: shown inert, on one line.
    print(f"quilltap-tui: {inert(message, keep_newlines=False)}", file=sys.stderr)


# (command, action) -> "module:function" under quilltap_tui.cli; imported only when chosen, so a
# command pays only for what it uses.
_COMMANDS: dict[tuple[str, str | None], str] = {
    ("keys", "add"): "commands_keys:add",
    ("keys", "list"): "commands_keys:list_",
    ("keys", "rm"): "commands_keys:rm",
    ("keys", "validate"): "commands_keys:validate",
    ("keys", "rotate"): "commands_keys:rotate",
    ("doctor", None): "doctor:run",
    ("generate", None): "commands_images:generate",
    ("edit", None): "commands_images:edit",
    ("images", "list"): "commands_images:images_list",
    ("audit", None): "commands_images:audit_list",
    ("models", None): "commands_models:run",
    ("mcp", None): "commands_mcp:run",
    ("ask", None): "commands_chat:ask",
    ("chats", "list"): "commands_chat_list:chats_list",
    ("chats", "show"): "commands_chat:chats_show",
    ("chats", "rm"): "commands_chat:chats_rm",
    ("chats", "rename"): "commands_chat:chats_rename",
    ("chats", "set-image-profile"): "commands_chat:chats_set_image_profile",
    ("image-profiles", "from-chat-profile"): "commands_chat:from_chat_profile",
}


def _handler(command: str, action: str | None) -> Handler:
    import importlib

    if (command, action) not in _COMMANDS and command in ("image-profiles", "chat-profiles") and action is not None:
        if action in ("list", "show"):  # read-only: without the ORM on the SQLite file
            from quilltap_tui.cli import commands_profiles_list

            return commands_profiles_list.handler(action, image=command == "image-profiles")
        from quilltap_tui.cli import commands_profiles

        return commands_profiles.handler(action, image=command == "image-profiles")
    module_name, _, func = _COMMANDS[(command, action)].partition(":")
    module = importlib.import_module(f"quilltap_tui.cli.{module_name}")
    handler: Handler = getattr(module, func)
    return handler
