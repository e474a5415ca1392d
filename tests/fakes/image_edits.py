"""The edit endpoints of the image fakes: exactly what each real API accepts, and its refusals for the rest.

- OpenAI ``POST /v1/images/edits``: ``multipart/form-data`` as openai-python's ``images.edit`` sends it
  (``image`` or repeated ``image[]`` file parts, 1 to 16, PNG/JPEG/WebP; ``mask`` a PNG the size of the
  first image; ``markup`` a PNG on gpt-image-2.6 only; every other option a form field from
  ``image_edit_params.py``: anything else is 400 ``unknown_parameter``). dall-e-3 cannot edit. ``stream``
  ``true`` (with ``partial_images``) answers server-sent ``image_edit.partial_image`` events, then
  ``image_edit.completed`` (openai-python ``image_edit_stream_event.py``).
- xAI ``POST /v1/images/edits``: JSON only; ``image`` or ``images`` (never both) of ``{"url": ...}``
  (data URL or link), at most 3 (1.0) or 5 (2.0) references of PNG/JPEG/WebP up to 10 MiB.
- Gemini: ``inlineData`` parts next to the text part, at most 14, PNG/JPEG/WebP (checked in
  :meth:`FakeGoogle._validate_content` through :func:`check_inline_parts`).

Every accepted reference is recorded in ``server.edit_inputs`` (one list per request: mime, size).
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from PIL import Image

from tests.fakes.server import Recorded, Reply

INPUT_MIMES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
OPENAI_EDIT_FIELDS = frozenset({
    "prompt", "model", "n", "size", "quality", "background", "output_format", "output_compression",
    "input_fidelity", "partial_images", "response_format", "stream", "user",
    "complexity",  # gpt-image-2.6 (checked by the generation rules)
})
XAI_EDIT_FIELDS = frozenset({"model", "prompt", "n", "response_format", "aspect_ratio", "resolution", "quality",
                             "user", "image", "images"})
XAI_MAX_REFS = {"grok-imagine-image-2.0": 5}
XAI_MAX_BYTES = 10 * 1024 * 1024
GEMINI_MAX_REFS = 14


def image_facts(data: bytes) -> tuple[str, int, int] | None:
    """(mime, width, height) of PNG/JPEG/WebP bytes, or None for anything else."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            mime = INPUT_MIMES.get(image.format or "")
            return (mime, *image.size) if mime else None
    except Exception:
        return None


