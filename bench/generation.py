"""Generation benchmarks: service overhead, count splitting, peak memory, event-loop stalls.

Run: ``.venv/bin/python -m bench generation`` (or ``make bench``). Prints figures; asserts nothing. Each
figure stands beside a yardstick taken in the same run (``bench/yardstick.py``), ratio first: a direct
HTTP call to the same fake, one request, the image bytes, a bare client decoding the same response, the
same page read with plain ``sqlite3``.
The fake upstreams run in a separate process so their memory and CPU do not count against ours.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2

from bench import yardstick

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"openai": "sk-test-openai-0123456789abcdef", "google": "AIzaTestKey0123456789abcdefghijkl"}


@contextmanager
def fake_server(kind: str, *extra: str) -> Iterator[str]:
    """Start ``tests.fakes.image_servers`` in its own process; yield its base URL."""
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "port"
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.image_servers", "--kind", kind, "--port-file", str(port_file),
             *extra],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        try:
            deadline = time.monotonic() + 20
            while not port_file.exists() or not port_file.read_text().strip():
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"fake {kind} server did not start")
                time.sleep(0.02)
            prefix = {"openai": "/v1", "grok": "/v1", "google": "/v1beta"}[kind]
            yield f"http://127.0.0.1:{port_file.read_text().strip()}{prefix}"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def make_context(home: Path, env: dict[str, str]) -> Any:
    from quilltap_tui.services.context import AppContext

    environ = {**os.environ, "QUILLTAP_HOME": str(home), "QUILLTAP_VAULT": "file",
               "QUILLTAP_VAULT_PASSPHRASE": "bench", "QUILLTAP_IMAGES": "off", **env}
    return AppContext(environ=environ)


def add_profile(ctx: Any, name: str, provider: str, model: str, base_url: str, **limits: int) -> None:
    from quilltap_tui.services import keys, profiles

    keys.add_key(ctx, provider=provider, label=f"k-{name}", secret=KEYS[provider])
    profiles.create(ctx, profiles.IMAGE, name=name, provider=provider, model=model, key=f"k-{name}",
                    base_url=base_url, max_images_per_call=10, max_images_per_minute=1000,
                    max_images_per_day=100000, **limits)


async def direct_call(client: httpx2.AsyncClient, base_url: str, body: dict[str, Any]) -> int:
    """The least a client can do: one POST, parse JSON, decode base64."""
    response = await client.post(f"{base_url}/images/generations", json=body,
                                 headers={"Authorization": f"Bearer {KEYS['openai']}"})
    data = json.loads(response.content)["data"]
    return sum(len(base64.b64decode(item["b64_json"])) for item in data)


async def overhead(ctx: Any, base_url: str, runs: int = 30) -> dict[str, float]:
    from quilltap_tui.services.generation import GenerateOptions, GenerationService

    service = GenerationService(ctx)
    body = {"model": "gpt-image-1", "prompt": "a small test", "n": 1, "size": "1024x1024"}
    options = GenerateOptions(size="1024x1024")
    direct: list[float] = []
    full: list[float] = []
    async with httpx2.AsyncClient(timeout=60) as client:
        for _ in range(3):  # warm-up: connections, imports, first database writes
            await direct_call(client, base_url, body)
            await service.generate("a small test", profile="bench", options=options)
        for _ in range(runs):
            t0 = time.perf_counter()
            await direct_call(client, base_url, body)
            direct.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await service.generate("a small test", profile="bench", options=options)
            full.append(time.perf_counter() - t0)
    d, f = statistics.median(direct), statistics.median(full)
    return {"direct_ms": d * 1000, "service_ms": f * 1000, "overhead_ms": (f - d) * 1000}


def png(width: int, height: int, noise: bool = False) -> bytes:
    import io

    from PIL import Image

    if noise:  # incompressible, so the PNG is as large as its pixels (about 4 MiB at 1200x1200)
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (200, 120, 40))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def script(base_url: str, prefix: str, replies: list[dict[str, Any]]) -> None:
    """Queue replies on a standalone fake through its control endpoint."""
    origin = base_url.removesuffix(prefix)
    httpx2.post(f"{origin}/_fake/script", json=replies, timeout=30).raise_for_status()


def gemini_reply(image: bytes, delay: float) -> dict[str, Any]:
    part = {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(image).decode()}}
    body = {"candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP"}]}
    return {"status": 200, "json": body, "delay": delay}


async def count_split(ctx: Any, google_url: str) -> dict[str, float]:
    from quilltap_tui.services.generation import GenerateOptions, GenerationService

    service = GenerationService(ctx)
    image = png(1024, 1024)
    one, four = [], []
    for _ in range(3):
        script(google_url, "/v1beta", [gemini_reply(image, 0.5) for _ in range(5)])
        t0 = time.perf_counter()
        await service.generate("one fox", profile="gemini", options=GenerateOptions(count=1))
        one.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        await service.generate("four foxes", profile="gemini", options=GenerateOptions(count=4))
        four.append(time.perf_counter() - t0)
    o, f = statistics.median(one), statistics.median(four)
    return {"one_request_s": o, "count4_s": f, "ratio": f / o}


async def memory_and_stalls(ctx: Any, big_url: str) -> dict[str, float]:
    """Peak Python heap while four ~4 MiB images arrive, are decoded, sniffed and saved; loop stalls."""
    from quilltap_tui.services.generation import GenerateOptions, GenerationService

    service = GenerationService(ctx)
    data = [{"b64_json": base64.b64encode(png(1200, 1200, noise=True)).decode()} for _ in range(4)]
    script(big_url, "/v1", [{"status": 200, "json": {"created": 1, "data": data, "output_format": "png"}}])
    del data
    stalls: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            stalls.append(now - last - 0.001)
            last = now

    gc.collect()
    tracemalloc.start()
    tick = asyncio.create_task(ticker())
    outcome = await service.generate("noise", profile="big", options=GenerateOptions(count=4))
    done.set()
    await tick
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    image_bytes = sum(image.bytes for image in outcome.images)
    return {"image_mib": image_bytes / 2**20, "peak_mib": peak / 2**20, "ratio": peak / image_bytes,
            "longest_stall_ms": max(stalls) * 1000}


async def direct_stalls(big_url: str) -> float:
    """The yardstick of the stall figure: the longest event-loop stall while a bare client fetches the same
    four ~4 MiB images and decodes them on the loop (one POST, ``json.loads``, base64), in seconds."""
    data = [{"b64_json": base64.b64encode(png(1200, 1200, noise=True)).decode()} for _ in range(4)]
    script(big_url, "/v1", [{"status": 200, "json": {"created": 1, "data": data, "output_format": "png"}}])
    del data
    stalls: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            stalls.append(now - last - 0.001)
            last = now

    tick = asyncio.create_task(ticker())
    async with httpx2.AsyncClient(timeout=60) as client:
        await direct_call(client, big_url, {"model": "gpt-image-1", "prompt": "noise", "n": 4})
    done.set()
    await tick
    return max(stalls)


def fill_gallery(ctx: Any, count: int) -> None:
    """``count`` small image files with their rows, inserted in one transaction."""
    from datetime import timedelta

    from sqlalchemy import insert

    from quilltap_tui.db.models import GeneratedImageRecord, new_id, utcnow

    now, rows = utcnow(), []
    folder = ctx.paths.images / "2026" / "11"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        image_id = new_id()
        (folder / f"{image_id}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
        rows.append({"id": image_id, "file_path": f"images/2026/11/{image_id}.png", "mime_type": "image/png",
                     "width": 1, "height": 1, "bytes": 108, "sha256": "0" * 64, "prompt": f"picture {i}",
                     "provider": "openai", "model": "gpt-image-1", "used_params": {},
                     "created_at": now - timedelta(seconds=i)})
    with ctx.db.engine.begin() as conn:
        conn.execute(insert(GeneratedImageRecord.__table__), rows)  # type: ignore[attr-defined]


def list_start(home: Path, count: int = 10_000) -> dict[str, float]:
    """``images list`` (in-process, first page) with ``count`` images on disk; its start sweeps leftovers."""
    sys.path.insert(0, str(ROOT))  # for tests.support, as bench/tui.py does for the fakes
    import contextlib
    import io

    from tests.support import patched_env

    from quilltap_tui.cli import main as cli_main
    from quilltap_tui.services.image_store import sweep_orphans

    ctx = make_context(home, {})
    fill_gallery(ctx, count)
    full = [timed_ms(lambda: sweep_orphans(ctx, full=True)) for _ in range(3)]
    listed = []
    env = {"QUILLTAP_HOME": str(home), "QUILLTAP_VAULT": "file", "QUILLTAP_VAULT_PASSPHRASE": "bench"}
    with patched_env(env):
        for _ in range(7):
            with contextlib.redirect_stdout(io.StringIO()):
                listed.append(timed_ms(lambda: cli_main(["images", "list", "--json"])))
    bare = [timed_ms(lambda: _bare_page(ctx)) for _ in range(7)]
    ctx.close()
    return {"full_scan_ms": statistics.median(full), "list_ms": statistics.median(listed[1:]),
            "bare_ms": statistics.median(bare)}


def _bare_page(ctx: Any) -> None:
    """The yardstick of ``images list``: the same first page of 50 rows with plain ``sqlite3``, as JSON."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(ctx.paths.database)) as conn:
        cursor = conn.execute("SELECT * FROM generated_image ORDER BY created_at DESC, id LIMIT 50")
        names = [column[0] for column in cursor.description]
        json.dumps([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])


