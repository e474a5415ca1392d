"""Every model the app suggests is current: the build fails when a suggestion is retired in the catalogue.

Checked: the catalogue's suggestions (new profile forms, profiles made from a chat profile), the model of
every ``image-profiles add`` / ``from-chat-profile`` command in the README and docs, and the TOML examples
of models.toml in the docs (they must load as they are written).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from quilltap_tui.imagegen import catalogue
from quilltap_tui.imagegen.capabilities import known_models, spec_for, suggested_models
from quilltap_tui.services.chats import image_capable
from quilltap_tui.ui.params import model_hint

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CATALOGUE_IDS = {model: provider for provider in ("openai", "grok", "google") for model, _ in known_models(provider)}


@pytest.mark.parametrize("suggestion", suggested_models(), ids=lambda s: s["model"])
def test_every_suggested_model_is_current(suggestion: dict[str, str]) -> None:
    spec = spec_for(suggestion["image_provider"], suggestion["model"])
    assert suggestion["model"] in dict(known_models(suggestion["image_provider"])), "suggest catalogue models only"
    assert not spec.retired and not spec.deprecated, f"{suggestion['model']} is no longer current"


def test_from_chat_profile_defaults_and_form_hints_are_the_suggestions() -> None:
    suggested = {s["chat_provider"]: (s["image_provider"], s["model"]) for s in suggested_models()}
    assert image_capable() == suggested
    for image_provider, model in suggested.values():
        assert model_hint("image", image_provider) == f"e.g. {model} (any model id)"


def _commands(text: str) -> list[str]:
    """Shell commands in fenced sh blocks, continuation lines joined."""
    blocks = re.findall(r"```(?:sh|bash|console)\n(.*?)```", text, re.S)
    return [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]


def _suggested_in(path: Path) -> list[str]:
    found = []
    for command in _commands(path.read_text(encoding="utf-8")):
        if "image-profiles" in command and "--model" in command:
            found += re.findall(r"--model\s+(\S+)", command)
    return found


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_image_models_in_the_docs_commands_are_current(path: Path) -> None:
    for model in _suggested_in(path):
        if model in CATALOGUE_IDS:
            spec = spec_for(CATALOGUE_IDS[model], model)
            assert not spec.retired and not spec.deprecated, f"{path.name} suggests {model}, which is not current"


def test_the_readme_quick_start_uses_a_current_model() -> None:
    models = _suggested_in(ROOT / "README.md")
    assert models and all(m in CATALOGUE_IDS for m in models[:1])


@pytest.mark.parametrize("path", [ROOT / "README.md", ROOT / "docs" / "image-generation.md"], ids=lambda p: p.name)
def test_models_toml_examples_in_the_docs_load(path: Path, tmp_path: Path) -> None:
    examples = [b for b in re.findall(r"```toml\n(.*?)```", path.read_text(encoding="utf-8"), re.S)
                if "[[image_models]]" in b]
    assert examples
    for index, example in enumerate(examples):
        tomllib.loads(example)
        file = tmp_path / f"models-{index}.toml"
        file.write_text(example, encoding="utf-8")
        stat = file.stat()
        loaded, problem = catalogue._parse_user(str(file), stat.st_mtime_ns, stat.st_size)
        assert problem is None and loaded is not None, problem
