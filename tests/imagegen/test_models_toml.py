"""models.toml: users add or correct models without a code change (the contract's "The model catalogue")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from quilltap_tui.imagegen.capabilities import spec_for
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.support import Cli

NEW_MODEL = """\
[[image_models]]
provider = "openai"          # an image provider id
id = "gpt-image-3"
family = "gpt-image-2"       # start from this model's (or family's) capabilities
free_size = false
sizes = ["1024x1024", "1024x1536"]
qualities = ["low", "medium", "high", "auto", "xhigh"]
retired = false

[[image_models]]
provider = "openai"
id = "gpt-image-2"           # a built-in id: this entry corrects the built-in facts
retired = true
shutdown_date = "2027-01-15"
replacement = "gpt-image-3"
"""


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path / "home", monkeypatch)


@pytest.fixture
def fake() -> Iterator[FakeOpenAIImages]:
    with FakeOpenAIImages(models=("gpt-image-2", "gpt-image-3")) as server:
        yield server  # type: ignore[misc]


def write(cli: Cli, text: str) -> Path:
    cli.home.mkdir(parents=True, exist_ok=True)
    path = cli.home / "models.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_model_added_in_models_toml_is_listed_and_generation_uses_it(cli: Cli, fake: FakeOpenAIImages) -> None:
    write(cli, NEW_MODEL)
    models = {m["id"]: m for m in cli("models", "--provider", "openai", "--json").json()}
    added = models["gpt-image-3"]
    assert added["source"] == ["catalogue"] and added["retired"] is False
    assert added["capabilities"]["qualities"] == ["low", "medium", "high", "auto", "xhigh"]
    assert added["capabilities"]["sizes"] == ["1024x1024", "1024x1536"] and added["capabilities"]["free_size"] is None
    corrected = models["gpt-image-2"]
    assert corrected["source"] == ["built-in", "catalogue"]
    assert (corrected["retired"], corrected["shutdown_date"], corrected["replacement"]) == (
        True, "2027-01-15", "gpt-image-3"
    )
    assert corrected["capabilities"]["free_size"] is not None  # capabilities kept where not overridden

    assert cli("keys", "add", "--provider", "openai", "--label", "k", stdin=TEST_KEYS["openai"] + "\n").code == 0
    made = cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-3",
               "--key", "k", "--base-url", fake.base_url, "--default")
    assert made.code == 0, made.err
    result = cli("generate", "--json", "--size", "1536x1024", "a fox")
    assert result.code == 0, result.err
    # The fixed sizes from models.toml decide: 1536x1024 snaps to the nearest one the file allows.
    assert fake.requests_to("/images/generations")[0].json["size"] == "1024x1024"
    assert result.json()["used"]["size"] == "1024x1024"
    assert result.json()["warnings"] == ["size 1536x1024 is not available on gpt-image-3; used 1024x1024 (nearest)."]


def test_generate_with_a_model_retired_in_models_toml_warns_naming_the_replacement(
    cli: Cli, fake: FakeOpenAIImages
) -> None:
    write(cli, NEW_MODEL)
    assert cli("keys", "add", "--provider", "openai", "--label", "k", stdin=TEST_KEYS["openai"] + "\n").code == 0
    assert cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-2",
               "--key", "k", "--base-url", fake.base_url, "--default").code == 0
    result = cli("generate", "--json", "a fox")
    assert result.code == 0, result.err
    assert result.json()["warnings"][0] == (
        "gpt-image-2 was retired by OpenAI on 2027-01-15; sent anyway because compatible servers may still serve "
        "it. Use gpt-image-3 instead."
    )


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ('[[image_models]]\nprovider = "openai"\nid = "x-1"\nqualities = "high"\n', 4, "qualities"),
        ('[[image_models]]\nprovider = "openai"\nid = "x-1"\n\n[[image_models]]\nprovider = "openai"\n'
         'id = "x-2"\nfamily = "no-such-family"\n', 8, "family"),
        ('[[image_models]]\nprovider = "openai"\nid = "x-1"\nshutdown_date = "soon"\n', 4, "shutdown_date"),
        ('[[image_models]]\nprovider = "openai"\nid = "x-1"\nmax_images_per_request = 0\n', 4,
         "max_images_per_request"),
        ('[[image_models]]\nprovider = "dreamhost-images"\nid = "x-1"\n', 2, "provider"),
        ('[[image_models]]\nprovider = "openai"\nid = "x-1"\nsizes = ["big"]\n', 4, "sizes"),
        ('[[image_models]]\nprovider = "openai"\nid = "x-1"\ncolour = "red"\n', 4, "colour"),
    ],
)
def test_a_malformed_file_makes_models_exit_2_naming_file_line_and_field(
    cli: Cli, text: str, line: int, field: str
) -> None:
    path = write(cli, text)
    result = cli("models", "--provider", "openai", "--json")
    assert result.code == 2 and result.out == ""
    last = result.last_err_line
    assert str(path) in last and f"line {line}" in last and f"field {field}" in last, last


def test_invalid_toml_names_the_line_too(cli: Cli) -> None:
    path = write(cli, '[[image_models]]\nprovider = "openai"\nid = \n')
    result = cli("models", "--provider", "openai")
    assert result.code == 2
    assert str(path) in result.last_err_line and "line 3" in result.last_err_line


def test_other_commands_go_on_with_the_built_in_table_and_say_so_once(cli: Cli) -> None:
    path = write(cli, '[[image_models]]\nprovider = "openai"\nid = "x-1"\nqualities = "high"\n')
    result = cli("image-profiles", "list", "--json")
    assert result.code == 0 and result.json() == []
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and "using the built-in model table" in lines[0]
    assert spec_for("openai", "gpt-image-2").retired is False  # the built-in facts stay in force


def test_no_file_no_warning(cli: Cli) -> None:
    result = cli("image-profiles", "list", "--json")
    assert result.code == 0 and result.err == ""


@pytest.mark.parametrize("home", [True, False])
def test_the_warning_looks_for_the_file_the_catalogue_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: bool
) -> None:
    from quilltap_tui.imagegen.catalogue import user_file
    from quilltap_tui.services import model_catalogue

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    if home:
        monkeypatch.setenv("QUILLTAP_HOME", str(tmp_path / "home"))
    else:
        monkeypatch.delenv("QUILLTAP_HOME", raising=False)
    assert model_catalogue.user_file() == user_file()  # the warning's cheap look (no catalogue import) finds it


def test_the_catalogues_file_follows_a_changed_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without QUILLTAP_HOME the file is under XDG_CONFIG_HOME; a second home in the same process is looked up anew
    (the lookup's cache once kept the first answer: a whole-suite run failed on it after another test's call)."""
    from quilltap_tui.imagegen.catalogue import user_file

    monkeypatch.delenv("QUILLTAP_HOME", raising=False)
    for name in ("first", "second"):
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / name))
        assert user_file() == tmp_path / name / "quilltap-tui" / "models.toml"
