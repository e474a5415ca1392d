"""A loopback fake of Ollama's native ``POST /api/generate`` for its experimental image models.

What it rejects, as Ollama does (langchain4j OllamaImageModel tests; docs.ollama.com): an unknown model
(404 ``{"error": "model \\"m\\" not found, try pulling it first"}``), a width or height above 4096 or not
a whole number (400 ``{"error"}``), a top-level ``seed`` (the seed is a model option: 400). A text model
answers ``response`` text and no image. The OpenAI layer lives at ``/v1``; this route is at the root.
"""

from __future__ import annotations

from typing import Any, ClassVar

from tests.fakes.image_servers import b64, make_image
from tests.fakes.server import FakeServer, Recorded, Reply

IMAGE_MODELS = ("x/z-image-turbo", "x/flux2-klein")
TEXT_MODELS = ("llama3.2",)
FIELDS = {"model", "prompt", "width", "height", "steps", "options", "stream", "keep_alive"}


def ollama_error(status: int, message: str) -> Reply:
    return Reply(status, {"error": message})


class FakeOllamaImages(FakeServer):
    """Ollama at its root; ``base_url`` is the ``/v1`` a profile holds."""

    prefix = "/v1"
    routes: ClassVar = ()

    def dispatch(self, request: Recorded) -> Reply:
        if request.method == "POST" and request.path == "/api/generate":
            with self._lock:
                self.requests.append(request)
                scripted = self._scripted.pop(0) if self._scripted else None
            return scripted or self.generate(request)
        if request.method == "GET" and request.path == "/api/version":
            self.requests.append(request)
            return Reply(json={"version": "0.14.3"})
        return super().dispatch(request)

    def generate(self, request: Recorded) -> Reply:
        body: dict[str, Any] = request.json if isinstance(request.json, dict) else {}
        model = body.get("model")
        if model not in IMAGE_MODELS + TEXT_MODELS:
            return ollama_error(404, f'model "{model}" not found, try pulling it first')
        extra = sorted(set(body) - FIELDS)
        if extra:
            return ollama_error(400, f"invalid request: unknown field {extra[0]!r}")
        for name in ("width", "height"):
            value = body.get(name, 1024)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 4096:
                return ollama_error(400, f"{name} must be between 1 and 4096")
        if model in TEXT_MODELS:
            return Reply(json={"model": model, "created_at": "2026-12-02T10:00:00Z",
                               "response": "I am a language model; here is a description of a cat.", "done": True})
        seed = (body.get("options") or {}).get("seed")
        image = make_image(body.get("width", 1024), body.get("height", 1024), "PNG", f"{body.get('prompt')}{seed}")
        return Reply(json={"model": model, "created_at": "2026-12-02T10:00:00Z", "image": b64(image), "done": True,
                           "done_reason": "stop", "total_duration": 812000000})

