"""The image side of the fault matrix, as data: every provider shape crossed with every fault.

A :class:`Provider` says how to start its fake and what its errors look like on the wire; a
:class:`Fault` says what to script (or which prompt trigger to use) and what the user must see.
Combinations that cannot happen (a Google answer never carries a link) are simply not generated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.a1111_server import FakeA1111
from tests.fakes.bfl_server import BFL_KEY, FakeBfl
from tests.fakes.comfyui_server import FakeComfyUI
from tests.fakes.fal_queue import FAL_KEY, FakeFalQueue
from tests.fakes.image_servers import (
    TEST_KEYS,
    FakeGoogle,
    FakeOpenAIImages,
    FakeXAIImages,
    google_error,
    google_rate_limited,
    make_image,
    openai_error,
    xai_error,
)
from tests.fakes.ollama_images import FakeOllamaImages
from tests.fakes.openrouter_images import OPENROUTER_KEY, FakeOpenRouterImages, openrouter_error
from tests.fakes.replicate_server import REPLICATE_TOKEN, FakeReplicate
from tests.fakes.server import FakeServer, Reply, malformed_json, truncated
from tests.fakes.stability_server import STABILITY_KEY, FakeStability
from tests.fakes.together_images import TOGETHER_KEY, FakeTogether
from tests.faults import links as link_modes
from tests.faults.links import LinkServer


class UrlOpenAIImages(FakeOpenAIImages):
    """An OpenAI-compatible server that answers dall-e-3 with links whatever ``response_format`` says."""

    def _images(self, body: dict[str, Any], model: str, prompt: str, dalle: bool) -> dict[str, Any]:
        return super()._images({**body, "response_format": "url"}, model, prompt, dalle)


class QuickComfyUI(FakeComfyUI):
    """ComfyUI whose prompts finish by the first look at ``/history`` (the matrix never waits on polling)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queue_polls=0, **kwargs)


class QuickFal(FakeFalQueue):
    """fal.ai whose requests are COMPLETED at the first status call (the matrix never waits on polling)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(polls=1, **kwargs)


class QuickBfl(FakeBfl):
    """BFL whose tasks are Ready at the first poll."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(polls=1, **kwargs)


@dataclass(frozen=True)
class Provider:
    id: str
    fake: type[FakeServer]
    provider: str
    model: str
    env_var: str
    kind: str  # error body shape: openai | xai | google | openrouter
    links: bool  # whether this provider's answers may carry an image link
    # Faults that cannot happen there: ComfyUI takes no key, refuses nothing and always names its prompt.
    skip: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return {**TEST_KEYS, "xai": TEST_KEYS["grok"], "openrouter": OPENROUTER_KEY,
                "comfyui": "comfyui-takes-no-key-0000", "fal": FAL_KEY, "bfl": BFL_KEY,
                "a1111": "a1111-takes-no-key-0000", "ollama": "ollama-takes-no-key-0000",
                "together": TOGETHER_KEY, "stability": STABILITY_KEY,
                "replicate": REPLICATE_TOKEN}[self.kind]


PROVIDERS = (
    Provider("openai-gpt-image", FakeOpenAIImages, "openai", "gpt-image-1", "OPENAI_API_KEY", "openai", True),
    Provider("openai-dalle3-url", UrlOpenAIImages, "openai", "dall-e-3", "OPENAI_API_KEY", "openai", True),
    Provider("grok", FakeXAIImages, "grok", "grok-imagine-image", "XAI_API_KEY", "xai", True),
    Provider("google-gemini", FakeGoogle, "google", "gemini-2.5-flash-image", "GEMINI_API_KEY", "google", False),
    Provider("google-imagen", FakeGoogle, "google", "imagen-4.0-generate-001", "GEMINI_API_KEY", "google", False),
    Provider("openrouter", FakeOpenRouterImages, "openrouter", "black-forest-labs/flux.2-pro", "OPENROUTER_API_KEY",
             "openrouter", False),
    Provider("comfyui", QuickComfyUI, "comfyui", "sd_xl_base_1.0.safetensors", "QUILLTAP_UNUSED_KEY", "comfyui",
             False, skip=("content-refusal", "filtered-empty", "bad-key")),
    # fal's answers carry links, but only in the result after the queue: the link rows script a first answer.
    Provider("fal", QuickFal, "fal", "fal-ai/flux/dev", "FAL_KEY", "fal", False, skip=("filtered-empty",)),
    Provider("bfl", QuickBfl, "bfl", "flux-2-pro", "BFL_API_KEY", "bfl", False, skip=("filtered-empty",)),
    Provider("a1111", FakeA1111, "automatic1111", "sd_xl_base_1.0.safetensors", "QUILLTAP_UNUSED_KEY", "a1111",
             False, skip=("content-refusal", "bad-key")),
    Provider("ollama", FakeOllamaImages, "ollama", "x/z-image-turbo", "QUILLTAP_UNUSED_KEY", "ollama", False,
             skip=("content-refusal", "bad-key")),
    Provider("together", FakeTogether, "together", "black-forest-labs/FLUX.1-schnell", "TOGETHER_API_KEY",
             "together", False, skip=("content-refusal",)),
    Provider("stability", FakeStability, "stability", "stable-image-core", "STABILITY_API_KEY", "stability", False),
    Provider("replicate", FakeReplicate, "replicate", "black-forest-labs/flux-schnell", "REPLICATE_API_TOKEN",
             "replicate", False, skip=("filtered-empty",)),
)


