"""A loopback fake of a ComfyUI server: ``/prompt``, ``/queue``, ``/history/{id}``, ``/view`` and friends.

What it rejects, as ComfyUI's ``server.py`` / ``execution.validate_prompt`` do: a body without ``prompt``
(400 ``no_prompt``), a graph with no output node (400 ``prompt_no_outputs``), an unknown node class, an
input of the wrong type or outside its range, a checkpoint the server does not have (400 "Prompt outputs
failed validation" with ``node_errors``), and a browser ``Origin`` whose host differs from ``Host`` (403).
A queued prompt waits ``queue_polls`` polls of ``/history`` (reported by ``/queue`` as pending, then
running) before its images appear. Prompt trigger ``[fail]``: the run ends with ``execution_error``.
"""

from __future__ import annotations

import re
import threading
import urllib.parse
import uuid
from typing import Any, ClassVar

from tests.fakes.image_servers import make_image
from tests.fakes.server import FakeServer, Recorded, Reply

CHECKPOINTS = ("sd_xl_base_1.0.safetensors", "v1-5-pruned-emaonly.safetensors")
NODE_TYPES: dict[str, dict[str, Any]] = {  # class -> input name -> (kind, low, high) or "link" / "text" / "any"
    "KSampler": {"seed": ("int", 0, 2**64 - 1), "steps": ("int", 1, 10000), "cfg": ("float", 0.0, 100.0),
                 "sampler_name": "text", "scheduler": "text", "denoise": ("float", 0.0, 1.0), "model": "link",
                 "positive": "link", "negative": "link", "latent_image": "link"},
    "CheckpointLoaderSimple": {"ckpt_name": "checkpoint"},
    "EmptyLatentImage": {"width": ("int", 16, 16384), "height": ("int", 16, 16384), "batch_size": ("int", 1, 4096)},
    "CLIPTextEncode": {"text": "text", "clip": "link"},
    "VAEDecode": {"samples": "link", "vae": "link"},
    "SaveImage": {"filename_prefix": "text", "images": "link"},
    "PreviewImage": {"images": "link"},
}
OUTPUT_NODES = ("SaveImage", "PreviewImage")


def node_error(node_id: str, class_type: str, message: str, details: str) -> Reply:
    error = {"type": "value_not_valid", "message": message, "details": details, "extra_info": {}}
    return Reply(400, {"error": {"type": "prompt_outputs_failed_validation",
                                 "message": "Prompt outputs failed validation", "details": "", "extra_info": {}},
                       "node_errors": {node_id: {"errors": [error], "dependent_outputs": ["9"],
                                                 "class_type": class_type}}})


