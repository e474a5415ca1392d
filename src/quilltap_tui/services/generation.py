"""The generation service: one path from "make an image" to saved files, shared by CLI, tool and TUI.

Steps: load the image profile, resolve its key, merge the profile's defaults under the request (the
request wins), enforce the profile's limits, map the request onto the model, run the wire calls
concurrently, save the images, and write one audit row for the attempt whatever its outcome.
Blocking steps (database, vault, files) run in threads so the caller's event loop never stalls.

The rows go through a storage port (:mod:`services.generation_store`): the ORM's store by default, the
plain ``sqlite3`` one when ``generate``/``edit`` find the SQLite file at the current schema. This module
imports neither SQLAlchemy nor the models.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from quilltap_tui import net
from quilltap_tui.errors import Invalid, ProviderError, QuilltapError
from quilltap_tui.imagegen.capabilities import spec_for
from quilltap_tui.imagegen.mapping import Plan, explain_gone_model, plan
from quilltap_tui.imagegen.options import NAMES, OPTIONS, RESTRICTIONS, ImageOption, allowed_values, coerce_int
from quilltap_tui.imagegen.options import GenerateOptions as GenerateOptions  # its callers import it from here
from quilltap_tui.imagegen.spec import GeneratedImage, ImageProvider, ImageRequest, UsedParams
from quilltap_tui.providers.registry import catalogue_id
from quilltap_tui.services import edit_inputs, image_files
from quilltap_tui.services.audit_attempt import Attempt, reached_provider
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.edit_inputs import EditRequest
from quilltap_tui.services.gallery_view import InputRef, SavedImage
from quilltap_tui.services.generation_store import GenerationStore, Outcome
from quilltap_tui.services.image_limits import ResolvedProfile

if TYPE_CHECKING:
    import httpx2

ProviderFactory = Callable[[str], ImageProvider]
T = TypeVar("T")


@dataclass(frozen=True)
class Link:
    """Where the images belong when a chat's tool call made them."""

    chat_id: str | None = None
    message_id: str | None = None
    tool_call_id: str | None = None


@dataclass(frozen=True)
class GenerationOutcome:
    """What a generation or an edit saved; :meth:`as_json` is the contract's ``generate --json`` document."""

    images: Sequence[SavedImage]
    used: UsedParams  # what was actually sent; ``as_dict()`` is the contract's ``used`` object
    warnings: Sequence[str]
    profile: str
    provider: str
    model: str
    inputs: Sequence[InputRef] | None = None  # an edit's references (the contract's ``inputs``)

    def as_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "images": [image.as_json() for image in self.images],
            "profile": self.profile,
            "provider": self.provider,
            "model": self.model,
            "used": self.used.as_dict(),
            "warnings": list(self.warnings),
        }
        if self.inputs is not None:
            document["inputs"] = [item.as_json() for item in self.inputs]
        return document


