"""fal.ai through its queue: submit, watch the status (queue position), fetch the result, download the images.

Wire (fal-ai/fal-js ``src/queue.ts``, ``src/request.ts``, ``src/types/endpoints.ts``; provider-wire.md 2.6):
``POST {base}/{owner}/{app}[/{path}]`` with ``Authorization: Key …`` and the model input as the body
answers ``{"request_id", "status_url", "response_url", "cancel_url", "queue_position"}``. ``GET
status_url`` gives ``status`` IN_QUEUE (with ``queue_position``) → IN_PROGRESS → COMPLETED; ``GET
response_url`` gives ``{"images": [{"url", "width", "height", "content_type"}], "seed",
"has_nsfw_concepts"}``; ``PUT cancel_url`` cancels. The key goes only to URLs on the base URL's own
origin: a status or result URL elsewhere is refused. Errors are FastAPI-style ``{"detail": ...}``.
Edits go to an edit app (``fal-ai/flux-pro/kontext``: ``image_url``; ``fal-ai/flux-2-pro/edit``:
``image_urls``) with the references as data URIs, which fal's apps take inline (docs.fal.ai fal-cdn).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx2

from quilltap_tui.errors import ContentRefused, MalformedResponse, ProviderError, Timeout
from quilltap_tui.imagegen import progress
from quilltap_tui.imagegen.providers.common import HttpImageProvider, ImagePayload, list_of_dicts, scrub
from quilltap_tui.imagegen.providers.openai import count_warning
from quilltap_tui.imagegen.spec import InputImage, ProviderCall, ProviderResult
from quilltap_tui.net import json_body
from quilltap_tui.providers.fal import UNIT
from quilltap_tui.providers.status import ErrorFacts, error_from_facts, retry_after_seconds, retry_hint
from quilltap_tui.redaction import redact

TITLE = UNIT.sentence_name
POLL_SECONDS = 0.5
MAX_WAIT = 900.0


def build_request(call: ProviderCall) -> tuple[str, dict[str, Any]]:
    """The submit path (the model id is the app path) and the model input. Pure."""
    body: dict[str, Any] = {"prompt": call.prompt}
    if call.spec is None or call.spec.max_n > 1:  # fal-ai/flux-2-pro/edit has no num_images
        body["num_images"] = call.n
    if call.size:
        width, height = (int(x) for x in call.size.split("x"))
        body["image_size"] = {"width": width, "height": height}
    if call.aspect_ratio:  # the Kontext apps take aspect_ratio instead of image_size
        body["aspect_ratio"] = call.aspect_ratio
    if call.inputs is not None:
        # fal apps take file inputs as URLs, and data URIs inline (docs.fal.ai model-apis/fal-cdn): a model
        # taking one reference names it image_url (Kontext), one taking several image_urls (FLUX.2 edit).
        urls = [data_url(image) for image in call.inputs.images]
        single = call.spec is not None and call.spec.max_input_images == 1
        body.update({"image_url": urls[0]} if single else {"image_urls": urls})
    if call.seed is not None:
        body["seed"] = call.seed
    if call.negative_prompt is not None:
        body["negative_prompt"] = call.negative_prompt
    names = {"steps": "num_inference_steps"}  # our extra -> fal's input name
    body.update({names.get(key, key): value for key, value in call.extras.items()})
    return "/" + call.model.strip("/"), body


def data_url(image: InputImage) -> str:
    """``data:image/png;base64,…`` for one reference (never uploaded elsewhere: the key stays with fal's queue)."""
    return f"data:{image.mime_type};base64,{base64.b64encode(image.data).decode()}"


def parse_result(body: dict[str, Any]) -> tuple[list[ImagePayload], list[str], int | None]:
    """Links of the usable images, warnings for ones the safety checker blacked out, and the seed."""
    given = body.get("has_nsfw_concepts")
    flags: list[Any] = given if isinstance(given, list) else []
    images = list_of_dicts(body.get("images"))
    kept = [item for index, item in enumerate(images) if not (index < len(flags) and flags[index] is True)]
    if images and not kept:
        raise ContentRefused(f"{TITLE}'s safety checker flagged every image (they come back blacked out).",
                             provider=UNIT.id)
    if not images:
        raise MalformedResponse(f"{TITLE} answered without any image.")
    payloads = []
    for item in kept:
        if not isinstance(item.get("url"), str):
            raise MalformedResponse(f"{TITLE} returned an image entry without a url.")
        payloads.append(ImagePayload(url=item["url"]))
    dropped = len(images) - len(kept)
    warnings = [f"{TITLE}'s safety checker flagged {dropped} of the images; they were left out."] if dropped else []
    seed = body.get("seed")
    return payloads, warnings, seed if isinstance(seed, int) and not isinstance(seed, bool) else None


def status_note(status: dict[str, Any]) -> str | None:
    """"queue position N" or "running" from a status answer."""
    if status.get("status") == "IN_QUEUE":
        position = status.get("queue_position")
        return f"queue position {position}" if isinstance(position, int) else "queued"
    return "running" if status.get("status") == "IN_PROGRESS" else None


def classify_fal(response: httpx2.Response, *, provider: str = TITLE,
                 secrets: Iterable[str | None] = ()) -> ProviderError:
    """``{"detail": str}`` or 422 ``{"detail": [{"loc", "msg", "type"}]}``."""
    body = json_body(response)
    body = body if isinstance(body, dict) else {}
    detail = body.get("detail", body.get("message"))
    param = None
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        first = detail[0]
        loc = [str(part) for part in first.get("loc") or [] if part != "body"]
        param = loc[-1] if loc else None
        detail = f"{'.'.join(loc) or 'input'}: {first.get('msg', 'invalid')}"
    message = redact(str(detail) if detail else f"HTTP {response.status_code}", secrets)
    facts = ErrorFacts(status=response.status_code, message=message, param=param,
                       retry_after=retry_after_seconds(response.headers), retry_hint=retry_hint(response.headers),
                       bad_key=response.status_code in (401, 403) and "key" in message.lower())
    return error_from_facts(provider, facts, secrets=secrets)


class FalImages(HttpImageProvider):
    """fal.ai's queue API."""

    id = "fal"

    async def generate(self, call: ProviderCall, *, api_key: str | None, base_url: str) -> ProviderResult:
        """Submit, wait (reporting the queue position), fetch the result, download the images at once."""
        path, body = build_request(call)
        root = base_url.rstrip("/")
        queued = await self.request_json("POST", root + path, api_key=api_key, body=body)
        urls = {name: self._own_url(queued.get(name), root) for name in ("status_url", "response_url", "cancel_url")}
        try:
            await self._wait(urls["status_url"], api_key)
        except asyncio.CancelledError:
            await asyncio.shield(self._cancel(urls["cancel_url"], api_key))
            raise
        answer = await self.request_json("GET", urls["response_url"], api_key=api_key)
        payloads, warnings, seed = parse_result(answer)
        images = await self.images_from(lambda: payloads, limit=call.n, origin=base_url)
        if call.n == 1 and seed is not None:
            images[0] = replace(images[0], seed=seed)
        return ProviderResult(list(images), [*warnings, *count_warning(self.title, call.n, len(images))],
                              scrub(answer))

    def _own_url(self, value: Any, root: str) -> str:
        """A URL from the submit answer, only when it is on the base URL's origin (the key goes with it)."""
        if not isinstance(value, str) or not value:
            raise MalformedResponse(f"{TITLE} queued the request without its status, result and cancel URLs.")
        mine, given = urlsplit(root), urlsplit(value)
        if (given.scheme, given.netloc) != (mine.scheme, mine.netloc):
            raise MalformedResponse(f"{TITLE} pointed the request at another host ({given.netloc}); "
                                    "the key is not sent there.")
        return value

    async def _wait(self, status_url: str, api_key: str | None) -> None:
        sleep = self.sleep or asyncio.sleep
        started, last = time.monotonic(), None
        while True:
            status = await self.request_json("GET", status_url, api_key=api_key)
            if status.get("status") == "COMPLETED":
                return
            note = status_note(status)
            if note and note != last:
                progress.report(f"{TITLE}: {note}")
                last = note
            if time.monotonic() - started > MAX_WAIT:
                raise Timeout(f"{TITLE} did not finish within {MAX_WAIT / 60:.0f} minutes.", provider=self.id)
            await sleep(POLL_SECONDS)

    async def _cancel(self, cancel_url: str, api_key: str | None) -> None:
        # The user asked to stop; an unreachable server is no reason to keep waiting.
        with contextlib.suppress(httpx2.HTTPError):
            await self.client.put(cancel_url, headers=self.auth_headers(api_key))

    async def validate_key(self, *, api_key: str | None, base_url: str) -> None:
        """fal has no key endpoint: ask the status of a request that does not exist (404 means the key works)."""
        url = base_url.rstrip("/") + "/fal-ai/flux/requests/00000000-0000-0000-0000-000000000000/status"
        response = await self.client.get(url, headers=self.auth_headers(api_key))
        if response.status_code != 404 and response.status_code >= 400:
            raise self.classifier(response, provider=self.title, secrets=(api_key,))

    async def list_models(self, *, api_key: str | None, base_url: str) -> list[str]:
        """fal publishes no model list to an API key: the catalogue's table is what ``models`` shows."""
        return []
