"""``generate`` and ``edit``: their help and what their option flags hand the generation service, pinned."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from quilltap_tui.imagegen.spec import UsedParams
from quilltap_tui.services import generation
from quilltap_tui.services.generation import GenerationOutcome
from tests.golden import check_json
from tests.support import Cli

GOLDEN = Path(__file__).parent / "golden" / "image_flags.json"

ALL_FLAGS = ["--profile", "art", "--size", "1792x1024", "--aspect-ratio", "16:9", "--quality", "hd",
             "--style", "vivid", "--count", "3", "--negative-prompt", "text", "--seed", "-5",
             "--param", "output_format=webp", "--param", "resolution=2K", "--no-preview", "a", "fox"]
BAD = [["--count", "-1"], ["--count", "x"], ["--seed", "1.5"], ["--count", "1000000001"],
       ["--seed", str(2**64)], ["--resolution", "2K"]]


class RecordingService:
    """Stands in for the generation service: records what the command asked for, makes nothing."""

    calls: list[dict[str, Any]] = []

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        pass

    async def generate(self, prompt: str, **kwargs: Any) -> GenerationOutcome:
        return self._record("generate", prompt, None, **kwargs)

    async def edit(self, prompt: str, images: Any, **kwargs: Any) -> GenerationOutcome:
        return self._record("edit", prompt, list(images.images), **kwargs)

    def _record(self, action: str, prompt: str, refs: Any, *, options: Any, **kwargs: Any) -> GenerationOutcome:
        values = {f.name: getattr(options, f.name) for f in fields(options) if f.name != "extras"}
        flat = dict(sorted({**{k: v for k, v in values.items() if v is not None}, **options.extras}.items()))
        self.calls.append({"action": action, "prompt": prompt, "refs": refs, "options": flat,
                           "profile": kwargs["profile"], "source": kwargs["source"]})
        return GenerationOutcome([], UsedParams(), [], "art", "openai", "m")

    async def aclose(self) -> None:
        pass


def test_generate_and_edit_flags_are_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps help to the terminal's width
    monkeypatch.setattr(generation, "GenerationService", RecordingService)
    RecordingService.calls = []
    cli = Cli(tmp_path, monkeypatch)
    pinned: dict[str, Any] = {}
    for command in ("generate", "edit"):
        shown = cli(command, "--help")
        pinned[f"{command} --help"] = shown.out.splitlines()
        refs = ["--image", "abc123", "--image", "def456"] if command == "edit" else []
        assert cli(command, *refs, *ALL_FLAGS).code == 0
        assert cli(command, *refs, "a fox").code == 0
        pinned[f"{command} bad"] = [[flags, cli(command, *refs, *flags, "a fox").err.splitlines()[-1]]
                                    for flags in BAD]
    pinned["calls"] = RecordingService.calls
    check_json(GOLDEN, pinned)