def _rate_limited(p: Provider, headers: dict[str, str], google_delay: str) -> Reply:
    if p.kind in ("openai", "together"):
        return openai_error(429, "Rate limit reached for images per minute.", "requests", "rate_limit_exceeded",
                            headers=headers)
    if p.kind == "xai":
        return xai_error(429, "Too many requests, slow down.", code="Too many requests", headers=headers)
    if p.kind == "openrouter":
        return openrouter_error(429, "Rate limit exceeded: free-models-per-min.", headers=headers)
    if p.kind == "comfyui":  # a reverse proxy in front of ComfyUI
        return Reply(429, {"error": "Too many requests"}, headers=headers)
    if p.kind == "fal":
        return Reply(429, {"detail": "Too many concurrent requests."}, headers=headers)
    if p.kind == "bfl":
        return Reply(429, {"error": "rate_limit_exceeded", "message": "Too many active tasks."}, headers=headers)
    if p.kind == "replicate":
        return Reply(429, {"title": "Request was throttled.", "detail": "Request was throttled.", "status": 429},
                     headers=headers)
    if p.kind == "stability":
        return Reply(429, {"id": "x", "name": "rate_limit_exceeded", "errors": ["Too many requests."]},
                     headers=headers)
    if p.kind == "ollama":
        return Reply(429, {"error": "server busy, please try again. maximum pending requests exceeded"},
                     headers=headers)
    if p.kind == "a1111":  # a reverse proxy in front of the WebUI
        return Reply(429, {"detail": "Too many requests"}, headers=headers)
    return google_rate_limited(google_delay)  # Google says how long in the body (RetryInfo), not a header


def _unavailable(p: Provider) -> Reply:
    # Servers under load often say when to come back; a short wait keeps the suite quick.
    wait = {"retry-after-ms": "20"}
    if p.kind in ("openai", "together"):
        return openai_error(503, "The server is overloaded or not ready yet.", "server_error", headers=wait)
    if p.kind == "xai":
        return xai_error(503, "Service temporarily unavailable.", code="Service unavailable", headers=wait)
    if p.kind == "openrouter":
        return openrouter_error(503, "Service unavailable: no provider is available for this model.", headers=wait)
    if p.kind == "comfyui":
        return Reply(503, {"error": "Service unavailable"}, headers=wait)
    if p.kind == "replicate":
        return Reply(503, {"title": "Service Unavailable", "detail": "Service Unavailable", "status": 503},
                     headers=wait)
    if p.kind == "stability":
        return Reply(503, {"id": "x", "name": "service_unavailable", "errors": ["Try again later."]}, headers=wait)
    if p.kind == "ollama":
        return Reply(503, {"error": "server busy, please try again"}, headers=wait)
    if p.kind in ("fal", "bfl", "a1111"):
        return Reply(503, {"detail": "Service temporarily unavailable."}, headers=wait)
    return google_error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", headers=wait)


def _refusal(p: Provider) -> tuple[str, Reply | None]:
    """The provider's own way of refusing a prompt: a prompt trigger of the fake, or a scripted answer."""
    if p.id == "google-gemini":
        return "[block] a cat", None  # promptFeedback.blockReason
    if p.id == "google-imagen":
        # Imagen's prompt pre-filter: HTTP 400 with this wording (no dedicated status).
        message = ("Image generation failed with the following error: The prompt could not be submitted. "
                   "This prompt contains sensitive words that violate Google's Responsible AI practices.")
        return "a cat", google_error(400, "INVALID_ARGUMENT", message)
    if p.kind in ("bfl", "stability"):
        return "[moderate] a cat", None  # BFL: "Content Moderated" when polled; Stability: 403 content_moderation
    if p.kind in ("fal", "replicate"):
        return "[nsfw] a cat", None  # has_nsfw_concepts: [true] on every image
    return "[refuse] a cat", None  # OpenAI moderation_blocked / content_policy_violation, xAI moderation


def _filtered_empty(p: Provider) -> tuple[str, Reply | None]:
    """An answer whose images were all removed: Google says why; OpenAI-shaped APIs just send none."""
    if p.id == "google-gemini":
        return "[refuse] a cat", None  # finishReason IMAGE_SAFETY and no content
    if p.id == "google-imagen":
        return "[empty] a cat", None  # {}: every prediction filtered, no reason given
    return "a cat", Reply(json={"created": 1, "data": []})


def _same_origin_link(p: Provider, f: FakeServer, mode: str) -> list[Reply]:
    """A link on the provider's own origin (the only loopback host links may use), served raw."""
    return [_link(p, f"{f.origin}/links/{mode}.png"), Reply(raw=link_modes.MODES[mode], path="/links/")]


