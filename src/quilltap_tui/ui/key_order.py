"""Keys reach the screen they were typed for, in order, even while screens are being built or changed.

Textual hands a key to the focused widget at once. A user who types ctrl+n, enter and a prompt in one
burst (or at start-up, before the profiles are listed) had the prompt land on the screen being left, or on
the new form's first picker before its own focus was set. :class:`KeyOrderedApp` hands keys on one at a
time: each goes once the previous one has been handled all the way up to the app (its binding run, the
screen it opened pushed), and keys typed while a screen is being built wait for it. Screens ask for a
hold around their own changes (:meth:`~KeyOrderedApp.hold_keys_until_loaded`,
:meth:`~KeyOrderedApp.hold_keys_until_next_screen`, :meth:`~KeyOrderedApp.end_key_hold`).
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.message_pump import MessagePump
from textual.screen import Screen

# Held keys are checked every KEY_HOLD_STEP s and handed on at the latest after LOADING_HOLD_TRIES checks
# (10 s or more): a loaded machine took over a second to build a screen, and a 1 s limit lost keys there.
KEY_HOLD_STEP, LOADING_HOLD_TRIES = 0.01, 1000
# A key handed to a widget is followed up its parents to the app (see ``_follow_key``); if that trail breaks
# (a widget removed with the key still queued), the keys typed after it wait at most this long.
KEY_TRAIL_TIMEOUT = 2.0


class KeyOrderedApp(App[int]):
    """An app that hands keys to its screens one at a time and holds them while a screen is being built."""

    def __init__(self) -> None:
        super().__init__()
        self._held_keys: list[events.Key] = []  # typed while a new screen was still being built
        # Set while an action waits for the profiles to open a screen on top of this one (ctrl+n at start-up):
        # the keys typed meanwhile are for that screen, not this one.
        self._hold_on: Screen[Any] | None = None
        # Set while a screen change is under way (the new-chat form's enter: the chat is stored, then its
        # screen opens): keys typed meanwhile are for the screen that opens, not these ones.
        self._leaving: tuple[Screen[Any], ...] = ()
        # The screen keys were last handed to. A screen new since then may still have work queued behind the
        # keys already waiting (its on_mount's focus() runs later, through call_later): its first key waits
        # one turn of the queue, so the new-chat form's enter sees its field focused, not the first Select.
        self._keys_screen: Screen[Any] | None = None
        # The one key handed to the screen and not yet handled all the way up (its ticket): the next keys wait
        # for it, because its binding runs only when it comes back to the app, and may open another screen
        # (ctrl+n). Handed on meanwhile, the keys after it reached the screen it was leaving.
        self._key_in_flight: object | None = None

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)
            return
        ticket = getattr(event, "quilltap_ticket", None)
        if ticket is not None and ticket is self._key_in_flight:  # the oldest held key, handed back to us
            self._key_in_flight = None
            if self._waiting_for_screen() or self.screen is not self._keys_screen:
                self._hold_key(event, first=True)
                return
        elif (self._held_keys or self._key_in_flight is not None or self._waiting_for_screen()
              or self.screen is not self._keys_screen):
            self._hold_key(event)
            return
        await self._hand_on(event)

    async def _hand_on(self, event: events.Key) -> None:
        """Give the key to the screen (Textual's way), and hold the next ones until it has been handled."""
        event.typed_on = self.screen  # type: ignore[attr-defined]  # our mark on Textual's Key, read in _on_key
        if event.key == "enter" and getattr(self.screen, "HOLD_KEYS_ON_SUBMIT", False):
            # Decided here, before the enter is handed on: the keys already queued behind it would
            # otherwise reach the form's fields before its Submitted message starts the change.
            from textual.widgets import Input

            if isinstance(self.screen.focused, Input):
                self.hold_keys_until_next_screen()
        target: MessagePump = self.focused or self.screen  # where Textual hands it (unless a priority binding)
        ticket = self._fly()
        await super().on_event(event)
        self._follow_key(target, ticket)

    def _fly(self) -> object:
        """A new key in flight: the keys after it wait until it lands (or, if its trail breaks, a while)."""
        ticket = self._key_in_flight = object()
        self.set_timer(KEY_TRAIL_TIMEOUT, lambda: self._key_landed(ticket))
        return ticket

    def _follow_key(self, node: MessagePump, ticket: object) -> None:
        """Queue a step behind the key at ``node``, then at each parent in turn, up to the app: a key not used
        by a widget bubbles up this same path, so when the step reaches the app, the key has been handled
        (its binding run, the screen it opened pushed) and the next key can go."""
        if node is self:
            self.call_later(self._key_landed, ticket)
            return
        parent = node.parent if isinstance(node, DOMNode) and node.parent else self
        if not node.call_later(self._follow_key, parent, ticket):
            self._follow_key(parent, ticket)  # a closed widget passes nothing on: go on from above it

    def _key_landed(self, ticket: object) -> None:
        if ticket is not self._key_in_flight:
            return  # an earlier key's trail, or one the timeout already gave up on
        self._key_in_flight = None
        self._release_keys(0)

    def _waiting_for_screen(self) -> bool:
        return not self.screen.is_mounted or self._hold_on is self.screen or self.screen in self._leaving

    async def _on_key(self, event: events.Key) -> None:
        # A key comes back here once no widget used it. If a screen opened meanwhile (the key typed right
        # after ctrl+n went to the list underneath before the binding ran), it was meant for the new screen.
        typed_on = getattr(event, "typed_on", None)
        opened_on_top = typed_on is not self.screen and typed_on in self.screen_stack[:-1]
        if typed_on is not None and (opened_on_top or typed_on is self._hold_on):
            event.prevent_default()  # Textual calls App._on_key next (handlers run per class): not for this key
            # It is the key in flight, older than every key held meanwhile: it goes first.
            self._hold_key(event, first=True)

    def _hold_key(self, event: events.Key, *, first: bool = False) -> None:
        """A key typed while a just-opened screen is still being built (ctrl+n, then typing at once) would
        reach a screen with nothing focused and be lost: keep it, and hand it over once the screen is up."""
        self._held_keys.insert(0 if first else len(self._held_keys), events.Key(event.key, event.character))
        if len(self._held_keys) == 1 and self._key_in_flight is None:  # else the key in flight releases them
            # Behind everything queued now: a screen that is up and settled gets its keys back at once.
            self.call_later(self._release_keys, 0)

    def hold_keys_until_loaded(self) -> None:
        """Keys typed from now until the profiles land go to the screen an action then opens."""
        self._hold_on = self.screen

    def hold_keys_until_next_screen(self) -> None:
        """Keys typed from now until a screen opens over (or instead of) the current ones go to it."""
        self._leaving = tuple(self.screen_stack)

    def end_key_hold(self) -> None:
        """The change did not happen (the form refused a field): held keys go to the current screen."""
        self._leaving = ()

    def _release_keys(self, tries: int) -> None:
        """Hand back the oldest held key (one at a time: each is handled before the next goes)."""
        if self._key_in_flight is not None or not self._held_keys:
            return  # the key in flight releases the next when it lands (or they went already)
        if self._waiting_for_screen() and tries < LOADING_HOLD_TRIES:
            self.set_timer(KEY_HOLD_STEP, lambda: self._release_keys(tries + 1))
            return
        self._leaving = ()
        self._keys_screen = self.screen  # settled: what its mount queued has run
        key = self._held_keys.pop(0)
        # Posted behind keys typed since: those are held as they arrive (a key is in flight), after this one.
        key.quilltap_ticket = self._fly()  # type: ignore[attr-defined]
        self.post_message(key)
