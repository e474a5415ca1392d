"""Item 8: caps checked while reading: body size, decompressed size, SSE line length."""

from __future__ import annotations

from tests.hostile.server import HostileServer, giant_sse_line, gzip_bomb
from tests.hostile.support import add_profiles, attack
from tests.support import Cli


def test_a_gzip_bomb_stops_at_the_default_decompressed_cap(cli: Cli) -> None:
    with HostileServer(gzip_bomb) as server:
        add_profiles(cli, server.base_url)
        out = attack(cli.home, ["generate", "a cat"], within=30)
    assert out.result.code == 5
    assert "decompressed answer" in out.sentence and "64 MiB cap" in out.sentence


def test_one_endless_sse_line_stops_at_the_line_cap(cli: Cli) -> None:
    with HostileServer(giant_sse_line) as server:
        add_profiles(cli, server.base_url)
        out = attack(cli.home, ["ask", "--chat-profile", "talk", "--no-images", "hello"], within=30)
    assert out.result.code == 5
    assert "streamed line longer than the 4 MiB cap" in out.sentence


def test_the_body_cap_follows_its_setting(cli: Cli) -> None:
    with HostileServer(giant_sse_line) as server:
        add_profiles(cli, server.base_url)
        out = attack(cli.home, ["ask", "--chat-profile", "talk", "--no-images", "hello"],
                     env={"QUILLTAP_MAX_RESPONSE_MB": "1"}, within=30)
    assert out.result.code == 5
    assert "1 MiB cap" in out.sentence
