"""The image-profile form's parameter fields per model shape, pinned (made-up models: catalogue-proof)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from quilltap_tui.imagegen import capabilities
from quilltap_tui.imagegen.spec_model import ModelSpec
from quilltap_tui.ui import params
from tests.golden import check_json
from tests.tools.test_option_schemas_golden import SPECS

GOLDEN = Path(__file__).parent / "golden" / "param_fields.json"


def test_image_form_fields_are_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    def spec_for(provider: str, model: str) -> ModelSpec:
        return SPECS[model]

    monkeypatch.setattr(capabilities, "spec_for", spec_for)
    pinned = {model: [asdict(f) for f in params.image_fields(spec.provider, model)] for model, spec in SPECS.items()}
    check_json(GOLDEN, pinned)
