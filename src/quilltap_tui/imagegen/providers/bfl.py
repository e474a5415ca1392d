"""Black Forest Labs FLUX: ``POST {base}/{model}``, poll the returned ``polling_url``, download the sample.

Wire (BFL's Python SDK and docs.bfl.ai get-result; provider-wire.md 1.1, 1.2, 2.5): the key goes in
``x-key``; submit answers ``{"id", "polling_url"}``; ``GET polling_url`` answers ``{"id", "status",
"result", "progress"}`` with ``status`` Pending, Ready, Request Moderated, Content Moderated, Error or Task
not found; when Ready, ``result.sample`` is a signed link valid for 10 minutes (downloaded at once, without
the key) and ``result.seed`` the seed. One image per task. The polling URL may be a regional host
(``api.eu.bfl.ai``): the key goes to the base URL's host or another host of the same parent domain, never
elsewhere. BFL offers no cancel call: a cancelled wait stops polling and the task runs out at BFL.
Edits are the same call with ``input_image`` … ``input_image_8`` (up to 8 references on pro, max and flex,
4 on klein: docs.bfl.ai guides/prompting_editing_overview); BFL has no mask on FLUX.2.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx2

from quilltap_tui.errors import ContentRefused, MalformedResponse, ProviderError, Timeout, Unavailable
from quilltap_tui.imagegen import progress
from quilltap_tui.imagegen.providers.common import HttpImageProvider, ImagePayload, scrub
from quilltap_tui.imagegen.spec import ProviderCall, ProviderResult
from quilltap_tui.net import json_body
from quilltap_tui.providers.bfl import UNIT
from quilltap_tui.providers.status import ErrorFacts, error_from_facts, retry_after_seconds, retry_hint
from quilltap_tui.redaction import redact

TITLE = UNIT.sentence_name
POLL_SECONDS = 0.5
MAX_WAIT = 600.0
_MODERATED = ("Request Moderated", "Content Moderated")


def build_request(call: ProviderCall) -> tuple[str, dict[str, Any]]:
    """The submit path (the model) and body. Pure."""
    body: dict[str, Any] = {"prompt": call.prompt}
    if call.size:
        width, height = (int(x) for x in call.size.split("x"))
        body.update(width=width, height=height)
    if call.seed is not None:
        body["seed"] = call.seed
    names = {"guidance_scale": "guidance"}  # our extra -> BFL's field (flex)
    body.update({names.get(key, key): value for key, value in call.extras.items()})
    if call.inputs is not None:
        # An edit is the same call with references: input_image, input_image_2 ... input_image_8, each
        # the image's base64 (docs.bfl.ai FLUX.2 editing; BFL takes raw base64 or a URL, no data: prefix).
        for index, image in enumerate(call.inputs.images, start=1):
            body["input_image" if index == 1 else f"input_image_{index}"] = base64.b64encode(image.data).decode()
    return "/" + call.model.strip("/"), body


def parse_poll(body: dict[str, Any]) -> tuple[ImagePayload, int | None] | None:
    """The sample link and seed when Ready, None while Pending; moderation and errors raise."""
    status = body.get("status")
    if status in _MODERATED:
        details = body.get("details")
        why = f" ({', '.join(str(v) for v in details.get('Moderation Reasons', []))})" \
            if isinstance(details, dict) and details.get("Moderation Reasons") else ""
        raise ContentRefused(f"{TITLE} refused the request: {str(status).lower()}{why}.", provider=UNIT.id)
    if status == "Ready":
        result = body.get("result") if isinstance(body.get("result"), dict) else {}
        sample = result.get("sample") if isinstance(result, dict) else None
        if not isinstance(sample, str) or not sample:
            raise MalformedResponse(f"{TITLE} said the image is ready but gave no sample link.")
        seed = result.get("seed") if isinstance(result, dict) else None
        return ImagePayload(url=sample), seed if isinstance(seed, int) and not isinstance(seed, bool) else None
    if status == "Error":
        raise Unavailable(f"{TITLE} could not make the image (status Error).", provider=UNIT.id)
    if status == "Task not found":
        raise MalformedResponse(f"{TITLE} no longer knows the task (Task not found).", provider=UNIT.id)
    return None


def key_may_go(url: str, root: str) -> bool:
    """The polling URL is on the base URL's origin, or an https host under the same parent domain."""
    given, mine = urlsplit(url), urlsplit(root)
    if (given.scheme, given.netloc) == (mine.scheme, mine.netloc):
        return True
    parent = (mine.hostname or "").split(".", 1)[-1]
    return given.scheme == "https" and "." in parent and (given.hostname or "").endswith("." + parent)


