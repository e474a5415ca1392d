"""A loopback fake of a ComfyUI server: ``/prompt``, ``/queue``, ``/history/{id}``, ``/view`` and friends.

What it rejects, as ComfyUI's ``server.py`` / ``execution.validate_prompt`` do: a body without ``prompt``
(400 ``no_prompt``), a graph with no output node (400 ``prompt_no_outputs``), an unknown node class, an
input of the wrong type or outside its range, a checkpoint the server does not have (400 "Prompt outputs
failed validation" with ``node_errors``), and a browser ``Origin`` whose host differs from ``Host`` (403).
A queued prompt waits ``queue_polls`` polls of ``/history`` (reported by ``/queue`` as pending, then
running) before its images appear. Prompt trigger ``[fail]``: the run ends with ``execution_error``.

``GET /ws?clientId=…`` is a real WebSocket (RFC 6455 handshake and frames on the request's socket), as
ComfyUI's ``server.py`` serves it: ``status`` on connect, then for each prompt queued with that
``client_id``: ``status``, ``execution_start``, ``execution_cached``, ``executing``, ``progress`` per sampler
step, ``executed``, ``execution_success`` and ``executing`` with ``node: null`` (or ``execution_error``), with
the prompt's images in ``/history`` from then on. ``previews``: a binary ``PREVIEW_IMAGE`` frame (4-byte
event 1, 4-byte type 2 = PNG, the PNG) after the first step. ``hold``: the prompt waits in the queue until
the event is set or it is deleted. ``websocket=False``: the upgrade is refused (404), as a proxy without
WebSockets would. ``drop_after``: the socket closes after that many events of a prompt.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import re
import socket
import struct
import threading
import urllib.parse
import uuid
from typing import Any, ClassVar

from PIL import Image

from tests.fakes.image_edits import parse_multipart
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
    "LoadImage": {"image": "input_file"},
    "VAEEncode": {"pixels": "link", "vae": "link"},
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
        ("GET", "/ws", "websocket"),
        ("POST", "/upload/image", "upload"),
    )

    def __init__(self, *, queue_polls: int = 2, ahead: int = 1, websocket: bool = True, previews: bool = False,
                 hold: threading.Event | None = None, drop_after: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.queue_polls = queue_polls  # history polls before the prompt finishes
        self.ahead = ahead  # prompts of others ahead of ours while it waits
        self.websocket_on = websocket
        self.previews = previews
        self.hold = hold
        self.drop_after = drop_after
        self.jobs: dict[str, dict[str, Any]] = {}
        self.deleted: list[str] = []
        self.interrupted = 0
        self.sockets: dict[str, _Socket] = {}
        self.inputs: dict[str, bytes] = {}  # the input folder: "subfolder/name" or "name" -> bytes
        self.sent: list[dict[str, Any] | bytes] = []  # every WebSocket message sent, in order
        self._jobs_lock = threading.Lock()

    def dispatch(self, request: Recorded) -> Reply:
        origin = request.headers.get("origin")
        if origin and urllib.parse.urlsplit(origin).netloc != request.headers.get("host"):
            self.requests.append(request)
            return Reply(403, body=b"", content_type="text/plain")
        if request.path == "/ws":  # the socket is no HTTP answer: scripted faults are for the calls after it
            with self._lock:
                self.requests.append(request)
            return self.websocket(request, None)
        return super().dispatch(request)

    # -- queueing ----------------------------------------------------------------------------------
    def prompt(self, request: Recorded, match: re.Match[str]) -> Reply:
        body = request.json if isinstance(request.json, dict) else {}
        graph = body.get("prompt")
        if not isinstance(graph, dict) or not graph:
            return Reply(400, {"error": {"type": "no_prompt", "message": "No prompt provided", "details": "",
                                         "extra_info": {}}, "node_errors": []})
        problem = _validate(graph, self.inputs)
        if problem:
            return problem
        prompt_id = str(uuid.uuid4())
        with self._jobs_lock:
            self.jobs[prompt_id] = {"graph": graph, "polls": 0, "number": len(self.jobs)}
        client = self.sockets.get(str(body.get("client_id")))
        if client is not None:
            threading.Thread(target=self._run, args=(client, prompt_id), daemon=True).start()
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
        if job.get("done"):  # run to its end on the socket
            return Reply(json={prompt_id: self._finished(prompt_id, job["graph"])})
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
        latent = next((n["inputs"] for n in graph.values() if n["class_type"] == "EmptyLatentImage"), None)
        if latent is None:  # image-to-image: one image the size of the loaded reference
            loaded = next(n["inputs"]["image"] for n in graph.values() if n["class_type"] == "LoadImage")
            with Image.open(io.BytesIO(self.inputs[loaded])) as reference:
                latent = {"width": reference.width, "height": reference.height, "batch_size": 1}
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

    def upload(self, request: Recorded, match: re.Match[str]) -> Reply:
        """``POST /upload/image`` as server.py's ``image_upload``: multipart ``image``, type, subfolder, overwrite."""
        parsed = parse_multipart(request)
        fields, files = (dict(parsed[0]), parsed[1]) if parsed else ({}, [])
        image = next(((name, data) for part, name, _, data in files if part == "image"), None)
        if image is None or not image[0]:
            return Reply(400, body=b"", content_type="text/plain")
        if fields.get("type", "input") != "input" or ".." in image[0] or "/" in image[0]:
            return Reply(400, body=b"", content_type="text/plain")
        subfolder = fields.get("subfolder", "")
        key = f"{subfolder}/{image[0]}" if subfolder else image[0]
        if key in self.inputs and fields.get("overwrite") not in ("true", "1") and self.inputs[key] != image[1]:
            stem, dot, ext = image[0].rpartition(".")
            key = f"{stem} (1){dot}{ext}"
        self.inputs[key] = image[1]
        return Reply(json={"name": key.rpartition("/")[2], "subfolder": subfolder, "type": "input"})

    # -- the progress socket -----------------------------------------------------------------------
    def websocket(self, request: Recorded, match: re.Match[str] | None) -> Reply:
        key = request.headers.get("sec-websocket-key")
        if not self.websocket_on or request.headers.get("upgrade", "").lower() != "websocket" or not key:
            return Reply(404, body=b"404: Not Found", content_type="text/plain")
        sid = request.query.get("clientId", [uuid.uuid4().hex])[0]
        accept = base64.b64encode(hashlib.sha1((key + _WS_GUID).encode()).digest()).decode()

        def serve(conn: socket.socket) -> None:
            # Registered before the handshake's answer: the client may queue its prompt the moment it has the
            # answer, and a prompt queued before the socket was known got no events at all (a hang, seen once).
            client = _Socket(conn)
            self.sockets[sid] = client
            conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
            client.send_json({"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 0}}, "sid": sid}})
            try:
                client.read_until_closed()
            finally:
                self.sockets.pop(sid, None)

        return Reply(raw=serve)

    def _run(self, client: _Socket, prompt_id: str) -> None:
        """Send the events of one prompt, as ComfyUI's executor does, and finish it."""
        job = self.jobs[prompt_id]
        graph = job["graph"]
        sent = 0

        def send(message: dict[str, Any] | bytes) -> bool:
            nonlocal sent
            if self.drop_after is not None and sent >= self.drop_after:
                client.close()
                return False
            sent += 1
            self.sent.append(message)
            return client.send_bytes(message) if isinstance(message, bytes) else client.send_json(message)

        def event(kind: str, **data: Any) -> bool:
            return send({"type": kind, "data": {**data, "prompt_id": prompt_id}})

        status = {"type": "status", "data": {"status": {"exec_info": {"queue_remaining": self.ahead + 1}}}}
        if not send(status):
            return
        while self.hold is not None and not self.hold.wait(0.02):
            if prompt_id in self.deleted or client.closed:
                return
        sampler = next((n["inputs"] for n in graph.values() if n["class_type"] == "KSampler"), {})
        text = " ".join(str(n["inputs"].get("text", "")) for n in graph.values() if n["class_type"] == "CLIPTextEncode")
        if not (event("execution_start", timestamp=1) and event("execution_cached", nodes=[], timestamp=1)
                and event("executing", node="4", display_node="4") and event("executing", node="3", display_node="3")):
            return
        if "[fail]" in text:
            error = self._finished(prompt_id, graph)["status"]["messages"][1][1]
            job["done"] = True
            event("execution_error", **{k: v for k, v in error.items() if k != "prompt_id"}, traceback=[],
                  current_inputs={}, current_outputs={}, timestamp=2)
            return
        steps = int(sampler.get("steps", 1))
        for step in range(1, steps + 1):
            if not event("progress", value=step, max=steps, node="3"):
                return
            if step == 1 and self.previews:
                preview = make_image(64, 64, "PNG", "preview")
                if not send(struct.pack(">II", 1, 2) + preview):
                    return
        job["done"] = True
        if event("executing", node="9", display_node="9") and event("execution_success", timestamp=3):
            event("executing", node=None, display_node=None)


_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3


class _Socket:
    """The server side of one WebSocket: unmasked frames out, masked frames in (close and ping answered)."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.closed = False
        self._lock = threading.Lock()

    def send_json(self, message: dict[str, Any]) -> bool:
        return self._frame(0x1, json.dumps(message).encode())

    def send_bytes(self, data: bytes) -> bool:
        return self._frame(0x2, data)

    def close(self) -> None:
        self._frame(0x8, struct.pack(">H", 1001))
        self.closed = True
        with contextlib.suppress(OSError):
            self.conn.shutdown(socket.SHUT_RDWR)

    def _frame(self, opcode: int, payload: bytes) -> bool:
        size = len(payload)
        head = bytes([0x80 | opcode]) + (bytes([size]) if size < 126 else
                                         bytes([126]) + struct.pack(">H", size) if size < 65536 else
                                         bytes([127]) + struct.pack(">Q", size))
        with self._lock:
            if self.closed:
                return False
            try:
                self.conn.sendall(head + payload)
            except OSError:
                self.closed = True
                return False
        return True

    def read_until_closed(self) -> None:
        try:
            while not self.closed:
                head = self._read(2)
                opcode, size = head[0] & 0x0F, head[1] & 0x7F
                if size == 126:
                    (size,) = struct.unpack(">H", self._read(2))
                elif size == 127:
                    (size,) = struct.unpack(">Q", self._read(8))
                mask = self._read(4) if head[1] & 0x80 else b"\0\0\0\0"
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read(size)))
                if opcode == 0x8:
                    self._frame(0x8, payload[:2])
                    break
                if opcode == 0x9:
                    self._frame(0xA, payload)
        except (OSError, EOFError):
            pass
        finally:
            self.closed = True

    def _read(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.conn.recv(count - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data


def _validate(graph: dict[str, Any], inputs: dict[str, bytes]) -> Reply | None:
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
            value = node["inputs"].get(name)
            if rule == "input_file":  # LoadImage's VALIDATE_INPUTS: the file must be in the input folder
                if value not in inputs:
                    return node_error(node_id, str(class_type), "Custom validation failed for node",
                                      f"image - Invalid image file: {value}")
                continue
            problem = _check_input(node_id, str(class_type), name, value, rule)
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
