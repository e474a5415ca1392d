"""`edit` through the real services against the loopback fakes: the contract's output, lineage, and every
wrong input refused with one clear sentence, the right exit code, nothing saved and nothing sent."""

from __future__ import annotations

import hashlib
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.cli.test_generate_cli import audit_rows, gallery_rows, image_files, setup_profile
from tests.fakes.image_servers import FakeGoogle, FakeOpenAIImages, FakeXAIImages
from tests.fakes.server import Reply
from tests.generation_support import generation_path  # noqa: F401  (a fixture: both stores)
from tests.support import Cli

pytestmark = pytest.mark.usefixtures("generation_path")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "0")
    return Cli(tmp_path / "home", monkeypatch)


@pytest.fixture
def fake() -> Iterator[FakeOpenAIImages]:
    with FakeOpenAIImages() as server:
        yield server


def write_png(path: Path, width: int = 64, height: int = 64, *, alpha: bool = False) -> Path:
    buffer = io.BytesIO()
    Image.new("RGBA" if alpha else "RGB", (width, height), (10, 20, 30, 0) if alpha else (10, 20, 30)).save(
        buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def generate_one(cli: Cli) -> dict:
    result = cli("generate", "--json", "a red fox")
    assert result.code == 0, result.err
    image: dict = result.json()["images"][0]
    return image


def test_edit_from_a_gallery_id_and_a_file_prints_inputs_and_records_lineage(
    cli: Cli, fake: FakeOpenAIImages, tmp_path: Path
) -> None:
    setup_profile(cli, fake.base_url, "openai", "gpt-image-2")
    parent = generate_one(cli)
    outside = write_png(tmp_path / "ref.png")
    before = outside.read_bytes()
    result = cli("edit", "--json", "--image", parent["id"][:8], "--image", str(outside), "--mask",
                 str(write_png(tmp_path / "mask.png", 1024, 1024, alpha=True)), "make", "the", "fox", "bigger")
    assert result.code == 0, result.err
    doc = result.json()
    assert set(doc) == {"images", "profile", "provider", "model", "used", "warnings", "inputs"}
    assert doc["inputs"] == [
        {"id": parent["id"], "path": parent["path"], "sha256": parent["sha256"]},
        {"id": None, "path": str(outside), "sha256": hashlib.sha256(before).hexdigest()},
    ]
    assert outside.read_bytes() == before  # read, never changed
    assert fake.edit_inputs == [[("image/png", 1024, 1024), ("image/png", 64, 64)]]
    child = doc["images"][0]
    listed = {item["id"]: item for item in cli("images", "list", "--json").json()}
    assert listed[child["id"]]["inputs"] == [parent["id"]]
    assert listed[parent["id"]]["inputs"] == []
    assert [row["action"] for row in audit_rows(cli)] == ["edit", "generate"]


def test_edit_on_xai_and_gemini_profiles(cli: Cli, tmp_path: Path) -> None:
    ref = write_png(tmp_path / "ref.png")
    with FakeXAIImages() as xai, FakeGoogle() as google:
        setup_profile(cli, xai.base_url, "grok", "grok-imagine-image-2.0", "x")
        setup_profile(cli, google.base_url, "google", "gemini-nano-banana-2.1", "g")
        for profile in ("x", "g"):
            result = cli("edit", "--json", "--profile", profile, "--image", str(ref), "add a hat")
            assert result.code == 0, result.err
        assert len(xai.edit_inputs) == 1 and len(google.edit_inputs) == 1


@pytest.mark.parametrize(
    ("model", "args", "code", "message"),
    [
        ("dall-e-3", ["--image", "REF"], 2, "Model dall-e-3 takes no input images, so it cannot edit"),
        ("gpt-image-2", ["--image", "REF"] * 17, 2, "Model gpt-image-2 takes at most 16 input images; 17 were given."),
        ("gpt-image-2", ["--image", "abcdef0123"], 3, "No gallery image with id 'abcdef0123'"),
        ("gpt-image-2", ["--image", "TEXT"], 2, "is not a PNG, JPEG or WebP image."),
        ("gpt-image-2", ["--image", "HUGE"], 2, "is 104.9 MB; an input image may be at most 50 MB."),
        ("gpt-image-2", ["--image", "REF", "--mask", "REF"], 2, "The mask is 64x64"),
    ],
)
def test_wrong_input_is_one_sentence_with_nothing_saved_or_sent(
    cli: Cli, fake: FakeOpenAIImages, tmp_path: Path, model: str, args: list[str], code: int, message: str
) -> None:
    setup_profile(cli, fake.base_url, "openai", model)
    ref = write_png(tmp_path / "ref.png", 64, 64)
    text = tmp_path / "notes.png"
    text.write_text("not an image at all")
    huge = tmp_path / "huge.png"
    with huge.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: 100 MiB without writing them
    paths = {"REF": str(ref), "TEXT": str(text), "HUGE": str(huge)}
    if message.startswith("The mask"):
        args = ["--image", str(write_png(tmp_path / "big.png", 128, 128)), "--mask", str(ref)]
    result = cli("edit", *[paths.get(a, a) for a in args], "change it")
    assert result.code == code, result.err
    assert message in result.err.strip().splitlines()[-1]
    assert fake.requests_to("/images") == []
    assert gallery_rows(cli) == 0 and image_files(cli) == [] and audit_rows(cli) == []


def test_mask_on_a_model_without_masks_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    with FakeXAIImages() as xai:
        setup_profile(cli, xai.base_url, "grok", "grok-imagine-image")
        ref = write_png(tmp_path / "ref.png")
        result = cli("edit", "--image", str(ref), "--mask", str(ref), "change it")
        assert result.code == 2
        assert result.err.strip().splitlines()[-1].endswith(
            "Model grok-imagine-image does not take a mask; edit without --mask.")
        assert xai.requests == []


def test_a_provider_refusal_saves_nothing_and_is_audited(cli: Cli, fake: FakeOpenAIImages, tmp_path: Path) -> None:
    setup_profile(cli, fake.base_url, "openai", "gpt-image-2")
    fake.script(Reply(400, {"error": {"message": "Your request was rejected by the safety system.",
                                      "type": "image_generation_user_error", "param": None,
                                      "code": "moderation_blocked"}}))
    result = cli("edit", "--image", str(write_png(tmp_path / "r.png")), "change it")
    assert result.code == 4
    assert gallery_rows(cli) == 0 and image_files(cli) == []
    [row] = audit_rows(cli)
    assert row["action"] == "edit" and row["outcome"] != "ok"


def test_deleting_a_parent_keeps_the_child_and_its_recorded_path(
    cli: Cli, fake: FakeOpenAIImages, tmp_path: Path
) -> None:
    setup_profile(cli, fake.base_url, "openai", "gpt-image-2")
    parent = generate_one(cli)
    child = cli("edit", "--json", "--image", parent["id"], "bigger").json()["images"][0]
    con = sqlite3.connect(cli.home / "quilltap.db")
    try:
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("delete from generated_image where id = ?", (parent["id"],))
        con.commit()
        rows = con.execute("select input_image_id, path from image_input where image_id = ?", (child["id"],)).fetchall()
    finally:
        con.close()
    assert rows == [(None, parent["path"])]
