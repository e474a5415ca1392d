"""OpenAI partial images while generating or editing: ``stream: true`` with ``partial_images`` (0-3).

Wire (openai-python ``types/image_generate_params.py`` ``ImageGenerateParamsStreaming``,
``image_gen_partial_image_event.py``, ``image_gen_completed_event.py``, ``examples/image_stream.py``):
the answer is server-sent events, ``image_generation.partial_image`` (``b64_json``,
``partial_image_index``) some number of times (at most ``partial_images``; fewer when the image is quick),
then one ``image_generation.completed`` whose ``b64_json`` is the final image, with ``usage``.
Each partial goes to :func:`quilltap_tui.imagegen.progress.report_partial` and is then dropped; only
the completed event's image is returned (verified like any other), so only it is ever saved.
"""

from __future__ import annotations

import asyncio
from typing import Any

from quilltap_tui.errors import MalformedResponse, ProviderError
from quilltap_tui.imagegen import progress
from quilltap_tui.imagegen.providers.common import HttpImageProvider, ImagePayload, decode_b64, scrub, short
from quilltap_tui.imagegen.providers.streaming import stream_events
from quilltap_tui.imagegen.spec import ProviderCall
from quilltap_tui.redaction import redact

# Generations send image_generation.*, edits image_edit.* (image_edit_partial_image_event.py,
# image_edit_completed_event.py); the events are otherwise the same.
PARTIAL = frozenset({"image_generation.partial_image", "image_edit.partial_image"})
COMPLETED = frozenset({"image_generation.completed", "image_edit.completed"})


def wants_stream(call: ProviderCall) -> int:
    """How many partial images to ask for: the model's maximum when someone shows them, else 0.

    Only for a single image: ``n`` > 1 goes the ordinary way. Edits stream too (``images.edit`` takes
    ``stream`` and ``partial_images``: openai-python ``image_edit_params.py`` ``ImageEditParamsStreaming``).
    """
    if call.n != 1 or call.spec is None or not progress.partials_wanted():
        return 0
    return call.spec.partial_images


async def stream_final(
    provider: HttpImageProvider, url: str, body: dict[str, Any] | None = None, *, api_key: str | None,
    form: tuple[list[tuple[str, str]], list[tuple[str, Any]]] | None = None,
) -> tuple[ImagePayload, dict[str, Any]]:
    """Send ``body`` (JSON) or ``form`` (an edit's multipart), already holding ``stream`` and
    ``partial_images``; report partials; return the final."""
    async for event in stream_events(provider, url, api_key=api_key, body=body, form=form):
        data = event.json(provider.id)
        kind = data.get("type") if isinstance(data, dict) else None
        if kind in PARTIAL:
            partial_bytes = await asyncio.to_thread(decode_b64, data.get("b64_json"), provider.title)
            progress.report_partial(partial_bytes)
        elif kind in COMPLETED:
            final = await asyncio.to_thread(decode_b64, data.get("b64_json"), provider.title)
            return ImagePayload(data=final), scrub(data)
        elif kind == "error" or event.event == "error":
            raise _stream_error(data, provider.title, api_key)
    raise MalformedResponse(f"{provider.title}'s image stream ended before the final image; nothing was saved.")


def _stream_error(data: Any, title: str, api_key: str | None) -> ProviderError:
    detail = data.get("error") if isinstance(data, dict) else None
    message = detail.get("message") if isinstance(detail, dict) else None
    text = short(redact(message, (api_key,))) if isinstance(message, str) and message.strip() else "no reason given"
    return ProviderError(f"{title} stopped the image while generating it: {text.rstrip('.')}.")
