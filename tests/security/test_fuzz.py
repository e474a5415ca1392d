"""Property-based fuzzing (hypothesis): profile fields through the services and arguments through cli.main.

Every outcome is success or an expected refusal: exit 0, 2 or 3 with one clear last line -- never a
traceback, never exit 1 ("unexpected"). Each example gets a fresh QUILLTAP_HOME.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quilltap_tui.errors import Invalid, NotFound, QuilltapError
from quilltap_tui.services import profiles
from quilltap_tui.services.context import AppContext
from tests.security.escapes import raw_controls
from tests.support import base_env

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
urlish = st.one_of(text, st.sampled_from(["http://127.0.0.1:9/v1", "https://x.example/v1", "file:///etc",
                                          "http://", "http://[::1", "javascript:x", "HTTP://A.B/v1"]))
params = st.dictionaries(st.sampled_from(["size", "quality", "count", "seed", "style", "aspect_ratio", "x"]),
                         st.one_of(text, st.integers(-10**12, 10**12), st.none(), st.booleans()), max_size=4)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextlib.contextmanager
def fresh_home() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp) / "home"


@FAST
@given(name=text, provider=st.one_of(text, st.sampled_from(["openai", "grok", "google", "GOOGLE_IMAGEN"])),
       model=text, base_url=st.one_of(st.none(), urlish), tags=st.lists(text, max_size=3), parameters=params)
def test_profile_fields_through_the_services(
    name: str, provider: str, model: str, base_url: str | None, tags: list[str], parameters: dict[str, object]
) -> None:
    with fresh_home() as home:
        ctx = AppContext(environ=base_env(home))
        try:
            try:
                view = profiles.create(ctx, profiles.IMAGE, name=name, provider=provider, model=model,
                                       base_url=base_url, tags=tags, parameters=parameters)
            except (Invalid, NotFound) as exc:
                assert exc.message and "\n" not in exc.message
                return
            assert profiles.show(ctx, profiles.IMAGE, view.name).id == view.id
        finally:
            ctx.close()


SUBCOMMANDS = [["generate"], ["image-profiles", "add"], ["image-profiles", "edit"], ["chat-profiles", "add"],
               ["keys", "validate"], ["models"], ["images", "list"], ["audit"], ["chats", "show"],
               ["ask", "--no-images"], ["image-profiles", "show"], ["keys", "rm"]]
OPTIONS = ["--name", "--provider", "--model", "--base-url", "--param", "--tag", "--size", "--count", "--seed",
           "--limit", "--offset", "--profile", "--chat", "--key", "--max-per-call", "--json", "--quality"]


def run_cli(argv: list[str], home: Path) -> tuple[int, str, str]:
    from quilltap_tui.cli import main

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({**{k: v for k, v in saved.items() if not k.startswith("QUILLTAP_")
                          and not k.endswith("_API_KEY")}, **base_env(home), "QUILLTAP_MAX_RETRIES": "0"})
    out, err = io.StringIO(), io.StringIO()
    stdin, sys.stdin = sys.stdin, io.StringIO("")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = int(exc.code or 0)
    finally:
        sys.stdin = stdin
        os.environ.clear()
        os.environ.update(saved)
    return code, out.getvalue(), err.getvalue()


@FAST
@given(sub=st.sampled_from(SUBCOMMANDS),
       rest=st.lists(st.one_of(st.sampled_from(OPTIONS), text.filter(lambda t: t.strip() != "")), max_size=8))
def test_command_line_arguments_through_main(sub: list[str], rest: list[str]) -> None:
    with fresh_home() as home:
        code, out, err = run_cli([*sub, *rest], home)
    assert code in (0, 2, 3), (code, err)
    assert "Traceback" not in err and "Unexpected error" not in err
    assert raw_controls(err) == [] and raw_controls(out) == []
    if code:
        last = [line for line in err.splitlines() if line.strip()][-1]
        assert last.startswith("quilltap-tui"), err


def test_fuzz_imports_stay_honest() -> None:
    """The error tree the fuzzers accept is the product's own (a renamed class would pass silently)."""
    assert issubclass(Invalid, QuilltapError) and Invalid.exit_code == 2 and NotFound.exit_code == 3
