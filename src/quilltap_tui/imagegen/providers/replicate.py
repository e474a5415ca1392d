"""Replicate: ``POST {base}/models/{owner}/{name}/predictions`` with ``Prefer: wait``, then polling.

Wire (replicate/replicate-javascript ``lib/predictions.js``, ``index.d.ts``; provider-wire.md 1.2, 2.7):
the body is ``{"input": {...}}``; ``Prefer: wait=60`` holds the answer until the prediction finishes or
the wait runs out (an unfinished prediction comes back as is). A prediction is ``{id, status, output,
error, urls: {get, cancel}}`` with ``status`` starting, processing, succeeded, failed, canceled or
aborted; ``output`` is a URL or a list of URLs (they expire: downloaded at once, without the key). The key
goes only to ``urls.get``/``urls.cancel`` on the base URL's own origin. Errors are problem+json
``{"title", "detail", "status"}``; a failed prediction is a 200 with ``error``. Edits go to a model that
takes ``input_image`` (``black-forest-labs/flux-kontext-pro``) with the reference as a data URI.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpx2

from quilltap_tui import net
from quilltap_tui.errors import ContentRefused, MalformedResponse, ProviderError, Timeout, Unavailable
from quilltap_tui.imagegen import progress
from quilltap_tui.imagegen.providers.common import HttpImageProvider, ImagePayload, scrub
from quilltap_tui.imagegen.providers.openai import count_warning
from quilltap_tui.imagegen.spec import ProviderCall, ProviderResult
from quilltap_tui.net import json_body
from quilltap_tui.providers.replicate import UNIT
from quilltap_tui.providers.status import ErrorFacts, error_from_facts, retry_after_seconds, retry_hint
from quilltap_tui.redaction import redact

TITLE = UNIT.sentence_name
POLL_SECONDS = 1.0
MAX_WAIT = 900.0
WAIT_SECONDS = 60  # the longest Prefer: wait Replicate honours
_NSFW = ("nsfw", "safety", "sensitive")


def build_request(call: ProviderCall) -> tuple[str, dict[str, Any]]:
    """The predictions path of the model and ``{"input": ...}`` in the FLUX-style input names. Pure."""
    model_input: dict[str, Any] = {"prompt": call.prompt}
    if call.spec is None or call.spec.max_n > 1:  # FLUX Kontext makes one image and has no num_outputs
        model_input["num_outputs"] = call.n
    if call.inputs is not None:
        # The reference as a data URI, as replicate-javascript sends files (up to 10 MB) without its file store.
        image = call.inputs.images[0]
        model_input["input_image"] = f"data:{image.mime_type};base64,{base64.b64encode(image.data).decode()}"
    if call.aspect_ratio:
        model_input["aspect_ratio"] = call.aspect_ratio
    if call.seed is not None:
        model_input["seed"] = call.seed
    names = {"steps": "num_inference_steps", "guidance_scale": "guidance"}
    model_input.update({names.get(key, key): value for key, value in call.extras.items()})
    return f"/models/{call.model.strip('/')}/predictions", {"input": model_input}


def parse_output(prediction: dict[str, Any]) -> list[ImagePayload] | None:
    """The output links once succeeded, None while running; failure and cancellation raise."""
    status = prediction.get("status")
    if status == "succeeded":
        output = prediction.get("output")
        urls = [output] if isinstance(output, str) else output if isinstance(output, list) else []
        links = [ImagePayload(url=url) for url in urls if isinstance(url, str) and url]
        if not links:
            raise MalformedResponse(f"{TITLE} answered without any image.")
        return links
    if status == "failed":
        error = str(prediction.get("error") or "no reason given")
        if any(word in error.lower() for word in _NSFW):
            raise ContentRefused(f"{TITLE} refused the request: {error}", provider=UNIT.id)
        raise Unavailable(f"{TITLE}'s prediction failed: {error}", provider=UNIT.id)
    if status in ("canceled", "aborted"):
        raise Unavailable(f"{TITLE}'s prediction was {status}.", provider=UNIT.id)
    return None


def classify_replicate(response: httpx2.Response, *, provider: str = TITLE,
                       secrets: Iterable[str | None] = ()) -> ProviderError:
    """problem+json ``{"title", "detail", "status"}`` (422 names the input in ``invalid_fields``)."""
    body = json_body(response)
    body = body if isinstance(body, dict) else {}
    detail = body.get("detail") or body.get("title")
    facts = ErrorFacts(status=response.status_code,
                       message=redact(str(detail) if detail else f"HTTP {response.status_code}", secrets),
                       retry_after=retry_after_seconds(response.headers), retry_hint=retry_hint(response.headers))
    return error_from_facts(provider, facts, secrets=secrets)


class ReplicateImages(HttpImageProvider):
    """Replicate's predictions API for official (model-addressed) image models."""

    id = "replicate"

    async def generate(self, call: ProviderCall, *, api_key: str | None, base_url: str) -> ProviderResult:
        root = base_url.rstrip("/")
        path, body = build_request(call)
        prediction = await self._send(root + path, api_key, body)
        given = prediction.get("urls")
        urls: dict[str, Any] = given if isinstance(given, dict) else {}
        try:
            payloads = parse_output(prediction)
            if payloads is None:
                prediction, payloads = await self._poll(self._own(urls.get("get"), root), api_key)
        except asyncio.CancelledError:
            await asyncio.shield(self._cancel(urls.get("cancel"), root, api_key))
            raise
        images = await self.images_from(lambda: payloads, limit=call.n, origin=base_url)
        return ProviderResult(images, count_warning(self.title, call.n, len(images)), scrub(prediction))

    async def _send(self, url: str, api_key: str | None, body: dict[str, Any]) -> dict[str, Any]:
        client = self.client
        headers = {**self.auth_headers(api_key), "Prefer": f"wait={WAIT_SECONDS}"}
        response = await net.send_with_retries(
            client, lambda: client.build_request("POST", url, headers=headers, json=body),
            classify=lambda r: self.classifier(r, provider=self.title, secrets=(api_key,)),
            max_retries=self.max_retries, max_total_wait=self.max_total_wait, sleep=self.sleep,
            on_retry=self.on_retry, provider=self.title)
        answer = json_body(response)
        if not isinstance(answer, dict):
            raise MalformedResponse(f"{TITLE} answered with something that is not a JSON object.")
        return answer

    def _own(self, url: Any, root: str) -> str:
        if not isinstance(url, str) or not url:
            raise MalformedResponse(f"{TITLE} left the prediction running without a URL to follow it.")
        if urlsplit(url)[:2] != urlsplit(root)[:2]:
            raise MalformedResponse(f"{TITLE} pointed the prediction at another host ({urlsplit(url).netloc}); "
                                    "the key is not sent there.")
        return url

    async def _poll(self, url: str, api_key: str | None) -> tuple[dict[str, Any], list[ImagePayload]]:
        sleep = self.sleep or asyncio.sleep
        started, last = time.monotonic(), None
        while True:
            prediction = await self.request_json("GET", url, api_key=api_key)
            payloads = parse_output(prediction)
            if payloads is not None:
                return prediction, payloads
            note = str(prediction.get("status") or "waiting")
            if note != last:
                progress.report(f"{TITLE}: {note}")
                last = note
            if time.monotonic() - started > MAX_WAIT:
                raise Timeout(f"{TITLE} did not finish within {MAX_WAIT / 60:.0f} minutes.", provider=self.id)
            await sleep(POLL_SECONDS)

    async def _cancel(self, url: Any, root: str, api_key: str | None) -> None:
        with contextlib.suppress(httpx2.HTTPError, MalformedResponse):
            await self.client.post(self._own(url, root), headers=self.auth_headers(api_key))

    async def validate_key(self, *, api_key: str | None, base_url: str) -> None:
        """``GET /account``: 401 for a bad token."""
        await self.request_json("GET", base_url.rstrip("/") + "/account", api_key=api_key)

    async def list_models(self, *, api_key: str | None, base_url: str) -> list[str]:
        """Replicate's catalogue is open-ended: ``models`` shows the built-in official image models."""
        return []
