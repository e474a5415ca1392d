"""Ctrl-C on ``generate`` with a queueing provider (the real program in a subprocess): the job is
cancelled at the provider where its API allows it, the exit code is 130, and nothing is saved.

fal: ``PUT cancel_url`` (fal-js ``queue.ts`` ``cancel``); Replicate: ``POST urls.cancel``
(``/v1/predictions/{id}/cancel``, replicate-javascript ``predictions.cancel``); ComfyUI: a waiting
prompt is deleted with ``POST /queue {"delete": [id]}`` (ComfyUI ``server.py`` ``post_queue``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.comfyui_server import CHECKPOINTS, FakeComfyUI
from tests.fakes.fal_queue import FAL_KEY, FakeFalQueue
from tests.fakes.replicate_server import REPLICATE_TOKEN, FakeReplicate
from tests.support import base_env, run_subprocess

CASES: dict[str, tuple[Any, list[str], dict[str, str], str]] = {
    # provider: (fake factory, profile args, environment, the stderr note that says it is queued)
    "fal": (lambda: FakeFalQueue(polls=10_000), ["--model", "fal-ai/flux/dev"], {"FAL_KEY": FAL_KEY},
            "fal.ai: queue position"),
    "replicate": (lambda: FakeReplicate(finish_in=10_000), ["--model", "black-forest-labs/flux-schnell"],
                  {"REPLICATE_API_TOKEN": REPLICATE_TOKEN}, "Replicate: processing"),
    # Held in the queue (its WebSocket says so) until cancelled.
    "comfyui": (lambda: FakeComfyUI(queue_polls=10_000, hold=threading.Event()), ["--model", CHECKPOINTS[0]], {},
                "ComfyUI: waiting in the queue"),
}


def _cancelled(provider: str, fake: Any) -> list[str]:
    if provider == "comfyui":
        return list(fake.deleted)
    return list(fake.cancelled)


@pytest.mark.parametrize("store", ["orm", "plain"])
@pytest.mark.parametrize("provider", sorted(CASES))
def test_ctrl_c_cancels_at_the_provider_and_saves_nothing(tmp_path: Path, provider: str, store: str) -> None:
    factory, model_args, env_keys, queued_note = CASES[provider]
    home = tmp_path / "home"
    with factory() as fake:
        added = run_subprocess(["image-profiles", "add", "--name", "q", "--provider", provider, *model_args,
                                "--base-url", fake.base_url, "--default"], home=home, env=env_keys)
        assert added.code == 0, added.err
        if store == "plain":  # the home's first full sweep done: generate takes the plain sqlite3 store
            assert run_subprocess(["images", "list"], home=home).code == 0
        env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_")} | base_env(home) | env_keys
        proc = subprocess.Popen([sys.executable, "-m", "quilltap_tui", "generate", "a fox"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        first = proc.stderr.readline()  # the first progress note: the job is queued at the provider
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        deadline = time.monotonic() + 5
        while not _cancelled(provider, fake) and time.monotonic() < deadline:
            time.sleep(0.02)  # the cancel request may land just after the process reported
        jobs = list(getattr(fake, "jobs", None) or getattr(fake, "predictions", {}))
    assert first.startswith(queued_note), first + err
    assert proc.returncode == 130 and err.strip().splitlines()[-1] == "quilltap-tui: Interrupted."
    assert out == "" and _cancelled(provider, fake) == jobs and len(jobs) == 1
    images = home / "images"
    assert not images.exists() or not [p for p in images.rglob("*") if p.is_file()]
    audit = run_subprocess(["audit", "--json"], home=home).json()
    assert [(e["outcome"], e["image_ids"]) for e in audit] == [("cancelled", [])]
