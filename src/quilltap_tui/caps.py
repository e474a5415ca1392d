"""The limits every answer from a server (and every LLM tool call) must live within.

Set once per process from the settings (:func:`configure`, called where settings are loaded) and read
at each use, so a test or a user changes them through ``settings.toml`` or ``QUILLTAP_*`` variables.
Kept free of heavy imports: the chat core reads the tool-argument cap at start-up cost zero.
:mod:`quilltap_tui.netguard` enforces the HTTP ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MIB = 1024 * 1024


@dataclass(frozen=True)
class Caps:
    """The limits in force (see the README's Settings section for each one's setting)."""

    request_deadline: float = 600.0
    max_response_bytes: int = 64 * MIB
    max_decoded_bytes: int = 64 * MIB
    max_sse_line_bytes: int = 4 * MIB
    max_tool_argument_bytes: int = 256 * 1024
    max_image_pixels: int = 36_000_000


_current = Caps()


def configure(caps: Caps) -> None:
    """Set the caps for this process (done wherever settings are loaded)."""
    global _current
    _current = caps


def current() -> Caps:
    return _current


def caps_from(settings: Any) -> Caps:
    """The caps a :class:`~quilltap_tui.config.Settings` asks for."""
    return Caps(
        request_deadline=float(settings.request_deadline),
        max_response_bytes=int(settings.max_response_mb * MIB),
        max_decoded_bytes=int(settings.max_response_mb * MIB),
        max_sse_line_bytes=min(Caps.max_sse_line_bytes, int(settings.max_response_mb * MIB)),
        max_tool_argument_bytes=int(settings.max_tool_argument_kb * 1024),
        max_image_pixels=int(settings.max_image_pixels),
    )


def size_text(count: int) -> str:
    return f"{count / MIB:g} MiB" if count >= MIB else f"{count / 1024:g} KiB" if count >= 1024 else f"{count} bytes"


def clip(text: str, cap: int) -> str:
    """``text`` cut to at most ``cap`` characters, marked as cut (for storing an over-long value)."""
    return text if len(text) <= cap else text[:cap] + f"... [cut: {len(text)} characters in all]"