class GenerationService:
    """Runs generations for one :class:`AppContext`. ``provider_factory`` is injectable for tests.

    ``inline``: the service runs on an event loop nothing else waits on (the chat turns' own loop,
    :mod:`services.chat_turn_thread`), so its blocking steps run there instead of hopping into a thread: on a
    busy machine each hop waited for a thread to be scheduled, between the tool call and its image request
    and between the image saved and the next chat request.

    ``store``: where the rows go (:mod:`services.generation_store`); the ORM's store of ``ctx`` when None.
    The caller that gives one closes it.
    """

    def __init__(
        self,
        ctx: AppContext,
        *,
        provider_factory: ProviderFactory | None = None,
        on_retry: net.RetryHook | None = None,
        inline: bool = False,
        store: GenerationStore | None = None,
    ) -> None:
        self.ctx = ctx
        self.on_retry = on_retry
        self.inline = inline
        self._factory = provider_factory or self._default_factory
        self._store = store
        # One HTTP client for the service's life: connections and TLS set-up are reused across calls.
        self._client: httpx2.AsyncClient | None = None

    @property
    def store(self) -> GenerationStore:
        if self._store is None:
            from quilltap_tui.services.sql_generation_store import SqlGenerationStore  # the ORM, when it is used

            self._store = SqlGenerationStore(self.ctx)
        return self._store

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def generate(
        self,
        prompt: str,
        *,
        profile: str | None = None,
        options: GenerateOptions | None = None,
        source: str = "cli",
        link: Link | None = None,
    ) -> GenerationOutcome:
        """Make new images from ``prompt`` with the profile (the default profile when None)."""
        return await self._make(prompt, profile, options or GenerateOptions(), source, link, None)

    async def edit(
        self,
        prompt: str,
        images: EditRequest,
        *,
        profile: str | None = None,
        options: GenerateOptions | None = None,
        source: str = "cli",
        link: Link | None = None,
    ) -> GenerationOutcome:
        """Make images from ``prompt`` and reference images (gallery ids or files), as :meth:`generate`.

        Limits, audit, atomic saving and every fault rule are the same; before anything is reserved or
        sent, the model must take that many inputs (and a mask, if given) and every input must load.
        The saved images record what they were made from (lineage).
        """
        return await self._make(prompt, profile, options or GenerateOptions(), source, link, images)

    async def _make(
        self, prompt: str, profile: str | None, options: GenerateOptions, source: str, link: Link | None,
        edit: EditRequest | None,
    ) -> GenerationOutcome:
        # Two blocking steps (thread hops unless inline): load the profile and reserve its images; save and audit.
        attempt, loaded = await self._blocking(self._prepare, profile, prompt, options, source, link, edit)
        resolved = attempt.profile
        try:
            planned = plan(spec_for(catalogue_id(resolved.provider), resolved.model), attempt.request)
            check_restrictions(resolved.name, resolved.parameters, planned.used)
            if loaded is not None:
                planned = replace(planned, calls=[replace(call, inputs=loaded.wire) for call in planned.calls])
            images, warnings, billed = await self._run(resolved, planned)
            saved = await self._blocking(self._save, attempt, planned, images, link or Link(), loaded, billed)
        except BaseException as exc:
            # Every way out but success gives the reservation its outcome; a cancellation (esc) too. If even
            # that write fails, the original error is what the user needs; the row stops counting by itself.
            with contextlib.suppress(Exception):
                await asyncio.shield(asyncio.to_thread(self.store.record_failure, attempt, exc))
            raise
        return GenerationOutcome(
            images=tuple(saved),
            used=planned.used,
            warnings=(*planned.warnings, *warnings),
            profile=resolved.name,
            provider=resolved.provider,
            model=resolved.model,
            inputs=tuple(i.ref for i in loaded.images) if loaded is not None else None,
        )

    async def _blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """A blocking step: inline on a loop of its own (``inline``), else in a thread."""
        if self.inline:
            return fn(*args)
        return await asyncio.to_thread(fn, *args)

    async def _run(
        self, resolved: ResolvedProfile, planned: Plan
    ) -> tuple[list[GeneratedImage], list[str], int]:
        """Run every wire call concurrently; keep what succeeded, fail only if nothing did.

        Also returns how many images failed calls asked for after reaching the provider (they count).
        """
        provider = self._factory(resolved.provider)
        try:
            results = await asyncio.gather(
                *(provider.generate(call, api_key=resolved.secret, base_url=resolved.base_url)
                  for call in planned.calls),
                return_exceptions=True,
            )
        finally:
            closer = getattr(provider, "aclose", None)
            if closer is not None:
                await closer()
        images: list[GeneratedImage] = []
        warnings: list[str] = []
        failures: list[BaseException] = []
        extra = 0
        for call, outcome in zip(planned.calls, results, strict=True):
            if isinstance(outcome, BaseException):
                failures.append(outcome)
                continue
            # A server sending more than asked (300 for 1) gets what was asked kept; the rest is never saved.
            extra += outcome.dropped + max(len(outcome.images) - call.n, 0)
            images.extend(list(outcome.images)[:call.n])
            warnings.extend(w for w in outcome.warnings if w not in warnings)
        if extra or len(images) > resolved.max_images_per_call:
            extra += max(len(images) - resolved.max_images_per_call, 0)
            images = images[:resolved.max_images_per_call]
            warnings.append(f"The provider sent {extra} more images than were asked for; only "
                            f"{len(images)} were kept.")
        unexpected = [f for f in failures if not isinstance(f, ProviderError)]
        if unexpected or (failures and not images):
            first = planned.calls[0]  # a retired model's "not found" says so and names its replacement
            raise explain_gone_model((unexpected or failures)[0], first.spec, first.model)
        if failures:
            warnings.append(f"{len(failures)} of {len(planned.calls)} requests failed: {failures[0]}")
        billed = sum(call.n for call, outcome in zip(planned.calls, results, strict=True)
                     if isinstance(outcome, BaseException) and reached_provider(outcome))
        return images, warnings, billed

    def _prepare(
        self, profile: str | None, prompt: str, options: GenerateOptions, source: str, link: Link | None,
        edit: EditRequest | None = None,
    ) -> tuple[Attempt, edit_inputs.LoadedEdit | None]:
        store = self.store
        resolved = store.resolve_profile(profile)
        request = merge_request(resolved, prompt, options)
        loaded = None
        if edit is not None:
            # Wrong input fails here: nothing reserved, nothing audited, nothing sent.
            spec = spec_for(catalogue_id(resolved.provider), resolved.model)
            edit_inputs.check_capability(spec, resolved.model, edit)
            loaded = edit_inputs.load(self.ctx, edit, store.find_image)
        attempt = Attempt(resolved, request, source=source, chat_id=(link or Link()).chat_id,
                                action="generate" if edit is None else "edit")
        try:
            # Checked and reserved in one transaction under a lock all processes honour: concurrent calls
            # (an LLM's parallel tool calls, another `generate`) see each other's images before any is made.
            attempt.audit_id = store.reserve(resolved, request.count, attempt.base_values())
        except QuilltapError as exc:
            store.record_failure(attempt, exc)
            raise
        return attempt, loaded

    def _save(
        self, attempt: Attempt, planned: Plan, images: list[GeneratedImage], link: Link,
        loaded: edit_inputs.LoadedEdit | None = None, billed: int = 0,
    ) -> list[SavedImage]:
        """Files first, then the image rows, the lineage and the audit row's outcome in one transaction."""
        resolved, request = attempt.profile, attempt.request
        origin = image_files.ImageOrigin(
            prompt=request.prompt,
            provider=resolved.provider,
            model=resolved.model,
            negative_prompt=request.negative_prompt,
            image_profile_id=resolved.id,
            profile_name=resolved.name,
            used_params=planned.used.as_dict(),
            chat_id=link.chat_id,
            message_id=link.message_id,
            tool_call_id=link.tool_call_id,
        )
        outcome = Outcome(attempt, planned.used, billed, tuple(loaded.all) if loaded is not None else ())
        return self.store.save_images(images, origin, outcome)

    def _default_factory(self, provider_id: str) -> ImageProvider:
        from quilltap_tui.imagegen.registry import get_image_provider

        settings = self.ctx.settings
        if self._client is None:
            self._client = net.make_client(settings.http_timeout)
        return get_image_provider(
            provider_id,
            client=self._client,
            max_retries=settings.max_retries,
            timeout=settings.http_timeout,
            on_retry=self.on_retry,
        )