def timed_ms(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    load_before = yardstick.load()
    with tempfile.TemporaryDirectory() as tmp:
        start = list_start(Path(tmp) / "gallery")
        ctx = make_context(Path(tmp) / "home", {})
        with fake_server("openai", "--no-key") as openai_url, \
                fake_server("google", "--no-key") as google_url, \
                fake_server("openai", "--no-key") as big_url:
            add_profile(ctx, "bench", "openai", "gpt-image-1", openai_url)
            add_profile(ctx, "gemini", "google", "gemini-2.5-flash-image", google_url)
            add_profile(ctx, "big", "openai", "gpt-image-1", big_url)
            over = asyncio.run(overhead(ctx, openai_url))
            split = asyncio.run(count_split(ctx, google_url))
            mem = asyncio.run(memory_and_stalls(ctx, big_url))
            bare_stall = asyncio.run(direct_stalls(big_url))
    print(f"generation, against loopback fakes; load average {load_before:.2f} -> {yardstick.load():.2f}; "
          "ratios first (figure / yardstick in the same run)")
    print(yardstick.ratio_line("generate service, 1024x1024 PNG (median of 30)", over["service_ms"] / 1000,
                               "a direct HTTP call to the same fake", over["direct_ms"] / 1000))
    print(f"         overhead {over['overhead_ms']:.1f} ms (durable: file and directory fsync; target 5 ms)")
    print(yardstick.ratio_line("count=4 on a one-image-per-request model", split["count4_s"], "one request",
                               split["one_request_s"], unit="s", target="1.2x"))
    print(f"  {mem['ratio']:5.2f}x (target 3x)  peak Python heap {mem['peak_mib']:.1f} MiB / the image bytes "
          f"{mem['image_mib']:.1f} MiB (four ~4 MiB images in one response)")
    print(yardstick.ratio_line("longest event-loop stall decoding and saving them", mem["longest_stall_ms"] / 1000,
                               "a bare client decoding the same response on its loop", bare_stall))
    print(yardstick.ratio_line("images list, 10,000 images on disk (in-process, first page of 50)",
                               start["list_ms"] / 1000, "the same page with plain sqlite3, as JSON",
                               start["bare_ms"] / 1000))
    print(f"         the full scan of leftovers it no longer runs each time (at most hourly) takes "
          f"{start['full_scan_ms']:.0f} ms")


if __name__ == "__main__":
    main()
