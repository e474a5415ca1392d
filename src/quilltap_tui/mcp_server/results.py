"""What a tool call gives back besides ``generate --json``: previews, a short summary, error sentences.

Previews are small on purpose: Claude Desktop refuses a tool result over 1 MiB and Claude Code caps
tool output, so each image travels as at most 512 px on its long side and at most 200 KB, never as
the full file (that is the resource ``quilltap://images/<id>``). Blocking work: call these from a
worker thread.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quilltap_tui.errors import QuilltapError, VaultLocked
from quilltap_tui.secrets.file_vault import LOCKED_MESSAGE
from quilltap_tui.textsafe import inert

if TYPE_CHECKING:
    from quilltap_tui.services.generation import GenerationOutcome

PREVIEW_MAX_SIDE = 512
PREVIEW_MAX_BYTES = 200_000
IMAGE_URI_PREFIX = "quilltap://images/"
_JPEG_QUALITIES = (85, 72, 60, 45, 30)

UNLOCK_HINT = (
    "this MCP server never prompts for a passphrase. Unlock it in one of three ways: set "
    "QUILLTAP_VAULT_PASSPHRASE in the server's environment (the \"env\" of the client's MCP configuration), "
    "keep the keys in the OS keyring (QUILLTAP_VAULT=keyring), or use environment keys "
    "(QUILLTAP_VAULT=env with the provider's variable, such as OPENAI_API_KEY)."
)


def image_uri(image_id: str) -> str:
    return IMAGE_URI_PREFIX + image_id


def make_preview(path: Path) -> tuple[bytes, str]:
    """``(bytes, mime type)`` of a preview of the image at ``path`` within the size limits."""
    from PIL import Image

    with Image.open(path) as source:
        source.load()
        image = source.copy()
    image.thumbnail((PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE), Image.Resampling.LANCZOS)
    while True:
        found = _encode_small(image)
        if found is not None:
            return found
        # Still too big at the lowest quality (noise-like content): halve the size and try again.
        image = image.resize((max(1, image.width // 2), max(1, image.height // 2)), Image.Resampling.LANCZOS)


def _encode_small(image: Any) -> tuple[bytes, str] | None:
    transparent = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if transparent:
        data = _save(image.convert("RGBA"), "PNG")
        if len(data) <= PREVIEW_MAX_BYTES:
            return data, "image/png"
        for quality in _JPEG_QUALITIES:  # WebP keeps the transparency that JPEG would lose
            data = _save(image.convert("RGBA"), "WEBP", quality=quality)
            if len(data) <= PREVIEW_MAX_BYTES:
                return data, "image/webp"
        return None
    rgb = image.convert("RGB")
    for quality in _JPEG_QUALITIES:
        data = _save(rgb, "JPEG", quality=quality, optimize=True)
        if len(data) <= PREVIEW_MAX_BYTES:
            return data, "image/jpeg"
    return None


def _save(image: Any, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def summary(outcome: GenerationOutcome) -> str:
    """A few lines for the LLM and the user: what was made, where, and what was adjusted."""
    count = len(outcome.images)
    lines = [
        f'Made {count} image{"s" if count != 1 else ""} with the image profile "{outcome.profile}" '
        f"({outcome.provider} {outcome.model}); the user's gallery has them."
    ]
    for image in outcome.images:
        lines.append(
            f"- {image.id}: {image.width}x{image.height} {image.mime_type}, {image_uri(image.id)}, {image.path}"
        )
        if image.revised_prompt:
            lines.append(f"  revised prompt: {image.revised_prompt}")
    if outcome.inputs:
        lines.append("made from: " + ", ".join(i.id or i.path for i in outcome.inputs))
    lines.extend(f"warning: {warning}" for warning in outcome.warnings)
    return inert("\n".join(lines))


def error_text(exc: QuilltapError) -> str:
    """The command line's one sentence for ``exc`` (what ``quilltap-tui generate`` prints after its prefix).

    A locked vault says how to unlock it without a terminal, since a terminal prompt is the one way
    the command line offers that an MCP server cannot.
    """
    message = str(exc)
    if isinstance(exc, VaultLocked):
        message = ("The key vault is locked: " + UNLOCK_HINT) if message == LOCKED_MESSAGE else (
            f"{message.rstrip('.')}; {UNLOCK_HINT}"
        )
    return inert(message, keep_newlines=False)
