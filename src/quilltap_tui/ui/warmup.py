"""Work done once after start-up, and a garbage-collection policy that never freezes a busy screen.

Warm-up: the first chat turn needs the turn services, a provider SDK, the image stack, the HTTP stack
and a TLS context: a second or more of CPU and ~40 ms for the CA bundle alone. Imported lazily (the
first screen must paint fast), they would otherwise load during the first turn, partly on the event
loop. So they load in a thread while the user is still choosing a chat, through the import lock.

Collections: after the warm-up everything alive is frozen (``gc.freeze``): it lives as long as the app,
and a full collection that rescanned it froze the screen for 115-135 ms. Full collections of what
came later (Textual's caches, gallery rows) still cost 20-140 ms, so they no longer run on their
own: young generations collect as usual, and the full one runs when the user has been idle for a
moment and nothing is streaming or decoding.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable

from quilltap_tui.lazy_imports import import_once

# What a chat turn with an image tool call loads on first use (found by sampling the first turn).
TURN_MODULES = (
    "quilltap_tui.ui.generation",
    "quilltap_tui.services.chat_turn_thread",
    "quilltap_tui.services.chat_turn",
    "quilltap_tui.chat.registry",
    "quilltap_tui.services.generation",
    "quilltap_tui.services.sql_generation_store",  # the service's ORM store, made at its first call
    "quilltap_tui.services.image_store",
    "quilltap_tui.tools.generate_image",
    "quilltap_tui.tools.edit_image",
    "quilltap_tui.imagegen.registry",
    "PIL.Image",
    "PIL.PngImagePlugin",
    "PIL.JpegImagePlugin",
    "PIL.WebPImagePlugin",
    # The rest of what PIL's first Image.open imports (Image.preinit): else on the way from the saved image
    # to the follow-up chat request of the first turn.
    "PIL.BmpImagePlugin",
    "PIL.GifImagePlugin",
    "PIL.PpmImagePlugin",
    "anyio._backends._asyncio",
    "httpcore2",
    "h11",
    "email.policy",
    "jiter",
)
PREVIEW_MODULES = ("textual_image.renderable",)
# What an SDK imports only when a chat request is first made through it (openai loads its chat resources on
# first access): 30-40 ms between Enter and the first request of a fresh app's first turn, else.
SDK_CHAT_MODULES = {"openai": ("openai.resources.chat.completions.completions",)}
IDLE_SECONDS = 2.0  # no key or mouse input for this long counts as idle
FULL_EVERY = 30.0  # at most one idle full collection this often
_NO_AUTOMATIC_FULL = 1_000_000  # gen-2 threshold: full collections only when we ask


def modules_for(chat_providers: Iterable[str], previews: bool) -> list[str]:
    """The modules to warm for these chat providers (an SDK each) and preview setting."""
    from quilltap_tui.providers.registry import registry

    # The provider units say which module makes their images and which SDK their chats need.
    modules = [*TURN_MODULES, *registry().warm_modules(chat_providers)]
    modules += [extra for sdk in list(modules) for extra in SDK_CHAT_MODULES.get(sdk, ())]
    if previews:
        modules += PREVIEW_MODULES
    return modules


def warm(modules: Iterable[str]) -> None:
    """Import ``modules`` and build the shared TLS context. Run it in a thread."""
    import_once(*modules)
    from quilltap_tui.net import shared_ssl_context

    shared_ssl_context()


def freeze() -> None:
    """Move everything alive now out of the collector's reach (it lives as long as the app)."""
    gc.freeze()


class IdleCollector:
    """Runs the full garbage collection only when the user is idle and no worker is busy."""

    def __init__(self) -> None:
        self.last_input = time.monotonic()
        self.last_full = time.monotonic()
        self.enabled = False

    def enable(self) -> None:
        """Stop automatic full collections (young generations keep collecting on their own)."""
        young, middle, _full = gc.get_threshold()
        gc.set_threshold(young, middle, _NO_AUTOMATIC_FULL)
        self.enabled = True

    def touch(self) -> None:
        """The user pressed a key or used the mouse."""
        self.last_input = time.monotonic()

    def tick(self, busy: bool) -> bool:
        """Collect if the time is right (``busy``: a worker is running); True when it did."""
        now = time.monotonic()
        if not self.enabled or busy or now - self.last_input < IDLE_SECONDS or now - self.last_full < FULL_EVERY:
            return False
        gc.collect()
        self.last_full = time.monotonic()
        return True
