"""Item 11 (and 12's redirect loop): image links reach only the profile's origin or public https hosts."""

from __future__ import annotations

import socket

import httpx2
import pytest

from quilltap_tui import linkguard
from quilltap_tui.errors import MalformedResponse
from tests.faults.support import image_rows
from tests.hostile.server import HostileServer, Request, link_answer, redirect_to, send_json
from tests.hostile.support import add_profiles, attack
from tests.support import Cli


def _internal(sock: socket.socket, request: Request) -> None:
    send_json(sock, {"secret": "internal service data"})


def test_a_link_to_another_loopback_port_is_never_fetched(cli: Cli) -> None:
    with HostileServer(_internal) as internal, HostileServer(link_answer(internal.origin + "/admin.png")) as server:
        add_profiles(cli, server.base_url)
        out = attack(cli.home, ["generate", "a cat"], within=30)
        assert not internal.requests, "the internal service was reached"
    assert out.result.code == 5
    assert "over plain http" in out.sentence
    assert not image_rows(cli.home)


def test_a_redirect_from_the_own_origin_to_another_port_is_never_followed(cli: Cli) -> None:
    with HostileServer(_internal) as internal:
        def behave(sock: socket.socket, request: Request) -> None:
            if request.method == "POST":
                send_json(sock, {"created": 1, "data": [{"url": server.origin + "/files/cat.png"}]})
            else:
                sock.sendall(redirect_to(internal.origin + "/admin.png"))

        with HostileServer(behave) as server:
            add_profiles(cli, server.base_url)
            out = attack(cli.home, ["generate", "a cat"], within=30)
            assert [r.path for r in server.requests] == ["/v1/images/generations", "/files/cat.png"]
        assert not internal.requests
    assert out.result.code == 5 and "link to 127.0.0.1" in out.sentence


def test_a_redirect_loop_is_one_sentence(cli: Cli) -> None:
    def behave(sock: socket.socket, request: Request) -> None:
        if request.method == "POST":
            send_json(sock, {"created": 1, "data": [{"url": server.origin + "/loop/0"}]})
        else:
            sock.sendall(redirect_to(f"/loop/{int(request.path.rsplit('/', 1)[1]) + 1}"))

    with HostileServer(behave) as server:
        add_profiles(cli, server.base_url)
        out = attack(cli.home, ["generate", "a cat"], within=30)
    assert out.result.code == 5
    assert out.sentence == "The image link from OpenAI redirected more than 5 times."


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                                     "::1", "fe80::1", "::ffff:127.0.0.1", "fc00::1", "0.0.0.0"])
async def test_https_hosts_resolving_to_internal_addresses_are_refused(
    address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.215.14", address]  # one internal address among public ones is enough to refuse

    monkeypatch.setattr(linkguard, "resolve", resolve)
    with pytest.raises(MalformedResponse, match="private, loopback or link-local"):
        await linkguard.check_link(httpx2.URL("https://cdn.example.test/a.png"), "https://api.example.test/v1", "X")


async def test_public_https_hosts_and_the_own_origin_are_allowed() -> None:
    await linkguard.check_link(httpx2.URL("https://cdn.example.test/a.png"), "http://127.0.0.1:9/v1", "X")
    await linkguard.check_link(httpx2.URL("http://127.0.0.1:9/files/a.png"), "http://127.0.0.1:9/v1", "X")
    await linkguard.check_link(httpx2.URL("http://10.0.0.5/files/a.png"), "http://10.0.0.5:80/v1", "X")
    with pytest.raises(MalformedResponse, match="over plain http"):
        await linkguard.check_link(httpx2.URL("http://127.0.0.1:10/a.png"), "http://127.0.0.1:9/v1", "X")
