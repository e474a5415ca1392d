"""Types shared by the image-generation layer.

The flow is: an :class:`ImageRequest` (what the user or the LLM asked for, in any vocabulary) is mapped
onto a model's capabilities (``mapping.plan``) into one or more :class:`ProviderCall` objects plus
:class:`UsedParams` and warnings; each provider turns a ``ProviderCall`` into its wire request and its
wire response into :class:`GeneratedImage` objects; the results come back as an :class:`ImageResult`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, get_args, get_type_hints

from quilltap_tui.imagegen.options import RECORDED, GenerateOptions

if TYPE_CHECKING:
    from quilltap_tui.imagegen.spec_model import ModelSpec


@dataclass(frozen=True, kw_only=True)
class ImageRequest(GenerateOptions):
    """What was asked for, before mapping onto a model: the options (any vocabulary) and the prompt.

    The options are :class:`~quilltap_tui.imagegen.options.GenerateOptions`' fields; any may be ``None``
    (use the model's default). ``extras`` are provider options passed through when the model takes them
    (output_format, background, moderation, output_compression...).
    """

    prompt: str
    model: str
    count: int = 1
    # Sampler settings a profile may carry (compatible servers): passed on as extras where the model takes them.
    guidance_scale: float | None = None
    steps: int | None = None


@dataclass(frozen=True)
class ProviderCall:
    """One wire request after mapping: every value here is valid for the model as-is.

    ``prompt`` already carries a folded negative prompt when the model has no field for it.
    ``n`` never exceeds the model's per-request maximum.
    """

    model: str
    prompt: str
    n: int = 1
    size: str | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None  # xAI "1k|2k", Gemini imageSize "1K|2K|4K", Imagen sampleImageSize
    quality: str | None = None
    style: str | None = None
    negative_prompt: str | None = None
    seed: int | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)
    # The model's facts, set by the planner: providers read the wire rules here (which API, whether to
    # ask for ``response_format``) instead of looking the model up by name.
    spec: ModelSpec | None = None
    # Reference images for an edit; None for a plain generation (providers pick their edit endpoint).
    inputs: EditInputs | None = None


@dataclass(frozen=True)
class InputImage:
    """One image sent to a provider: its bytes (read, never changed) and what the bytes say they are."""

    data: bytes = field(repr=False)
    mime_type: str  # from magic bytes: image/png, image/jpeg or image/webp
    width: int
    height: int
    name: str = "image"  # a file name for multipart uploads ("image-1.png"); never a user's path

    @property
    def extension(self) -> str:
        return MIME_EXTENSIONS[self.mime_type]


@dataclass(frozen=True)
class EditInputs:
    """What an edit sends besides the prompt: reference images, and an optional mask or markup PNG.

    ``mask``: fully transparent pixels mark where the first image may change (OpenAI). ``markup``: a
    transparent PNG overlay drawn on the first image (OpenAI gpt-image-2.6).
    """

    images: tuple[InputImage, ...]
    mask: InputImage | None = None
    markup: InputImage | None = None


@dataclass(frozen=True, kw_only=True)
class UsedParams(GenerateOptions):
    """What was actually sent after mapping; :meth:`as_dict` is the contract's ``used`` shape."""

    count: int = 1

    def as_dict(self) -> dict[str, Any]:
        """The contract's ``used`` object (the vocabulary's recorded options, ``None`` included)."""
        return self.recorded()


def used_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``used`` (the MCP tools' output schema), from :class:`UsedParams`' recorded fields."""
    hints = get_type_hints(UsedParams)
    properties: dict[str, Any] = {}
    for name in RECORDED:
        kind = "integer" if int in get_args(hints[name]) or hints[name] is int else "string"
        properties[name] = {"type": kind} if getattr(UsedParams(), name) is not None else {"type": [kind, "null"]}
    return {"type": "object", "properties": properties}


@dataclass(frozen=True)
class GeneratedImage:
    """One image as delivered: the provider's exact bytes and what we know about them."""

    data: bytes
    mime_type: str  # from magic bytes, never from a provider field
    width: int
    height: int
    revised_prompt: str | None = None
    seed: int | None = None

    @property
    def extension(self) -> str:
        return MIME_EXTENSIONS[self.mime_type]


MIME_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif",
                   "image/svg+xml": "svg"}


@dataclass
class ImageResult:
    """The outcome of one generate call (possibly several wire requests)."""

    images: list[GeneratedImage]
    used: UsedParams
    warnings: list[str] = field(default_factory=list)
    # Parsed response bodies for debugging, base64 payloads replaced by their length; never secrets.
    raw: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class ModelInfo:
    """One entry of a provider's model list, as shown by ``models`` and the profile editor."""

    id: str
    source: tuple[str, ...]  # any of "built-in", "catalogue" (models.toml) and "live"
    retired: bool
    capabilities: Mapping[str, Any]
    shutdown_date: str | None = None
    replacement: str | None = None

    def as_json(self) -> dict[str, Any]:
        """One ``models --json`` item, exactly as the contract spells it."""
        return {
            "id": self.id,
            "source": list(self.source),
            "retired": self.retired,
            "shutdown_date": self.shutdown_date,
            "replacement": self.replacement,
            "capabilities": dict(self.capabilities),
        }


class ProviderResult(NamedTuple):
    """What one wire request delivered: the images, plain-words warnings, and the answer for debugging.

    ``raw`` is the parsed response with base64 payloads replaced by their length; never a secret.
    A named tuple, so ``images, warnings, raw = result`` keeps working for plug-ins written that way.
    """

    images: list[GeneratedImage]
    warnings: list[str]
    raw: Any = None

    @property
    def dropped(self) -> int:
        """How many images the server sent beyond what was asked for (never verified nor saved)."""
        return int(getattr(self.images, "dropped", 0))


class ImageProvider(Protocol):
    """An image API. Implementations live in ``imagegen/providers``, one module each."""

    id: str

    @property
    def default_base_url(self) -> str:
        """The provider's own API root."""
        ...

    async def generate(self, call: ProviderCall, *, api_key: str | None, base_url: str) -> ProviderResult:
        """Run one wire request. Raises :class:`~quilltap_tui.errors.ProviderError` subclasses."""
        ...

    async def validate_key(self, *, api_key: str | None, base_url: str) -> None:
        """Raise AuthError when the key is refused; return quietly when it works."""
        ...

    async def list_models(self, *, api_key: str | None, base_url: str) -> list[str]:
        """Model ids the provider offers for image generation (live list, already filtered)."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP client the provider created (an injected client is left open)."""
        ...