class FakeComfyUI(FakeServer):
    """ComfyUI at its root (every route is also under ``/api`` on a real server; the client uses the root)."""

    routes: ClassVar = (
        ("POST", "/prompt", "prompt"),
        ("GET", "/queue", "queue"),
        ("POST", "/queue", "queue_delete"),
        ("POST", "/interrupt", "interrupt"),
        ("GET", "/history/([^/]+)", "history"),
        ("GET", "/view", "view"),
        ("GET", "/models/checkpoints", "checkpoints"),
        ("GET", "/system_stats", "system_stats"),
    )

    def __init__(self, *, queue_polls: int = 2, ahead: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.queue_polls = queue_polls  # history polls before the prompt finishes
        self.ahead = ahead  # prompts of others ahead of ours while it waits
        self.jobs: dict[str, dict[str, Any]] = {}
        self.deleted: list[str] = []
        self.interrupted = 0
        self._jobs_lock = threading.Lock()

    def dispatch(self, request: Recorded) -> Reply:
        origin = request.headers.get("origin")
        if origin and urllib.parse.urlsplit(origin).netloc != request.headers.get("host"):
            self.requests.append(request)
            return Reply(403, body=b"", content_type="text/plain")
        return super().dispatch(request)

    # -- queueing ----------------------------------------------------------------------------------
    def prompt(self, request: Recorded, match: re.Match[str]) -> Reply:
        body = request.json if isinstance(request.json, dict) else {}
        graph = body.get("prompt")
        if not isinstance(graph, dict) or not graph:
            return Reply(400, {"error": {"type": "no_prompt", "message": "No prompt provided", "details": "",
                                         "extra_info": {}}, "node_errors": []})
        problem = _validate(graph)
        if problem:
            return problem
        prompt_id = str(uuid.uuid4())
        with self._jobs_lock:
            self.jobs[prompt_id] = {"graph": graph, "polls": 0, "number": len(self.jobs)}
        return Reply(json={"prompt_id": prompt_id, "number": len(self.jobs) - 1, "node_errors": {}})

    def queue(self, request: Recorded, match: re.Match[str]) -> Reply:
        # Ours waits behind ``ahead`` prompts of others until its last poll before finishing, then runs.
        running: list[list[Any]] = []
        pending: list[list[Any]] = []
        for prompt_id, job in self.jobs.items():
            if prompt_id in self.deleted or job["polls"] >= self.queue_polls:
                continue
            row = [job["number"] + self.ahead, prompt_id, job["graph"], {}, ["9"]]
            (pending if job["polls"] < self.queue_polls - 1 else running).append(row)
        others = [[n, f"other-{n}", {}, {}, []] for n in range(self.ahead)] if pending else []
        return Reply(json={"queue_running": others[:1] + running, "queue_pending": others[1:] + pending})

    def queue_delete(self, request: Recorded, match: re.Match[str]) -> Reply:
        body = request.json if isinstance(request.json, dict) else {}
        self.deleted += [str(i) for i in body.get("delete", [])]
        return Reply(body=b"", content_type="text/plain")

    def interrupt(self, request: Recorded, match: re.Match[str]) -> Reply:
        self.interrupted += 1
        return Reply(body=b"", content_type="text/plain")

    def history(self, request: Recorded, match: re.Match[str]) -> Reply:
        prompt_id = match[1]
        job = self.jobs.get(prompt_id)
        if job is None or prompt_id in self.deleted:
            return Reply(json={})
        job["polls"] += 1
        if job["polls"] <= self.queue_polls:
            return Reply(json={})
        return Reply(json={prompt_id: self._finished(prompt_id, job["graph"])})

    def _finished(self, prompt_id: str, graph: dict[str, Any]) -> dict[str, Any]:
        text = " ".join(str(n["inputs"].get("text", "")) for n in graph.values() if n["class_type"] == "CLIPTextEncode")
        if "[fail]" in text:
            error = {"prompt_id": prompt_id, "node_id": "3", "node_type": "KSampler",
                     "exception_message": "CUDA out of memory. Tried to allocate 2.00 GiB", "exception_type": "OOM"}
            return {"prompt": [], "outputs": {}, "status": {"status_str": "error", "completed": False,
                                                            "messages": [["execution_start", {}],
                                                                         ["execution_error", error]]}}
        latent = next(n["inputs"] for n in graph.values() if n["class_type"] == "EmptyLatentImage")
        outputs: dict[str, Any] = {}
        for node_id, node in graph.items():
            if node["class_type"] in OUTPUT_NODES:
                kind = "output" if node["class_type"] == "SaveImage" else "temp"
                outputs[node_id] = {"images": [
                    {"filename": self._store(latent, f"{text}{latent.get('batch_size')}{i}", kind, prompt_id, i),
                     "subfolder": "", "type": kind} for i in range(latent["batch_size"])]}
        return {"prompt": [], "outputs": outputs,
                "status": {"status_str": "success", "completed": True, "messages": [["execution_success", {}]]}}

    def _store(self, latent: dict[str, Any], seed: str, kind: str, prompt_id: str, index: int) -> str:
        name = f"quilltap_{prompt_id[:8]}_{index:05}_.png"
        self.files[f"{kind}/{name}"] = (make_image(latent["width"], latent["height"], "PNG", seed), "image/png")
        return name

    def view(self, request: Recorded, match: re.Match[str]) -> Reply:
        kind = request.query.get("type", ["output"])[0]
        name = request.query.get("filename", [""])[0]
        found = self.files.get(f"{kind}/{name}")
        return Reply(body=found[0], content_type=found[1]) if found else Reply(404, body=b"", content_type="text/plain")

    def checkpoints(self, request: Recorded, match: re.Match[str]) -> Reply:
        return Reply(json=list(CHECKPOINTS))

    def system_stats(self, request: Recorded, match: re.Match[str]) -> Reply:
        return Reply(json={"system": {"os": "posix", "comfyui_version": "0.4.2"}, "devices": []})


def _validate(graph: dict[str, Any]) -> Reply | None:
    if not any(isinstance(n, dict) and n.get("class_type") in OUTPUT_NODES for n in graph.values()):
        return Reply(400, {"error": {"type": "prompt_no_outputs", "message": "Prompt has no outputs", "details": "",
                                     "extra_info": {}}, "node_errors": []})
    for node_id, node in graph.items():
        class_type = node.get("class_type") if isinstance(node, dict) else None
        schema = NODE_TYPES.get(str(class_type))
        if schema is None:
            return Reply(400, {"error": {"type": "invalid_prompt", "message": f"Cannot execute because node "
                                         f"{class_type} does not exist.", "details": f"Node ID '#{node_id}'",
                                         "extra_info": {}}, "node_errors": {}})
        for name, rule in schema.items():
            problem = _check_input(node_id, str(class_type), name, node["inputs"].get(name), rule)
            if problem:
                return problem
    return None


def _check_input(node_id: str, class_type: str, name: str, value: Any, rule: Any) -> Reply | None:
    if value is None:
        return node_error(node_id, class_type, "Required input is missing", name)
    if rule == "link":
        ok = isinstance(value, list) and len(value) == 2
    elif rule == "checkpoint":
        if value not in CHECKPOINTS:
            return node_error(node_id, class_type, "Value not in list",
                              f"ckpt_name: '{value}' not in {list(CHECKPOINTS)}")
        return None
    elif rule == "text":
        ok = isinstance(value, str)
    else:
        kind, low, high = rule
        numeric = (int,) if kind == "int" else (int, float)
        ok = isinstance(value, numeric) and not isinstance(value, bool) and low <= value <= high
        if ok and class_type == "EmptyLatentImage" and name in ("width", "height"):
            ok = value % 8 == 0
    if not ok:
        return node_error(node_id, class_type, "Failed to convert an input value to a "
                          f"{rule[0] if isinstance(rule, tuple) else rule} value", f"{name}, {value!r}")
    return None
