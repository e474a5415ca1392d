"""`generate`, `images list` and `audit` through the real services against loopback fake providers.

Each fault ends in success or one clear message with the right exit code, and never leaves an orphan
file or a gallery row behind.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.fakes.image_servers import TEST_KEYS, FakeGoogle, FakeOpenAIImages, FakeXAIImages, google_bad_key
from tests.fakes.server import Reply, malformed_json, truncated
from tests.generation_support import generation_path  # noqa: F401  (a fixture: both stores)
from tests.support import Cli


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    c = Cli(tmp_path / "home", monkeypatch)
    monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "2")
    return c


@pytest.fixture
def openai_fake() -> Iterator[FakeOpenAIImages]:
    with FakeOpenAIImages() as fake:
        yield fake  # type: ignore[misc]


def setup_profile(
    cli: Cli, fake_url: str, provider: str = "openai", model: str = "gpt-image-1", name: str = "art", *extra: str
) -> None:
    assert (
        cli("keys", "add", "--provider", provider, "--label", f"k-{name}", stdin=TEST_KEYS[provider] + "\n").code == 0
    )
    result = cli(
        "image-profiles",
        "add",
        "--name",
        name,
        "--provider",
        provider,
        "--model",
        model,
        "--key",
        f"k-{name}",
        "--base-url",
        fake_url,
        "--default",
        *extra,
    )
    assert result.code == 0, result.err


def gallery_rows(cli: Cli) -> int:
    con = sqlite3.connect(cli.home / "quilltap.db")
    try:
        return int(con.execute("select count(*) from generated_image").fetchone()[0])
    finally:
        con.close()


def image_files(cli: Cli) -> list[Path]:
    root = cli.home / "images"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def audit_rows(cli: Cli) -> list[dict]:
    return cli("audit", "--json").json()


@pytest.mark.usefixtures("generation_path")
def test_generate_json_matches_contract_and_disk(cli: Cli, openai_fake: FakeOpenAIImages) -> None:
    setup_profile(cli, openai_fake.base_url)
    result = cli(
        "generate",
        "--json",
        "--size",
        "1792x1024",
        "--quality",
        "hd",
        "--style",
        "vivid",
        "--count",
        "2",
        "a lighthouse at dusk",
    )
    assert result.code == 0, result.err
    doc = result.json()
    assert set(doc) == {"images", "profile", "provider", "model", "used", "warnings"}
    assert (doc["profile"], doc["provider"], doc["model"]) == ("art", "openai", "gpt-image-1")
    assert doc["used"] == {
        "size": "1536x1024",
        "aspect_ratio": None,
        "quality": "high",
        "style": None,
        "count": 2,
        "negative_prompt": None,
        "seed": None,
    }
    assert any("1792x1024" in w for w in doc["warnings"])
    assert any("style" in w for w in doc["warnings"])
    sent = openai_fake.requests_to("/images/generations")[-1].json
    assert sent == {
        "model": "gpt-image-1",
        "prompt": "a lighthouse at dusk",
        "n": 2,
        "size": "1536x1024",
        "quality": "high",
    }
    assert len(doc["images"]) == 2
    for image in doc["images"]:
        path = Path(image["path"])
        assert path.is_absolute() and path.exists()
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == image["sha256"]
        assert len(data) == image["bytes"]
        assert image["mime_type"] == "image/png" and path.suffix == ".png"
        with Image.open(path) as img:
            assert img.size == (image["width"], image["height"]) == (1536, 1024)
        assert path.parent.parent.parent == cli.home / "images"
        assert path.stem == image["id"]
        assert path.stat().st_mode & 0o777 == 0o600
        for directory in (path.parent, path.parent.parent, path.parent.parent.parent):
            assert directory.stat().st_mode & 0o777 == 0o700, directory
    listed = cli("images", "list", "--json").json()
    assert {i["id"] for i in listed} == {i["id"] for i in doc["images"]}
    entry = audit_rows(cli)[0]
    assert entry["outcome"] == "ok" and entry["image_ids"] == [i["id"] for i in doc["images"]]
    assert entry["parameters"]["used"]["size"] == "1536x1024"


def test_count_split_on_one_image_per_request_model(cli: Cli) -> None:
    with FakeGoogle() as fake:
        setup_profile(cli, fake.base_url, "google", "gemini-2.5-flash-image")
        result = cli("generate", "--json", "--count", "4", "--aspect-ratio", "16:9", "four foxes")
        assert result.code == 0, result.err
        doc = result.json()
        assert len(doc["images"]) == 4
        assert len(fake.requests_to(":generateContent")) == 4
        assert doc["used"]["count"] == 4 and doc["used"]["aspect_ratio"] == "16:9"
        assert any("4 requests" in w for w in doc["warnings"])
        for request in fake.requests_to(":generateContent"):
            assert "key=" not in request.path
            assert request.headers["x-goog-api-key"] == TEST_KEYS["google"]


def test_xai_keeps_jpeg_bytes(cli: Cli) -> None:
    with FakeXAIImages() as fake:
        setup_profile(cli, fake.base_url, "grok", "grok-imagine-image")
        doc = cli("generate", "--json", "--aspect-ratio", "3:2", "a red kite").json()
        image = doc["images"][0]
        assert image["mime_type"] == "image/jpeg" and image["path"].endswith(".jpg")
        assert Path(image["path"]).read_bytes()[:3] == b"\xff\xd8\xff"
        assert fake.requests_to("/images/generations")[0].json["response_format"] == "b64_json"


@pytest.mark.usefixtures("generation_path")
def test_rate_limit_then_success_honours_retry_after(cli: Cli, openai_fake: FakeOpenAIImages) -> None:
    setup_profile(cli, openai_fake.base_url)
    openai_fake.script(
        Reply(
            status=429,
            json={
                "error": {
                    "message": "Rate limit reached",
                    "type": "requests",
                    "param": None,
                    "code": "rate_limit_exceeded",
                }
            },
            headers={"retry-after-ms": "300"},
        )
    )
    started = time.monotonic()
    result = cli("generate", "--json", "a cat")
    assert result.code == 0, result.err
    assert "retrying in 0.3 s" in result.err
    assert len(openai_fake.requests_to("/images/generations")) == 2
    assert time.monotonic() - started >= 0.3  # the server's wait was honoured, not shortened
    assert gallery_rows(cli) == 1


def test_server_errors_then_success(cli: Cli, openai_fake: FakeOpenAIImages) -> None:
    setup_profile(cli, openai_fake.base_url)
    error = {"error": {"message": "The server had an error", "type": "server_error", "param": None, "code": None}}
    openai_fake.script(Reply(status=500, json=error), Reply(status=503, json=error))
    result = cli("generate", "a cat")
    assert result.code == 0, result.err
    assert result.err.count("retrying") == 2
    assert len(image_files(cli)) == 1


@pytest.mark.usefixtures("generation_path")
@pytest.mark.parametrize(
    ("reply", "code", "words"),
    [
        (Reply(status=200, json={"created": 1, "data": [{"b64_json": "iVBORw0KGgoAAAANSUhEUgAA"}]}), 5, "image"),
        (truncated({"created": 1, "data": [{"b64_json": "A" * 4000}]}), 5, ""),
        (malformed_json(), 5, ""),
        (
            Reply(
                status=401,
                json={
                    "error": {
                        "message": "Incorrect API key provided: sk-te***cdef.",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": "invalid_api_key",
                    }
                },
            ),
            4,
            "key",
        ),
        (
            Reply(
                status=400,
                json={
                    "error": {
                        "message": "Your request was rejected by the safety system.",
                        "type": "image_generation_user_error",
                        "param": None,
                        "code": "moderation_blocked",
                    }
                },
            ),
            4,
            "safety",
        ),
        (
            Reply(
                status=429,
                json={
                    "error": {
                        "message": "You exceeded your current quota.",
                        "type": "insufficient_quota",
                        "param": None,
                        "code": "insufficient_quota",
                    }
                },
            ),
            5,
            "quota",
        ),
    ],
    ids=["truncated-base64", "truncated-body", "malformed-json", "bad-key", "refused", "quota"],
)
def test_faults_leave_nothing_behind(
    cli: Cli, openai_fake: FakeOpenAIImages, reply: Reply, code: int, words: str
) -> None:
    setup_profile(cli, openai_fake.base_url)
    openai_fake.script(reply, reply, reply)
    result = cli("generate", "a cat", env={"QUILLTAP_MAX_RETRIES": "0"})
    assert result.code == code, result.err
    assert words in result.last_err_line.lower()
    assert "Traceback" not in result.err
    assert TEST_KEYS["openai"] not in result.err
    assert gallery_rows(cli) == 0 and image_files(cli) == []
    entry = audit_rows(cli)[0]
    assert entry["outcome"] == "error" and entry["error_class"]
    assert TEST_KEYS["openai"] not in (entry["error"] or "")


@pytest.mark.usefixtures("generation_path")
def test_bytes_that_are_not_an_image(cli: Cli, openai_fake: FakeOpenAIImages) -> None:
    setup_profile(cli, openai_fake.base_url)
    result = cli("generate", "[not-image] a cat")
    assert result.code == 5 and "not an image" in result.last_err_line
    assert gallery_rows(cli) == 0 and image_files(cli) == []


@pytest.mark.usefixtures("generation_path")
def test_timeout_is_a_clear_error(cli: Cli, openai_fake: FakeOpenAIImages) -> None:
    setup_profile(cli, openai_fake.base_url)
    openai_fake.script(Reply(json={"created": 1, "data": []}, delay=3.0))
    result = cli("generate", "a cat", env={"QUILLTAP_MAX_RETRIES": "0", "QUILLTAP_HTTP_TIMEOUT": "0.5"})
    assert result.code == 5
    assert "time" in result.last_err_line.lower()
    assert gallery_rows(cli) == 0


@pytest.mark.usefixtures("generation_path")
def test_google_safety_and_bad_key(cli: Cli) -> None:
    with FakeGoogle() as fake:
        setup_profile(cli, fake.base_url, "google", "gemini-2.5-flash-image")
        blocked = cli("generate", "[block] something")
        assert blocked.code == 4 and "block" in blocked.last_err_line.lower()
        fake.script(google_bad_key())
        bad = cli("generate", "a cat")
        assert bad.code == 4 and "key" in bad.last_err_line.lower()
        assert gallery_rows(cli) == 0 and image_files(cli) == []


@pytest.mark.usefixtures("generation_path")
def test_partial_failure_keeps_successes_with_a_warning(cli: Cli) -> None:
    with FakeGoogle() as fake:
        setup_profile(cli, fake.base_url, "google", "gemini-2.5-flash-image")
        fake.script(Reply(status=200, json={"promptFeedback": {"blockReason": "SAFETY"}}))
        result = cli("generate", "--json", "--count", "3", "three owls", env={"QUILLTAP_MAX_RETRIES": "0"})
        assert result.code == 0, result.err
        doc = result.json()
        assert len(doc["images"]) == 2
        assert any("1 of 3 requests failed" in w for w in doc["warnings"])
        assert gallery_rows(cli) == 2 and len(image_files(cli)) == 2


@pytest.mark.usefixtures("generation_path")
def test_storage_failure_part_way_leaves_no_orphans(
    cli: Cli, openai_fake: FakeOpenAIImages, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_profile(cli, openai_fake.base_url)
    from quilltap_tui.services import image_files as files

    real_write = files.write_new
    calls = {"n": 0}

    def failing_write(path: Path, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(files, "write_new", failing_write)
    result = cli("generate", "--count", "4", "four cats")
    assert result.code == 1
    assert result.last_err_line.endswith("the disk is full; nothing was saved.")
    assert gallery_rows(cli) == 0 and image_files(cli) == []


@pytest.mark.usefixtures("generation_path")
def test_profile_limits_stop_and_are_audited(cli: Cli, openai_fake: FakeOpenAIImages) -> None:
    setup_profile(
        cli, openai_fake.base_url, "openai", "gpt-image-1", "art", "--max-per-call", "2", "--max-per-minute", "3"
    )
    too_many = cli("generate", "--count", "100", "a crowd")
    assert too_many.code == 5 and "at most 2" in too_many.last_err_line
    assert cli("generate", "--count", "2", "two").code == 0
    over_minute = cli("generate", "--count", "2", "two more")
    assert over_minute.code == 5 and "per minute" in over_minute.last_err_line
    outcomes = [e["outcome"] for e in audit_rows(cli)]
    assert outcomes == ["limited", "ok", "limited"]
    assert len(openai_fake.requests_to("/images/generations")) == 1


@pytest.mark.usefixtures("generation_path")
def test_profile_defaults_merge_under_request(cli: Cli, openai_fake: FakeOpenAIImages) -> None:
    setup_profile(
        cli,
        openai_fake.base_url,
        "openai",
        "gpt-image-1",
        "art",
        "--param",
        "quality=low",
        "--param",
        "output_format=webp",
        "--param",
        "size=1024x1536",
    )
    doc = cli("generate", "--json", "--quality", "medium", "tall").json()
    sent = openai_fake.requests_to("/images/generations")[-1].json
    assert sent["quality"] == "medium" and sent["size"] == "1024x1536" and sent["output_format"] == "webp"
    assert doc["images"][0]["mime_type"] == "image/webp" and doc["images"][0]["path"].endswith(".webp")


@pytest.mark.usefixtures("generation_path")
def test_no_default_profile_and_unknown_profile(cli: Cli) -> None:
    missing = cli("generate", "a cat")
    assert missing.code == 3 and "default image profile" in missing.last_err_line
    unknown = cli("generate", "--profile", "ghost", "a cat")
    assert unknown.code == 3 and "ghost" in unknown.last_err_line


def test_invalid_request_names_the_field(cli: Cli, openai_fake: FakeOpenAIImages) -> None:
    setup_profile(cli, openai_fake.base_url)
    bad = cli("generate", "--size", "huge", "a cat")
    assert bad.code == 2 and "size" in bad.last_err_line
    assert openai_fake.requests_to("/images/generations") == []


def test_keys_validate_and_models(cli: Cli, openai_fake: FakeOpenAIImages) -> None:
    setup_profile(cli, openai_fake.base_url)
    ok = cli("keys", "validate", "k-art", "--base-url", openai_fake.base_url)
    assert ok.code == 0 and "works" in ok.out
    assert cli("keys", "list", "--json").json()[0]["valid"] is True
    cli("keys", "add", "--provider", "openai", "--label", "bad", stdin="sk-wrong-000000000000\n")
    bad = cli("keys", "validate", "bad", "--base-url", openai_fake.base_url)
    assert bad.code == 4 and "sk-wrong-000000000000" not in bad.err
    models = cli(
        "models", "--provider", "openai", "--key", "k-art", "--base-url", openai_fake.base_url, "--json"
    ).json()
    by_id = {m["id"]: m for m in models}
    assert by_id["gpt-image-1"]["source"] == ["built-in", "live"]
    assert by_id["dall-e-3"]["retired"] is True
    assert "gpt-4o" not in by_id
    table_only = cli("models", "--provider", "google", "--json").json()
    assert {tuple(m["source"]) for m in table_only} == {("built-in",)}
    # Exactly the contract's keys, retired models dated and given a replacement.
    assert all(set(m) == {"id", "source", "retired", "shutdown_date", "replacement", "capabilities"}
               for m in models + table_only)
    assert by_id["gpt-image-1"]["shutdown_date"] == "2026-10-23"
    assert by_id["gpt-image-1"]["replacement"] == "gpt-image-2.5-sunburst"


@pytest.mark.usefixtures("generation_path")
def test_profile_restrictions_refuse_what_the_profile_does_not_allow(cli: Cli, openai_fake: FakeOpenAIImages) -> None:
    setup_profile(cli, openai_fake.base_url, "openai", "gpt-image-1", "art", "--param",
                  'allowed_sizes=["1024x1024"]')
    # 1792x1024 maps to 1536x1024 on gpt-image-1, which the profile does not allow.
    refused = cli("generate", "--size", "1792x1024", "wide")
    assert refused.code == 2 and "allowed: 1024x1024" in refused.last_err_line
    assert openai_fake.requests_to("/images/generations") == []
    ok = cli("generate", "--json", "--size", "1024x1024", "square")
    assert ok.code == 0 and [w for w in ok.json()["warnings"] if "retired" not in w] == []
    bad = cli("image-profiles", "edit", "art", "--param", "allowed_sizes=1024x1024")
    assert bad.code == 2 and "allowed_sizes must be a non-empty JSON list" in bad.last_err_line
