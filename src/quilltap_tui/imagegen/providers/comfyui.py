"""ComfyUI (self-hosted): a workflow template filled per request, queued, watched, and its images fetched.

Wire (comfyanonymous/ComfyUI ``server.py`` and ``script_examples/basic_api_example.py``; provider-wire.md
2.10): ``POST /prompt {"prompt": graph, "client_id"}`` answers ``{"prompt_id", "number", "node_errors"}``
or 400 ``{"error": {type, message, details}, "node_errors": {id: {errors: [...]}}}``. Progress comes from
the server's WebSocket (:mod:`comfy_socket`: queue, running, sampler steps, done, errors); when the socket
cannot open or drops, it is polled: ``GET /queue`` says whether the prompt is running or where it waits,
``GET /history/{id}`` is ``{}`` until it finishes, then carries ``outputs`` (``images: [{filename,
subfolder, type}]``) and ``status``.
Images come from ``GET /view?filename&subfolder&type`` on the same server. Cancelling (Ctrl-C, esc)
deletes a waiting prompt from the queue or interrupts a running one. No key. An edit first uploads the
reference with ``POST /upload/image`` (multipart ``image``, ``type``, ``overwrite``; answers ``{"name",
"subfolder", "type"}``) and runs the edit workflow, whose ``LoadImage`` node takes it as ``{{image}}``.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx2

from quilltap_tui.errors import MalformedResponse, ProviderError, Timeout
from quilltap_tui.imagegen import progress
from quilltap_tui.imagegen.providers import comfy_socket, comfy_workflow
from quilltap_tui.imagegen.providers.common import HttpImageProvider, ImagePayload, list_of_dicts, scrub
from quilltap_tui.imagegen.providers.openai import count_warning
from quilltap_tui.imagegen.spec import ProviderCall, ProviderResult
from quilltap_tui.net import json_body
from quilltap_tui.providers.comfyui import UNIT
from quilltap_tui.providers.status import ErrorFacts, error_from_facts
from quilltap_tui.redaction import redact

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

TITLE = UNIT.sentence_name
POLL_SECONDS = 0.5
MAX_WAIT = 1800.0  # seconds a queued prompt may take before we give up (a big batch on a slow GPU)
DEFAULTS = {"steps": 20, "cfg": 7.0, "width": 1024, "height": 1024, "negative_prompt": "", "denoise": 0.75}
_SEED_MAX = 2**32 - 1  # what every sampler node takes; ComfyUI allows more, some nodes do not


def build_prompt(call: ProviderCall, graph: dict[str, Any], client_id: str,
                 uploaded: str = "") -> tuple[dict[str, Any], int]:
    """The ``POST /prompt`` body for one call and the seed it uses. Pure apart from a random seed.

    ``uploaded``: for an edit, the reference as ``POST /upload/image`` named it (``{{image}}``).
    """
    seed = call.seed if call.seed is not None else random.randint(0, _SEED_MAX)
    width, height = (int(x) for x in (call.size or "x".join(str(DEFAULTS[k]) for k in ("width", "height"))).split("x"))
    values = {
        "prompt": call.prompt, "negative_prompt": call.negative_prompt or DEFAULTS["negative_prompt"],
        "width": width, "height": height, "seed": seed, "batch_size": call.n, "model": call.model,
        "steps": call.extras.get("steps", DEFAULTS["steps"]), "cfg": call.extras.get("guidance_scale", DEFAULTS["cfg"]),
        "image": uploaded, "denoise": call.extras.get("denoising_strength", DEFAULTS["denoise"]),
    }
    return {"prompt": comfy_workflow.fill(graph, values), "client_id": client_id}, seed


def upload_name(answer: dict[str, Any]) -> str:
    """The ``LoadImage`` value for an upload: ``subfolder/name`` (ComfyUI ``folder_paths.annotated_filepath``)."""
    name, subfolder = answer.get("name"), answer.get("subfolder") or ""
    if not isinstance(name, str) or not name:
        raise MalformedResponse(f"{TITLE} took the reference image without saying its name.")
    return f"{subfolder}/{name}" if isinstance(subfolder, str) and subfolder else name


def queue_note(queue: dict[str, Any], prompt_id: str) -> str | None:
    """"running" or "waiting in the queue (N ahead)" for ``prompt_id`` from ``GET /queue``; None when absent."""
    running = [item for item in queue.get("queue_running") or [] if isinstance(item, list) and len(item) > 1]
    if any(item[1] == prompt_id for item in running):
        return "running"
    pending = sorted((item for item in queue.get("queue_pending") or [] if isinstance(item, list) and len(item) > 1),
                     key=lambda item: item[0] if isinstance(item[0], int | float) else 0)
    for index, item in enumerate(pending):
        if item[1] == prompt_id:
            return f"waiting in the queue ({index + len(running)} ahead)"
    return None


def parse_history(body: dict[str, Any], prompt_id: str) -> list[ImagePayload] | None:
    """The images of a finished prompt (links to ``/view``), None while it has not finished."""
    entry = body.get(prompt_id)
    if not isinstance(entry, dict):
        return None
    given = entry.get("status")
    status: dict[str, Any] = given if isinstance(given, dict) else {}
    if status.get("status_str") == "error":
        raise MalformedResponse(f"{TITLE} could not run the workflow: {_execution_error(status)}")
    if status and not status.get("completed", True):
        return None
    found = []
    for output in (entry.get("outputs") or {}).values():
        found += [item for item in list_of_dicts(output.get("images") if isinstance(output, dict) else None)
                  if isinstance(item.get("filename"), str)]
    saved = [item for item in found if item.get("type") == "output"] or found  # previews only when no save node
    if not saved:
        raise MalformedResponse(f"{TITLE} finished the workflow without any image (does it have a SaveImage node?).")
    return [ImagePayload(url="/view?" + urlencode({"filename": item["filename"], "subfolder": item.get("subfolder", ""),
                                                   "type": item.get("type", "output")})) for item in saved]


def _execution_error(status: dict[str, Any]) -> str:
    for message in status.get("messages") or []:
        if isinstance(message, list) and len(message) == 2 and message[0] == "execution_error":
            data = message[1] if isinstance(message[1], dict) else {}
            node = data.get("node_type") or data.get("node_id") or "a node"
            return f"{node}: {str(data.get('exception_message') or 'failed').strip()}"
    return "it stopped with an error."


def classify_comfyui(response: httpx2.Response, *, provider: str = TITLE,
                     secrets: Iterable[str | None] = ()) -> ProviderError:
    """``{"error": {type, message, details}, "node_errors": {...}}`` or ``{"error": "no prompt"}``."""
    body = json_body(response)
    body = body if isinstance(body, dict) else {}
    err = body.get("error")
    err = err if isinstance(err, dict) else {"message": err} if isinstance(err, str) else {}
    message = str(err.get("message") or f"HTTP {response.status_code}").rstrip(". ")
    details = _node_error(body.get("node_errors")) or str(err.get("details") or "")
    if details:
        message = f"{message}: {details}"
    if response.status_code == 403:
        message += " (ComfyUI refuses a browser Origin that differs from its host; check --listen and the base URL)"
    facts = ErrorFacts(status=response.status_code, message=redact(message, secrets), reason=_str(err.get("type")))
    return error_from_facts(provider, facts, secrets=secrets)


def _node_error(node_errors: Any) -> str:
    if not isinstance(node_errors, dict):
        return ""
    for node_id, node in node_errors.items():
        errors = list_of_dicts(node.get("errors") if isinstance(node, dict) else None)
        if errors:
            first = errors[0]
            what = " ".join(str(first.get(k) or "") for k in ("message", "details")).strip()
            return f"node {node_id} ({node.get('class_type', '?')}) {what}"
    return ""


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class ComfyUIImages(HttpImageProvider):
    """A ComfyUI server running the profile's workflow (or the bundled text-to-image one)."""

    id = "comfyui"

    async def generate(self, call: ProviderCall, *, api_key: str | None, base_url: str) -> ProviderResult:
        """Queue the filled workflow, wait for it (reporting progress), fetch its images from ``/view``."""
        root = base_url.rstrip("/")
        edit = call.inputs is not None
        graph = await asyncio.to_thread(comfy_workflow.load_template,
                                        call.extras.get("edit_workflow" if edit else "workflow"), edit=edit)
        uploaded = await self._upload(root, call, api_key) if edit else ""
        client_id = uuid.uuid4().hex
        body, seed = build_prompt(call, graph, client_id, uploaded)
        # The socket is opened before queueing, so no event of our prompt comes before we listen.
        async with comfy_socket.opened(root, client_id, self.auth_headers(api_key)) as socket:
            queued = await self.request_json("POST", root + "/prompt", api_key=api_key, body=body)
            prompt_id = queued.get("prompt_id")
            if not isinstance(prompt_id, str) or not prompt_id:
                raise MalformedResponse(f"{TITLE} accepted the workflow without a prompt_id.")
            try:
                payloads, history = await self._wait(root, prompt_id, api_key, socket)
            except asyncio.CancelledError:
                await asyncio.shield(self._cancel(root, prompt_id, api_key))
                raise
        images = await self.images_from(lambda: [replace(p, url=root + (p.url or "")) for p in payloads],
                                        limit=call.n, origin=base_url)
        # The seed reproduces an image only when it was alone in its batch and the workflow took our seed.
        known = call.n == 1 and comfy_workflow.uses(graph, "seed")
        seeded = [replace(image, seed=seed if known else None) for image in images]
        return ProviderResult(seeded, count_warning(self.title, call.n, len(seeded)), scrub(history))

    async def _upload(self, root: str, call: ProviderCall, api_key: str | None) -> str:
        """Put the reference in the server's input folder (``POST /upload/image``, multipart ``image``).

        The name is the bytes' hash, with ``overwrite``: the same reference is one file however often it is
        edited, and never replaces a different image of the user's.
        """
        assert call.inputs is not None
        image = call.inputs.images[0]
        name = f"quilltap-{hashlib.sha256(image.data).hexdigest()[:20]}.{image.extension}"
        answer = await self.request_multipart(root + "/upload/image", api_key=api_key,
                                              fields=[("type", "input"), ("overwrite", "true")],
                                              files=[("image", (name, image.data, image.mime_type))])
        return upload_name(answer)

    async def _wait(self, root: str, prompt_id: str, api_key: str | None,
                    socket: ClientConnection | None) -> tuple[list[ImagePayload], Any]:
        """Follow the prompt on the socket when there is one; poll when there is none or it dropped."""
        started, last = time.monotonic(), None
        if socket is not None:
            try:
                async with asyncio.timeout(MAX_WAIT):
                    outcome = await comfy_socket.follow(socket, prompt_id, TITLE)
            except TimeoutError:
                raise Timeout(f"{TITLE} did not finish the workflow within {MAX_WAIT / 60:.0f} minutes.",
                              provider=self.id) from None
            if outcome.done:
                history = await self.request_json("GET", f"{root}/history/{prompt_id}", api_key=api_key)
                payloads = parse_history(history, prompt_id)
                if payloads is not None:
                    return payloads, history
        sleep = self.sleep or asyncio.sleep
        while True:
            history = await self.request_json("GET", f"{root}/history/{prompt_id}", api_key=api_key)
            payloads = parse_history(history, prompt_id)
            if payloads is not None:
                return payloads, history
            note = queue_note(await self.request_json("GET", root + "/queue", api_key=api_key), prompt_id)
            if note and note != last:
                progress.report(f"{TITLE}: {note}")
                last = note
            if time.monotonic() - started > MAX_WAIT:
                raise Timeout(f"{TITLE} did not finish the workflow within {MAX_WAIT / 60:.0f} minutes.",
                              provider=self.id)
            await sleep(POLL_SECONDS)

    async def _cancel(self, root: str, prompt_id: str, api_key: str | None) -> None:
        """Take the prompt off the queue, or interrupt it when it is the one running (best effort)."""
        try:
            queue = await self.request_json("GET", root + "/queue", api_key=api_key)
            if queue_note(queue, prompt_id) == "running":
                await self.request_json("POST", root + "/interrupt", api_key=api_key, body={"prompt_id": prompt_id})
            else:
                await self.request_json("POST", root + "/queue", api_key=api_key, body={"delete": [prompt_id]})
        except (ProviderError, httpx2.HTTPError):
            pass  # the user asked to stop; a server that cannot be told is not a reason to keep waiting

    async def validate_key(self, *, api_key: str | None, base_url: str) -> None:
        """``GET /system_stats``: ComfyUI takes no key; this says the server is there."""
        await self.request_json("GET", base_url.rstrip("/") + "/system_stats", api_key=api_key)

    async def list_models(self, *, api_key: str | None, base_url: str) -> list[str]:
        """The checkpoints the server has (``GET /models/checkpoints``, a list of file names)."""
        client = self.client
        response = await client.get(base_url.rstrip("/") + "/models/checkpoints", headers=self.auth_headers(api_key))
        if response.status_code >= 400:
            raise self.classifier(response, provider=self.title, secrets=(api_key,))
        names = json_body(response)
        if not isinstance(names, list):
            raise MalformedResponse(f"{TITLE} answered the checkpoint list with something that is not a list.")
        return [name for name in names if isinstance(name, str)]