def classify_bfl(response: httpx2.Response, *, provider: str = TITLE,
                 secrets: Iterable[str | None] = ()) -> ProviderError:
    """``{"detail": ...}`` (FastAPI), or 429 ``{"error", "message", "retry_after"}``; 402 is no credits."""
    body = json_body(response)
    body = body if isinstance(body, dict) else {}
    detail = body.get("message") or body.get("detail") or body.get("error")
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        detail = f"{'.'.join(str(p) for p in detail[0].get('loc', []) if p != 'body')}: {detail[0].get('msg')}"
    wait = body.get("retry_after")
    facts = ErrorFacts(
        status=response.status_code,
        message=redact(str(detail) if detail else f"HTTP {response.status_code}", secrets),
        retry_after=float(wait) if isinstance(wait, int | float) and not isinstance(wait, bool)
        else retry_after_seconds(response.headers),
        retry_hint=retry_hint(response.headers),
        bad_key=response.status_code in (401, 403),
    )
    return error_from_facts(provider, facts, secrets=secrets)


class BflImages(HttpImageProvider):
    """Black Forest Labs' asynchronous API."""

    id = "bfl"

    async def generate(self, call: ProviderCall, *, api_key: str | None, base_url: str) -> ProviderResult:
        """Submit one task, poll it (reporting progress), download its sample at once."""
        root = base_url.rstrip("/")
        path, body = build_request(call)
        task = await self.request_json("POST", root + path, api_key=api_key, body=body)
        polling_url = task.get("polling_url")
        if not isinstance(polling_url, str) or not polling_url:
            raise MalformedResponse(f"{TITLE} accepted the task without a polling_url.")
        if not key_may_go(polling_url, root):
            raise MalformedResponse(f"{TITLE} pointed the task at another host ({urlsplit(polling_url).netloc}); "
                                    "the key is not sent there.")
        answer, (payload, seed) = await self._wait(polling_url, api_key)
        images = await self.images_from(lambda: [payload], limit=1, origin=base_url)
        seeded = [replace(image, seed=seed) for image in images]
        return ProviderResult(seeded, [], scrub(answer))

    async def _wait(self, url: str, api_key: str | None) -> tuple[dict[str, Any], tuple[ImagePayload, int | None]]:
        sleep = self.sleep or asyncio.sleep
        started, last = time.monotonic(), None
        while True:
            answer = await self.request_json("GET", url, api_key=api_key)
            ready = parse_poll(answer)
            if ready is not None:
                return answer, ready
            done = answer.get("progress")
            note = f"running ({done * 100:.0f}%)" if isinstance(done, int | float) and done > 0 else "pending"
            if note != last:
                progress.report(f"{TITLE}: {note}")
                last = note
            if time.monotonic() - started > MAX_WAIT:
                raise Timeout(f"{TITLE} did not finish within {MAX_WAIT / 60:.0f} minutes.", provider=self.id)
            await sleep(POLL_SECONDS)

    async def validate_key(self, *, api_key: str | None, base_url: str) -> None:
        """Ask for a task that does not exist: a good key gets "Task not found", a bad one 401/403."""
        await self.request_json("GET", base_url.rstrip("/") + "/get_result", api_key=api_key,
                                params={"id": "00000000-0000-0000-0000-000000000000"})

    async def list_models(self, *, api_key: str | None, base_url: str) -> list[str]:
        """BFL has no model list endpoint: ``models`` shows the catalogue's."""
        return []
