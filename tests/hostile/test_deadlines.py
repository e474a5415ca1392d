"""Item 7: a total deadline per request, headers and body together, not only idle timeouts."""

from __future__ import annotations

from tests.hostile.server import HostileServer, endless_json, endless_sse, one_byte_a_second, sse_head
from tests.hostile.support import add_profiles, attack
from tests.support import Cli

DEADLINE = {"QUILLTAP_REQUEST_DEADLINE": "2"}
# ``within`` bounds the whole run, start-up included (slow on a loaded machine); ``since`` times the request.


def test_an_endless_chat_stream_ends_ask_at_the_deadline(cli: Cli) -> None:
    with HostileServer(endless_sse) as server:
        add_profiles(cli, server.base_url)
        out = attack(cli.home, ["ask", "--chat-profile", "talk", "--no-images", "hello"], env=DEADLINE, within=30)
    assert out.result.code == 5
    assert out.since(server.requests[0]) < 2 + 2.5, "the request outlived its deadline"
    assert "request deadline of 2 s" in out.sentence and "request_deadline" in out.sentence
    assert out.result.out.startswith("la la"), "what arrived before the deadline was shown"


def test_a_server_sending_one_byte_a_second_ends_ask_at_the_deadline(cli: Cli) -> None:
    with HostileServer(one_byte_a_second(sse_head())) as server:
        add_profiles(cli, server.base_url)
        out = attack(cli.home, ["ask", "--chat-profile", "talk", "--no-images", "hello"], env=DEADLINE, within=30)
    assert out.result.code == 5
    assert out.since(server.requests[0]) < 2 + 2.5, "the request outlived its deadline"
    assert "request deadline of 2 s" in out.sentence


def test_a_server_sending_one_byte_a_second_ends_generate_at_the_deadline(cli: Cli) -> None:
    with HostileServer(one_byte_a_second(b"HTTP/1.1 200 OK\r\n")) as server:
        add_profiles(cli, server.base_url)
        out = attack(cli.home, ["generate", "a cat"], env=DEADLINE, within=30)
    assert out.result.code == 5
    assert out.since(server.requests[0]) < 2 + 2.5, "the request outlived its deadline"
    assert "request deadline of 2 s" in out.sentence


def test_an_image_answer_that_never_ends_is_stopped(cli: Cli) -> None:
    """Sent as fast as it is read: the default 64 MiB cap stops it (the deadline is far)."""
    with HostileServer(endless_json) as server:
        add_profiles(cli, server.base_url)
        out = attack(cli.home, ["generate", "a cat"], within=30)
    assert out.result.code == 5
    assert "larger than the 64 MiB cap (setting max_response_mb)" in out.sentence
