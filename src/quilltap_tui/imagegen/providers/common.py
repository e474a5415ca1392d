"""What every HTTP image provider shares: client ownership, JSON calls with retries, base64 and sniffing.

A provider module keeps its wire knowledge in pure ``build_request``/``parse_response`` functions and
subclasses :class:`HttpImageProvider` for the thin HTTP part.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx2

from quilltap_tui import net
from quilltap_tui.errors import MalformedResponse, ProviderError
from quilltap_tui.imagegen.providers import blobs
from quilltap_tui.imagegen.sniff import inspect_image
from quilltap_tui.imagegen.spec import GeneratedImage
from quilltap_tui.providers.registry import image_unit
from quilltap_tui.providers.unit import ProviderUnit, resolve

DEFAULT_TIMEOUT = 120.0  # seconds; matches Settings.http_timeout's default
# Keys whose string values are image payloads: kept out of the debugging copy of a response.
_PAYLOAD_KEYS = frozenset({"b64_json", "bytesBase64Encoded", "data"})
_DATA_URI = re.compile(r"^data:[^,]{0,100};base64,", re.IGNORECASE)


class Delivered(list[GeneratedImage]):
    """The images one request yields, and how many more the server sent than were asked for."""

    def __init__(self, images: list[GeneratedImage], *, dropped: int = 0) -> None:
        super().__init__(images)
        self.dropped = dropped


@dataclass(frozen=True)
class ImagePayload:
    """One image as a response describes it: inline bytes or a link, plus a revised prompt."""

    data: bytes | None = None
    url: str | None = None
    revised_prompt: str | None = None


class HttpImageProvider:
    """Base for providers: owns (or borrows) an ``httpx2.AsyncClient`` and sends JSON with retries.

    ``client``: inject one in tests; otherwise one is created on first use with ``timeout``.
    ``on_retry(attempt, wait, reason)`` lets a caller print "retrying in 2.0 s (429 rate limited)".
    ``sleep`` is injectable so retry tests never really wait (None: the retry loop's default).
    """

    # The id of the provider unit this class serves when none is passed (a plug-in passes its own).
    id = ""

    def __init__(
        self,
        client: httpx2.AsyncClient | None = None,
        *,
        unit: ProviderUnit | None = None,
        max_retries: int = 2,
        max_total_wait: float = 60.0,
        timeout: float = DEFAULT_TIMEOUT,
        download_max_bytes: int = 50 * net.MIB,
        on_retry: net.RetryHook | None = None,
        sleep: net.Sleep | None = None,
    ) -> None:
        self.unit = unit or image_unit(self.id)
        self.id = self.unit.id
        self._client = client
        self._owns_client = client is None
        self.max_retries = max_retries
        self.max_total_wait = max_total_wait
        self.timeout = timeout
        self.download_max_bytes = download_max_bytes
        self.on_retry = on_retry
        self.sleep = sleep

    @property
    def title(self) -> str:
        """The provider as named in messages ("xAI")."""
        return self.unit.sentence_name

    @property
    def default_base_url(self) -> str:
        """The provider's own API root."""
        return self.unit.default_base_url

    def classifier(self, response: httpx2.Response, *, provider: str,
                   secrets: tuple[str | None, ...]) -> ProviderError:
        """The unit's error classifier for this provider's error body shape."""
        assert self.unit.image is not None
        classify = resolve(self.unit.image.classifier)
        error: ProviderError = classify(response, provider=provider, secrets=secrets)
        return error

    @property
    def client(self) -> httpx2.AsyncClient:
        """The HTTP client, created lazily so constructing a provider never touches the network."""
        if self._client is None:
            self._client = net.make_client(self.timeout)
        return self._client

    async def aclose(self) -> None:
        """Close the client if this provider created it (an injected client belongs to the caller)."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> HttpImageProvider:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def request_json(
        self,
        method: str,
        url: str,
        *,
        api_key: str | None,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Send one JSON call (with retries) and return the decoded object body."""
        client = self.client
        headers = self.auth_headers(api_key)

        def build() -> httpx2.Request:
            return client.build_request(method, url, headers=headers, json=body, params=params)

        return await self._send_for_json(build, api_key)

    async def request_multipart(
        self, url: str, *, api_key: str | None, fields: Sequence[tuple[str, str]],
        files: Sequence[tuple[str, tuple[str, bytes, str]]],
    ) -> dict[str, Any]:
        """POST one ``multipart/form-data`` call (with retries): form ``fields`` plus ``files``.

        ``files`` items are ``(part name, (file name, bytes, content type))``; a name may repeat
        (``image[]``). The body is rebuilt for every attempt, so a retry sends the same parts.
        """
        client = self.client
        headers = self.auth_headers(api_key)

        def build() -> httpx2.Request:
            return client.build_request("POST", url, headers=headers, data=dict(grouped(fields)),
                                        files=list(files))

        return await self._send_for_json(build, api_key)

    async def _send_for_json(self, build: Callable[[], httpx2.Request], api_key: str | None) -> dict[str, Any]:
        client = self.client
        classify = partial(self.classifier, provider=self.title, secrets=(api_key,))
        response = await net.send_with_retries(
            client, build, classify=classify, max_retries=self.max_retries,
            max_total_wait=self.max_total_wait, sleep=self.sleep, on_retry=self.on_retry,
            provider=self.title,
        )
        parsed = await _parse_body(response.content)
        if not isinstance(parsed, dict):
            raise MalformedResponse(f"{self.title} answered with something that is not a JSON object.",
                                    provider=self.id, status=response.status_code)
        return parsed

    def auth_headers(self, api_key: str | None) -> dict[str, str]:
        """The unit's auth header; keyless compatible servers get no header at all."""
        return self.unit.auth_headers(api_key)

    async def materialize(self, payloads: list[ImagePayload], limit: int | None = None) -> list[GeneratedImage]:
        """Turn payloads into images: download links at once (they expire), sniff every byte string."""
        return await self.images_from(lambda: payloads, limit=limit)

    async def images_from(
        self, parse: Callable[[], list[ImagePayload]], *, limit: int | None = None, origin: str | None = None
    ) -> Delivered:
        """Parse an answer (``parse`` decodes base64) and sniff its inline images in one trip to a thread.

        ``limit``: how many images were asked for. A server sending more gets only that many used (the
        rest is never verified, fetched or saved) and the result's ``dropped`` says how many were not.
        Links are then downloaded at once (they expire) and verified in one more trip; ``origin`` is the
        profile's base URL, the one private address links may point at (see :mod:`quilltap_tui.linkguard`).
        """
        found, dropped = await asyncio.to_thread(self._parse_inline, parse, limit)
        links = {index: item for index, item in enumerate(found) if isinstance(item, ImagePayload)}
        if links:
            fetched = [ImagePayload(data=await self._download(p, origin), revised_prompt=p.revised_prompt)
                       for p in links.values()]
            sniffed, _ = await asyncio.to_thread(self._parse_inline, lambda: fetched, None)
            for index, image in zip(links, sniffed, strict=True):
                found[index] = image
        return Delivered([item for item in found if isinstance(item, GeneratedImage)], dropped=dropped)

    def _parse_inline(
        self, parse: Callable[[], list[ImagePayload]], limit: int | None
    ) -> tuple[list[GeneratedImage | ImagePayload], int]:
        payloads = parse()
        kept = payloads if limit is None else payloads[:max(limit, 0)]
        items = [to_image(p.data, self.title, p.revised_prompt) if p.data is not None else p for p in kept]
        return items, len(payloads) - len(kept)

    async def _download(self, payload: ImagePayload, origin: str | None) -> bytes:
        if not payload.url:
            raise MalformedResponse(f"{self.title} returned an image entry with neither data nor a link.")
        return await net.download_image(self.client, payload.url, origin=origin, max_bytes=self.download_max_bytes,
                                        timeout=self.timeout, provider=self.title)


def grouped(fields: Sequence[tuple[str, str]]) -> Iterator[tuple[str, str | list[str]]]:
    """Form fields as httpx wants them: a name given twice becomes a list (sent as repeated parts)."""
    seen: dict[str, list[str]] = {}
    for name, value in fields:
        seen.setdefault(name, []).append(value)
    for name, values in seen.items():
        yield name, values[0] if len(values) == 1 else values


async def _parse_body(content: bytes) -> Any:
    """Parse JSON; big answers (images inline) are parsed in a thread with their base64 lifted out."""
    if len(content) < blobs.BLOB_MIN:
        return _loads_or_none(content)
    return await asyncio.to_thread(_loads_or_none, content)


def _loads_or_none(content: bytes) -> Any:
    try:
        return blobs.loads(content)
    except ValueError:
        return None


def decode_b64(value: Any, provider: str) -> bytes:
    """Strict base64 decoding (a ``data:...;base64,`` prefix is tolerated); bad input is malformed."""
    if isinstance(value, blobs.Blob):
        try:
            return value.decode()
        except (binascii.Error, ValueError) as exc:
            raise MalformedResponse(f"{provider} returned image data that is not valid base64.") from exc
    if not isinstance(value, str) or not value.strip():
        raise MalformedResponse(f"{provider} returned an empty image payload.")
    text = _DATA_URI.sub("", value.strip(), count=1)
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedResponse(f"{provider} returned image data that is not valid base64.") from exc


def to_image(data: bytes, provider: str, revised_prompt: str | None = None) -> GeneratedImage:
    """Wrap bytes as a :class:`GeneratedImage`, the MIME type and size coming from the bytes themselves."""
    try:
        mime, width, height = inspect_image(data)
    except MalformedResponse as exc:
        raise MalformedResponse(f"{provider} returned unusable image data: {exc.message.rstrip('.')}.",
                                provider=exc.provider or provider) from exc
    return GeneratedImage(data=data, mime_type=mime, width=width, height=height,
                          revised_prompt=revised_prompt or None)


def scrub(value: Any) -> Any:
    """A copy of a parsed response with base64 payloads replaced by their length (for ``raw``)."""
    if isinstance(value, blobs.Blob):
        return f"<{len(value)} base64 chars>"
    if isinstance(value, dict):
        return {k: (f"<{len(v)} base64 chars>" if k in _PAYLOAD_KEYS and isinstance(v, str) and len(v) > 64
                    else scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(item) for item in value]
    return value


def list_of_dicts(value: Any) -> list[dict[str, Any]]:
    """The dict items of ``value`` when it is a list; anything else yields an empty list."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def short(text: str, limit: int = 200) -> str:
    """Collapse whitespace and cut ``text`` for use inside a one-sentence message."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