def merge_request(resolved: ResolvedProfile, prompt: str, options: GenerateOptions) -> ImageRequest:
    """Profile parameters are defaults; anything the caller gave wins. Unknown keys become extras."""
    return request_from(resolved.model, resolved.parameters, prompt, options)


def request_from(model: str, parameters: Mapping[str, Any], prompt: str, options: GenerateOptions) -> ImageRequest:
    """The request a profile with ``parameters`` makes for ``prompt`` (also how a profile is checked at save).

    The vocabulary's options in the profile are defaults under the call's; other parameters are extras
    under the call's extras. An option with no flag of its own (``resolution``) arrives from the command
    line as a ``--param`` extra and is taken as the option.
    """
    call_extras = dict(options.extras)
    lifted = {name: call_extras.pop(name) for name in _PARAM_ONLY if call_extras.get(name) is not None}
    given = {**lifted, **options.given()}
    merged = {**{k: v for k, v in parameters.items() if k in NAMES and v is not None}, **given}
    extras = {k: v for k, v in parameters.items() if k not in NAMES and k not in _NON_EXTRAS}
    extras.update(call_extras)
    values = {o.name: _typed(o, merged[o.name]) for o in OPTIONS if o.name in merged}
    return ImageRequest(
        prompt=prompt,
        model=model,
        guidance_scale=parameters.get("guidance_scale"),
        steps=parameters.get("steps"),
        extras=extras,
        **values,
    )


def _typed(option: ImageOption, value: Any) -> Any:
    """A merged value as its option's kind: whole numbers checked, words as text, free text as given."""
    if option.info.kind == "int":
        return coerce_int(value, option.name)
    return str(value) if option.info.kind == "word" else value


_PARAM_ONLY = frozenset(o.name for o in OPTIONS if not o.info.flag)


# Parameters that are ImageRequest fields of their own rather than provider extras.
# A profile may restrict what may be asked of it (a shared profile that only makes small square images):
# ``allowed_sizes`` etc. are lists checked against what is actually sent, after mapping.
_NON_EXTRAS = frozenset({"guidance_scale", "steps", *RESTRICTIONS})


def check_restrictions(profile: str, parameters: Mapping[str, Any], used: Any) -> None:
    """Refuse a request whose mapped values fall outside the profile's allowed lists."""
    for option in RESTRICTIONS.values():
        allowed = allowed_values(parameters, option)
        value = getattr(used, option)
        if allowed is not None and value is not None and value not in allowed:
            raise Invalid(
                option,
                f"{option} {value} is not allowed by image profile {profile}; allowed: {', '.join(allowed)}.",
            )