def parse_multipart(request: Recorded) -> tuple[list[tuple[str, str]], list[tuple[str, str, str, bytes]]] | None:
    """(form fields, files as (part name, file name, content type, bytes)), or None when not multipart."""
    kind = request.headers.get("content-type", "")
    if not kind.startswith("multipart/form-data"):
        return None
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + kind.encode() + b"\r\n\r\n" + request.body)
    fields: list[tuple[str, str]] = []
    files: list[tuple[str, str, str, bytes]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if filename is None:
            fields.append((str(name), payload.decode()))
        else:
            files.append((str(name), filename, part.get_content_type(), payload))
    return fields, files


def openai_edit(server: Any, request: Recorded) -> Reply:
    """``POST /v1/images/edits`` on the OpenAI fake."""
    from tests.fakes.image_servers import openai_error

    problem = server.auth_error(request)
    if problem:
        return problem
    parsed = parse_multipart(request)
    if parsed is None:
        return openai_error(400, "This endpoint takes multipart/form-data with image files (or JSON images).",
                            param="image")
    fields, files = parsed
    body: dict[str, Any] = {}
    for name, value in fields:
        if name not in OPENAI_EDIT_FIELDS:
            return openai_error(400, f"Unknown parameter: '{name}'.", code="unknown_parameter", param=name)
        body[name] = int(value) if name in ("n", "output_compression", "partial_images") else value
        if name == "stream":  # a form field's text; openai-python sends the JSON word
            body[name] = {"true": True, "false": False}.get(value, value)
    if not body.get("prompt"):
        return openai_error(400, "Missing required parameter: 'prompt'.", code="missing_required_parameter",
                            param="prompt")
    model = str(body.get("model", "gpt-image-1.5"))
    if model == "dall-e-3":
        return openai_error(400, "Invalid model dall-e-3. The model must be dall-e-2 or a GPT image model.",
                            code="invalid_value", param="model")
    refs, extras = _openai_files(files)
    if isinstance(refs, Reply):
        return refs
    problem = server._validate({**body, "model": model}) or _check_extras(model, refs, extras)
    if problem:
        return problem
    server.edit_inputs.append([(mime, w, h) for mime, w, h, _ in refs])
    first = refs[0]
    if body.get("size", "auto") == "auto":
        body["size"] = f"{first[1]}x{first[2]}"
    if body.get("stream") is True:  # image_edit.partial_image events, then image_edit.completed
        return server._stream(body, model, str(body["prompt"]), kind="image_edit")
    return Reply(json=server._images(body, model, str(body["prompt"]), model.startswith("dall-e")))


def _openai_files(files: list[tuple[str, str, str, bytes]]) -> tuple[Any, dict[str, tuple[str, int, int]]]:
    from tests.fakes.image_servers import openai_error

    refs: list[tuple[str, int, int, bytes]] = []
    extras: dict[str, tuple[str, int, int]] = {}
    for name, _filename, _ctype, data in files:
        facts = image_facts(data)
        if name not in ("image", "image[]", "mask", "markup"):
            return openai_error(400, f"Unknown parameter: '{name}'.", code="unknown_parameter", param=name), {}
        if facts is None:
            return openai_error(400, f"Invalid image file or mode for '{name}'. Supported: png, jpeg, webp.",
                                code="invalid_image_format", param=name), {}
        if name in ("mask", "markup"):
            extras[name] = facts
        else:
            refs.append((*facts, data))
    if not refs:
        return openai_error(400, "Missing required parameter: 'image'.", code="missing_required_parameter",
                            param="image"), {}
    if len(refs) > 16:
        return openai_error(400, f"Too many images: {len(refs)}; at most 16.", code="invalid_value",
                            param="image"), {}
    return refs, extras


def _check_extras(model: str, refs: list[tuple[str, int, int, bytes]], extras: dict[str, Any]) -> Reply | None:
    from tests.fakes.image_servers import openai_error

    if model.startswith("dall-e-2") and len(refs) > 1:
        return openai_error(400, "dall-e-2 takes one image.", code="invalid_value", param="image")
    if "markup" in extras and not model.startswith("gpt-image-2.6"):
        return openai_error(400, "Unknown parameter: 'markup'.", code="unknown_parameter", param="markup")
    for name, (mime, width, height) in extras.items():
        if mime != "image/png" or (width, height) != refs[0][1:3]:
            return openai_error(400, f"Invalid {name}: it must be a PNG the same size as the first image.",
                                code="invalid_value", param=name)
    return None


def xai_edit(server: Any, request: Recorded) -> Reply:
    """``POST /v1/images/edits`` on the xAI fake: JSON with ``image`` or ``images`` references."""
    from tests.fakes.image_servers import xai_error

    problem = server.auth_error(request)
    if problem:
        return problem
    body = request.json
    if not isinstance(body, dict):
        return xai_error(400, "The request body must be JSON (multipart is not supported).")
    unknown = sorted(set(body) - XAI_EDIT_FIELDS)
    if unknown:
        return xai_error(400, f"Argument not supported: {unknown[0]}")
    if ("image" in body) == ("images" in body):
        return xai_error(400, "Provide exactly one of image or images.")
    refs = [body["image"]] if "image" in body else body["images"]
    most = XAI_MAX_REFS.get(str(body.get("model")), 3)
    if not isinstance(refs, list) or not 1 <= len(refs) <= most:
        return xai_error(400, f"images must hold 1 to {most} references for {body.get('model')}.")
    found = []
    for ref in refs:
        facts = _data_url_facts(ref)
        if isinstance(facts, str):
            return xai_error(400, facts)
        found.append(facts)
    server.edit_inputs.append(found)
    generation = {k: v for k, v in body.items() if k not in ("image", "images")}
    return server.generate(Recorded(request.method, request.path, request.query, request.headers,
                                    _json_bytes(generation)), None)


def _data_url_facts(ref: Any) -> tuple[str, int, int] | str:
    if not isinstance(ref, dict) or not isinstance(ref.get("url"), str) or set(ref) - {"url", "type"}:
        return "Each image reference must be an object with a url."
    if ref.get("type", "image_url") != "image_url":
        return "Image reference type must be image_url."
    found = re.match(r"^data:(image/(?:png|jpeg|webp));base64,(.*)$", ref["url"], re.S)
    if found is None:
        return "Image url must be a data: URL of a PNG, JPEG or WebP image (links are not fetched by the fake)."
    try:
        data = base64.b64decode(found[2], validate=True)
    except (binascii.Error, ValueError):
        return "Image data URL is not valid base64."
    facts = image_facts(data)
    if facts is None or facts[0] != found[1] or len(data) > XAI_MAX_BYTES:
        return "Image could not be decoded as the declared type (PNG, JPEG or WebP up to 10 MiB)."
    return facts


def _json_bytes(value: Any) -> bytes:
    import json

    return json.dumps(value).encode()


def check_inline_parts(server: Any, model: str, parts: list[Any]) -> str | None:
    """Gemini: every ``inlineData`` input part must be a PNG/JPEG/WebP whose mimeType matches; at most 14."""
    inline = [p["inlineData"] for p in parts if isinstance(p, dict) and "inlineData" in p]
    if not inline:
        return None
    if not ("image" in model or "nano-banana" in model) or len(inline) > GEMINI_MAX_REFS:
        return f"Too many or unsupported input images for {model}."
    found = []
    for blob in inline:
        if set(blob) - {"mimeType", "data"}:
            return "Invalid JSON payload received. Unknown name in inline_data."
        try:
            facts = image_facts(base64.b64decode(str(blob.get("data", "")), validate=True))
        except (binascii.Error, ValueError):
            facts = None
        if facts is None or facts[0] != blob.get("mimeType"):
            return "Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"
        found.append(facts)
    server.edit_inputs.append(found)
    return None
