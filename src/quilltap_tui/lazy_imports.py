"""Heavy packages imported once, in one thread, off the event loop.

The provider SDKs, SQLAlchemy and Pillow are imported lazily so the first screen and every command
start fast. ``import openai`` alone costs about a second of CPU; done on the event loop it froze the
chat screen for that long on the first message. Two threads importing the same package at once can
see it half initialised ("cannot import name ... from partially initialized module"), so every such
import passes through one lock.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import sys
import threading

log = logging.getLogger(__name__)
_LOCK = threading.Lock()
_done: set[str] = set()


def import_once(*modules: str) -> None:
    """Import ``modules`` under the lock (free once done). Blocking: call it from a worker thread."""
    if _done.issuperset(modules):
        return
    with _LOCK:
        for name in modules:
            if name in _done:
                continue
            try:
                importlib.import_module(name)
            except Exception:  # a missing optional piece shows up where it is used, with context
                log.debug("importing %s failed", name, exc_info=True)
            _done.add(name)


def _ready(name: str) -> bool:
    module = sys.modules.get(name)
    spec = getattr(module, "__spec__", None)
    return module is not None and not getattr(spec, "_initializing", False)


async def import_off_loop(*modules: str) -> None:
    """Make sure ``modules`` are imported without blocking the running event loop."""
    if _done.issuperset(modules) or all(_ready(name) for name in modules):
        return
    await asyncio.to_thread(import_once, *modules)


def pause_collections() -> None:
    """No cyclic garbage collection until :func:`resume_collections`: for a cold command's imports.

    Importing an SDK allocates a few hundred thousand objects that live as long as the process (classes,
    pydantic schemas, dataclass methods) and next to no garbage, yet the collector traversed them again
    and again while they were made: about an eighth of ``import openai``'s CPU (0.81 -> 0.71 s measured).
    """
    gc.disable()


def resume_collections() -> None:
    """Collect again. What is alive now lives as long as the process: frozen first, so no collection ever
    traverses it again (the first one after the imports would have walked all of it). The few cycles the
    imports left as garbage are frozen with it and kept to the end: for a command that runs once, a
    little memory for a full collection's CPU."""
    gc.freeze()
    gc.enable()