def _link(p: Provider, url: str) -> Reply:
    item = {"url": url} if p.kind == "openai" else {"url": url, "mime_type": "image/png", "revised_prompt": ""}
    return Reply(json={"created": 1, "data": [item]})


@dataclass(frozen=True)
class Fault:
    """One row of the matrix. ``code`` is the exit code; ``words``: one of them is in the message."""

    id: str
    code: int
    words: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    retried_wait: float | None = None  # a wait the server asked for, then success
    needs_links: bool = False
    arrange: Callable[[Provider, FakeServer, LinkServer], tuple[str, list[Reply]]] = (
        lambda p, f, links: ("a cat", [])
    )
    bad_key: bool = False

    def code_for(self, p: Provider) -> int:
        if self.id == "filtered-empty" and p.kind != "google":
            return 5  # an empty list is an unusable answer, not a refusal we can explain
        return self.code


FAULTS = (
    Fault("429-retry-after-seconds", 0, retried_wait=1.0,
          arrange=lambda p, f, links: ("a cat", [_rate_limited(p, {"retry-after": "1"}, "1s")])),
    Fault("429-retry-after-ms", 0, retried_wait=0.3,
          arrange=lambda p, f, links: ("a cat", [_rate_limited(p, {"retry-after-ms": "300"}, "0.3s")])),
    Fault("5xx-then-success", 0, arrange=lambda p, f, links: ("a cat", [_unavailable(p)])),
    Fault("5xx-persistent", 5, ("unavailable",), env={"QUILLTAP_MAX_RETRIES": "1"},
          arrange=lambda p, f, links: ("a cat", [_unavailable(p)] * 2)),
    Fault("timeout-then-success", 0, env={"QUILLTAP_HTTP_TIMEOUT": "0.4"},
          arrange=lambda p, f, links: ("a cat", [Reply(json={"data": []}, delay=1.2)])),
    Fault("timeout", 5, ("time",), env={"QUILLTAP_HTTP_TIMEOUT": "0.4", "QUILLTAP_MAX_RETRIES": "0"},
          arrange=lambda p, f, links: ("a cat", [Reply(json={"data": []}, delay=1.2)])),
    Fault("truncated-body", 5, ("cut off",),
          arrange=lambda p, f, links: ("a cat", [truncated({"created": 1, "data": [{"b64_json": "A" * 8000}]})])),
    Fault("malformed-json", 5, ("json",), arrange=lambda p, f, links: ("a cat", [malformed_json()])),
    Fault("content-refusal", 4, ("refus", "block", "rejected", "moderation", "safety"),
          arrange=lambda p, f, links: (_refusal(p)[0], [r for r in [_refusal(p)[1]] if r])),
    Fault("filtered-empty", 4, ("safety", "without any image", "filter", "image_safety"),
          arrange=lambda p, f, links: (_filtered_empty(p)[0], [r for r in [_filtered_empty(p)[1]] if r])),
    Fault("bad-key", 4, ("key",), bad_key=True),
    Fault("link-too-large", 5, ("larger than 50 mib",), needs_links=True,
          arrange=lambda p, f, links: ("a cat", _same_origin_link(p, f, "huge"))),
    Fault("link-streams-too-much", 5, ("larger than 50 mib",), needs_links=True,
          arrange=lambda p, f, links: ("a cat", _same_origin_link(p, f, "endless"))),
    Fault("link-too-slow", 5, ("longer than",), env={"QUILLTAP_HTTP_TIMEOUT": "0.5"}, needs_links=True,
          arrange=lambda p, f, links: ("a cat", _same_origin_link(p, f, "slow"))),
)

CASES = [(p, f) for p in PROVIDERS for f in FAULTS if (p.links or not f.needs_links) and f.id not in p.skip]
CASE_IDS = [f"{p.id}-{f.id}" for p, f in CASES]

WRONG_KEYS = {"openai": "sk-wrong-key-5d1f0a9c33e1b7", "xai": "xai-wrong-key-5d1f0a9c33e1b7",
              "google": "AIzaWrongKey5d1f0a9c33e1b7xxxxxxx", "openrouter": "sk-or-v1-wrong-key-5d1f0a9c33e1b7",
              "comfyui": "comfyui-wrong-key-5d1f0a9c33e1b7", "fal": "fal-wrong-key:5d1f0a9c33e1b7",
              "bfl": "bfl-wrong-key-5d1f0a9c33e1b7", "a1111": "a1111-wrong-key-5d1f0a9c33e1b7",
              "ollama": "ollama-wrong-key-5d1f0a9c33e1b7", "together": "tgp_v1_wrong_key_5d1f0a9c33e1b7",
              "stability": "sk-stability-wrong-5d1f0a9c33e1b7", "replicate": "r8_wrong_key_5d1f0a9c33e1b7"}


def middle(secret: str, width: int = 12) -> str:
    """The middle ``width`` characters: a partial echo of a key must not appear either."""
    start = max(0, (len(secret) - width) // 2)
    return secret[start : start + width]


def png(seed: str = "x") -> bytes:
    return make_image(64, 64, "PNG", seed)
