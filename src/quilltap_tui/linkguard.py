"""Which image links the app may fetch: no door into the user's own network for a hostile server.

A provider answers with a link to fetch (dall-e-3, xAI, compatible servers). Followed blindly, that link
(or a redirect) could point at another service on the user's machine or network (``127.0.0.1:6379``,
``169.254.169.254``, the router) and make the app its messenger. The rule, checked for the link and for
every redirect hop:

- the profile's own origin (scheme, host and port of its base URL) is always allowed: a self-hosted
  server on the LAN or on loopback serves its own files;
- any other host must be ``https`` and resolve only to public addresses (no private, loopback,
  link-local, shared, reserved or multicast address, IPv4-mapped forms included).

What remains: a name may resolve differently between the check and the connection (DNS rebinding);
the window is small and needs a hostile DNS server as well.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import httpx2

from quilltap_tui.errors import MalformedResponse, Unavailable

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: httpx2.URL) -> tuple[str, str, int]:
    return url.scheme, url.host.lower(), url.port or _DEFAULT_PORTS.get(url.scheme, 0)


async def check_link(url: httpx2.URL, origin: str | None, provider: str) -> None:
    """Raise :class:`MalformedResponse` unless ``url`` may be fetched for a profile at ``origin``."""
    if url.scheme not in ("http", "https"):
        raise MalformedResponse(f"{provider} returned an image link with the unsupported scheme {url.scheme!r}.")
    if origin and origin_of(url) == origin_of(httpx2.URL(origin)):
        return
    host = url.host
    if url.scheme != "https":
        raise MalformedResponse(f"{provider} returned an image link to {host} over plain http; links to other "
                                "hosts are fetched only over https.")
    for address in await _addresses(host, url.port or 443, provider):
        if not _public(address):
            raise MalformedResponse(f"{provider} returned an image link to {host}, which is a private, loopback "
                                    "or link-local address; only the provider's own address may be one.")


async def _addresses(host: str, port: int, provider: str) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        return await resolve(host, port)
    except OSError as exc:
        raise Unavailable(f"Could not find the host {host} of the image link from {provider}.") from exc


async def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system resolver, off the event loop)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _public(text: str) -> bool:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast
