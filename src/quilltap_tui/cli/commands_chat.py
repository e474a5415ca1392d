"""``ask``, ``chats ...`` and ``image-profiles from-chat-profile``: chats from the command line.

``ask`` prints the reply to stdout as it streams and tool progress to stderr; with ``--json`` it
prints the contract's JSON Lines events, the last one ``done``. It exits 0 when the turn completes,
even when a tool call failed (that failure is in the ``tool_result``), and with the error's exit code
when the provider failed (the reason is saved in the chat too).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

from quilltap_tui.chat.events import (
    ErrorEvent,
    ProgressEvent,
    RetryEvent,
    TextEvent,
    ToolCallStarted,
    ToolResultEvent,
    TurnEvent,
    event_json,
)
from quilltap_tui.cli import io
from quilltap_tui.errors import Invalid
from quilltap_tui.services.context import AppContext
from quilltap_tui.textsafe import inert

if TYPE_CHECKING:
    from quilltap_tui.chat.loop import TurnResult
    from quilltap_tui.services.chat_views import ChatView

# The turn stack (provider SDK, HTTP client) is imported by `ask` alone, started in a thread (cli/warm.py)
# so it overlaps the database work; the `chats` commands never load it. With the SQLite file at the
# current schema `ask` reads and writes with plain sqlite3 (services/plain_chat.py) and loads the image
# stack only when the model calls an image tool.


def ask(ns: argparse.Namespace) -> int:
    import os

    from quilltap_tui.cli.warm import start_ask_warmup, start_vault_key

    start_vault_key(ns, os.environ, chat=True)  # scrypt leaves the interpreter lock: it overlaps the imports
    start_ask_warmup(ns, os.environ)
    ctx = io.context()
    prompt = " ".join(ns.prompt).strip()
    if not prompt:
        raise Invalid("prompt", "The prompt is empty: say something to the model.")
    plain = _plain_turn(ctx, ns)
    if plain is None:
        return _orm_ask(ctx, ns, prompt)
    store, chat_id = plain
    from quilltap_tui.services import plain_chat

    printer = _printer(ns, chat_id)
    result = asyncio.run(plain_chat.ask(ctx, store, chat_id, prompt, printer, show_images=ns.show_images))
    return _finish(ns, printer, result, chat_id)


def _plain_turn(ctx: AppContext, ns: argparse.Namespace) -> tuple[Any, str] | None:
    """The store and chat of ``ask`` without the ORM (services/plain_chat.py says when); None otherwise."""
    if ns.attach:
        return None
    from quilltap_tui.services import plain_chat

    store = plain_chat.open_store(ctx)
    if store is None:
        return None
    try:
        chat_id = plain_chat.chat_for(store, chat=ns.chat, chat_profile=ns.chat_profile,
                                      image_profile=ns.image_profile, no_images=ns.no_images, tags=ns.tag or [])
    except BaseException:
        store.close()
        raise
    if chat_id is None:
        store.close()
        return None
    return store, chat_id


def _orm_ask(ctx: AppContext, ns: argparse.Namespace, prompt: str) -> int:
    from quilltap_tui.services import attachments, chat_turn, image_store
    from quilltap_tui.services.generation import GenerationService

    image_store.sweep_orphans(ctx)  # leftovers of a killed run, before this one adds images
    # Attachments first: a wrong one is one sentence before anything is stored or sent.
    attached = [attachments.attach(ctx, ref).id for ref in ns.attach]
    chat_id = _chat_for(ctx, ns)
    printer = _printer(ns, chat_id)
    service = GenerationService(ctx)  # its retries reach the printer as turn events
    result = asyncio.run(chat_turn.ask(ctx, chat_id, prompt, printer, generation=service,
                                       show_images=ns.show_images, attachments=attached))
    return _finish(ns, printer, result, chat_id)


def _kept(chat_id: str) -> str:
    # A failed turn keeps its chat and the user's message (as the TUI does): the error line says where it is.
    return f" Your message is kept in chat {chat_id[:8]}: send again with --chat {chat_id[:8]}."


def _printer(ns: argparse.Namespace, chat_id: str) -> _JsonPrinter | _HumanPrinter:
    return _JsonPrinter() if ns.json else _HumanPrinter(_kept(chat_id))


def _finish(ns: argparse.Namespace, printer: _JsonPrinter | _HumanPrinter, result: TurnResult, chat_id: str) -> int:
    printer.finish()
    if result.error is not None:
        if ns.json:  # the human printer already wrote the reason as the last stderr line
            print(f"quilltap-tui: {inert(str(result.error), keep_newlines=False)}{_kept(chat_id)}", file=sys.stderr)
        return result.error.exit_code
    return 0


def _chat_for(ctx: AppContext, ns: argparse.Namespace) -> str:
    """The chat to talk in: ``--chat`` (with any profile switches applied) or a new one."""
    from quilltap_tui.services import chats  # the ORM path: imported only where it is used

    if not ns.chat:
        view = chats.create_chat(
            ctx, chat_profile=ns.chat_profile, image_profile=ns.image_profile, no_images=ns.no_images, tags=ns.tag
        )
        return view.id
    chat_id = chats.get_chat(ctx, ns.chat).id
    if ns.chat_profile:
        chats.set_chat_profile(ctx, chat_id, ns.chat_profile)
    if ns.no_images or ns.image_profile:
        chats.set_image_profile(ctx, chat_id, None if ns.no_images else ns.image_profile)
    return chat_id


class _JsonPrinter:
    """One JSON object per line, flushed at once so a reader sees events as they happen."""

    def __call__(self, event: TurnEvent) -> None:
        if isinstance(event, RetryEvent | ProgressEvent):  # a progress note, on stderr as the contract allows
            print(inert(event.note, keep_newlines=False), file=sys.stderr, flush=True)
            return
        document = event_json(event)
        if document is not None:
            io.emit_json(document)
            sys.stdout.flush()

    def finish(self) -> None:
        sys.stdout.flush()


class _HumanPrinter:
    """The reply on stdout as it streams; tool progress and errors on stderr."""

    def __init__(self, kept: str = "") -> None:
        self.at_line_start = True
        self.kept = kept  # said after an error: where the user's message is kept

    def __call__(self, event: TurnEvent) -> None:
        if isinstance(event, TextEvent):
            text = inert(event.delta)
            sys.stdout.write(text)
            sys.stdout.flush()
            self.at_line_start = text.endswith("\n") if text else self.at_line_start
        elif isinstance(event, ToolCallStarted):
            self._line(f"[{event.name}] {_summary(event.arguments)}")
        elif isinstance(event, ToolResultEvent):
            for line in _result_lines(event):
                self._line(f"[{event.name}] {line}")
        elif isinstance(event, ErrorEvent):
            self._line(f"quilltap-tui: {inert(event.message, keep_newlines=False)}{self.kept}")
        elif isinstance(event, RetryEvent | ProgressEvent):  # a retry, a queue position ("fal.ai: running")
            self._line(event.note)

    def _line(self, text: str) -> None:
        self.finish()
        print(inert(text, keep_newlines=False), file=sys.stderr, flush=True)

    def finish(self) -> None:
        if not self.at_line_start:
            sys.stdout.write("\n")
            sys.stdout.flush()
            self.at_line_start = True


def _summary(arguments: dict[str, Any]) -> str:
    prompt = str(arguments.get("prompt", "")).strip()
    flat = " ".join(prompt.split())
    return f"making an image: {flat[:80] + ('…' if len(flat) > 80 else '')}" if flat else "calling"


def _result_lines(event: ToolResultEvent) -> list[str]:
    if not event.ok:
        return [f"failed: {event.result.get('error', 'unknown error')}"]
    lines = [f"saved {i['path']} ({i['width']}x{i['height']})" for i in event.result.get("images", [])]
    lines += [f"note: {w}" for w in event.result.get("warnings", [])]
    return lines or ["done"]


def chats_show(ns: argparse.Namespace) -> int:
    from quilltap_tui.services import plain_reads

    ctx = io.context()
    shown = plain_reads.show_chat(ctx, ns.chat)  # plain sqlite3 on the SQLite file at the current schema
    if shown is None:
        from quilltap_tui.services import chats  # the ORM path: imported only where it is used

        chat = chats.get_chat(ctx, ns.chat)
        shown = chat, chats.get_messages(ctx, chat.id)
    chat, messages = shown
    if ns.json:
        io.emit_json({**chat.as_json(), "messages": [m.as_json() for m in messages]})  # the list in the count's place
        return 0
    print(inert(f"{chat.title}  ({chat.id})", keep_newlines=False))
    for message in messages:
        status = "" if message.status == "complete" else f" [{message.status}]"
        role = "note" if message.note else message.role
        print(f"\n{role}{status}:")
        if message.content:
            print(inert(message.content))
        for call in message.tool_calls:
            detail = f": {call.error}" if call.error else ""
            print(inert(f"  -> {call.name} {call.status}{detail}", keep_newlines=False))
        for image in message.images:
            print(f"  image {image.path}")
        if message.error:
            print(inert(f"  error: {message.error}", keep_newlines=False))
    return 0


def chats_rm(ns: argparse.Namespace) -> int:
    from quilltap_tui.services import chats  # the ORM path: imported only where it is used

    view = chats.delete_chat(io.context(), ns.chat)
    _done(ns, view, f"Deleted chat {view.id[:8]} ({view.title}).")
    return 0


def chats_rename(ns: argparse.Namespace) -> int:
    from quilltap_tui.services import chats  # the ORM path: imported only where it is used

    view = chats.rename_chat(io.context(), ns.chat, ns.title)
    _done(ns, view, f"Chat {view.id[:8]} is now called {view.title}.")
    return 0


def chats_set_image_profile(ns: argparse.Namespace) -> int:
    from quilltap_tui.services import chats  # the ORM path: imported only where it is used

    view = chats.set_image_profile(io.context(), ns.chat, None if ns.none else ns.name)
    what = f"image profile {view.image_profile}" if view.images_enabled else "no image generation"
    _done(ns, view, f"Chat {view.id[:8]} uses {what} from the next turn.")
    return 0


def from_chat_profile(ns: argparse.Namespace) -> int:
    from quilltap_tui.services import chats  # the ORM path: imported only where it is used

    view = chats.image_profile_from_chat_profile(
        io.context(), ns.chat_profile, name=ns.name, model=ns.model, default=ns.default
    )
    key = f"key {view.key}" if view.key else "no key"
    if ns.json:
        io.emit_json(view.as_json())
    else:
        print(inert(f"Created image profile {view.name} ({view.provider} {view.model}, {key}).", keep_newlines=False))
    return 0


def _done(ns: argparse.Namespace, view: ChatView, message: str) -> None:
    if ns.json:
        io.emit_json(view.as_json())
    else:
        print(inert(message, keep_newlines=False))
