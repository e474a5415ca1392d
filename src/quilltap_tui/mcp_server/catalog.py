"""Which image profiles the MCP server exposes, and what an MCP client is told about them.

The per-profile input schema is the chat tool's (:func:`quilltap_tui.tools.generate_image.input_schema`):
only what the profile's model takes, with its allowed values. MCP's ``generate_image`` serves several
profiles through one tool, so those schemas are merged here into one object schema: ``profile`` is an
enum of the exposed names, every option keeps the union of the values the profiles allow, and its
description says which profile allows what. A top-level ``oneOf`` per profile would be exact, but
several clients (and Anthropic's tool API behind them) refuse combinators at the top of a tool schema.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from quilltap_tui.errors import NotFound
from quilltap_tui.imagegen.capabilities import provider_name, spec_for
from quilltap_tui.imagegen.spec import used_json_schema
from quilltap_tui.providers.registry import catalogue_id
from quilltap_tui.services import profiles
from quilltap_tui.services.context import AppContext
from quilltap_tui.tools import catalogue
from quilltap_tui.tools.generate_image import input_schema
from quilltap_tui.tools.ports import ImageToolProfile
from quilltap_tui.tools.registry import Tool

LIST_TOOL = "list_image_profiles"
# Over MCP an edit's inputs are gallery ids (or unique prefixes) only, never file paths: a client must not
# be able to make the server read, send to a provider or report on files outside the gallery.
IMAGE_ID_PATTERN = r"^[0-9a-f]{6,32}$"


@dataclass(frozen=True)
class ExposedProfile:
    """An image profile this server serves (never its key)."""

    tool: ImageToolProfile
    tags: tuple[str, ...]
    default: bool
    max_input_images: int = 0  # reference images one edit takes; 0: the model cannot edit

    @property
    def can_edit(self) -> bool:
        return self.max_input_images > 0

    @property
    def name(self) -> str:
        return self.tool.name

    def title(self) -> str:
        """``OpenAI gpt-image-1``: the provider's title and the model."""
        return f"{provider_name(self.tool.provider)} {self.tool.model}"

    def good_for(self) -> str:
        return ", ".join(self.tags) if self.tags else "general use (no tags)"

    def accepts(self) -> dict[str, Any]:
        """What this profile's model accepts: its own tool schema's options (the prompt aside)."""
        props = dict(input_schema(self.tool)["properties"])
        return {key: value for key, value in props.items() if key != "prompt"}

    def describe(self) -> dict[str, Any]:
        """One ``list_image_profiles`` entry."""
        return {
            "name": self.name,
            "provider": self.tool.provider,
            "model": self.tool.model,
            "tags": list(self.tags),
            "default": self.default,
            "max_images_per_call": self.tool.max_images_per_call,
            "max_input_images": self.max_input_images,
            "accepts": self.accepts(),
            "available": True,
        }


def load_exposed(ctx: AppContext, only: Sequence[str] = ()) -> list[ExposedProfile]:
    """The profiles to serve: those named by ``--profile`` (in that order), else every image profile.

    The one marked ``default`` is used when a call names none: the stored default when it is served,
    else the first one served. A name that matches no profile raises :class:`NotFound`.
    """
    views = {view.name: view for view in profiles.list_profiles(ctx, profiles.IMAGE)}
    for name in only:
        if name not in views:
            raise NotFound("image profile", name)
    chosen = [views[name] for name in dict.fromkeys(only)] if only else list(views.values())
    chosen = [view for view in chosen if view.available]  # a removed plug-in's profile: see load_unavailable
    default = next((v.name for v in chosen if v.default), chosen[0].name if chosen else None)
    return [
        ExposedProfile(
            tool=ImageToolProfile(
                view.name, view.provider, view.model, dict(view.parameters), view.max_images_per_call,
            ),
            tags=view.tags,
            default=view.name == default,
            max_input_images=spec_for(catalogue_id(view.provider), view.model).max_input_images or 0,
        )
        for view in chosen
    ]


def load_unavailable(ctx: AppContext, only: Sequence[str] = ()) -> list[dict[str, Any]]:
    """``list_image_profiles`` entries for profiles whose provider is no longer installed (never served)."""
    wanted = set(only)
    return [
        {"name": view.name, "provider": view.provider, "model": view.model, "tags": list(view.tags),
         "available": False,
         "problem": f"The provider {view.provider!r} is not installed (a removed plug-in?); this profile "
                    "cannot generate until it is reinstalled or the profile is switched to another provider."}
        for view in profiles.list_profiles(ctx, profiles.IMAGE)
        if not view.available and (not wanted or view.name in wanted)
    ]


def default_profile(exposed: Sequence[ExposedProfile]) -> ExposedProfile | None:
    """The one used when a call names none: the marked default among ``exposed``, else the first."""
    return next((p for p in exposed if p.default), exposed[0] if exposed else None)


def editing(exposed: Sequence[ExposedProfile]) -> list[ExposedProfile]:
    return [p for p in exposed if p.can_edit]


@dataclass(frozen=True)
class ToolDecl:
    """One MCP tool as plain data; the server turns it into the SDK's ``Tool``."""

    name: str
    title: str
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None = None
    read_only: bool = False


PortsFor = Callable[[ImageToolProfile], catalogue.ImagePorts]


def declare_tools(exposed: Sequence[ExposedProfile], ports_for: PortsFor | None = None) -> list[ToolDecl]:
    """The tool catalogue's tools for ``exposed``, each over the served profiles that meet its needs.

    A tool with an MCP presentation (:data:`DECLARATIONS`) is declared by it: ``edit_image`` only when a
    served profile's model can edit; ``generate_image`` even when none is served (its description says how
    to add one). Any other catalogue tool is declared as its own module declares it to a chat
    (:func:`served_tool`): adding a tool to the catalogue serves it over MCP too.
    """
    tools = []
    for entry in catalogue.ENTRIES:
        serving = [p for p in exposed if entry.needs.met_by(p.tool)]
        declare = DECLARATIONS.get(entry.id)
        if declare is not None:
            if serving or not entry.needs.editing:
                tools.append(declare(entry, serving))
        elif (tool := served_tool(entry, exposed, ports_for)) is not None:
            tools.append(ToolDecl(entry.id, entry.title, tool.spec.description, tool.spec.input_schema))
    return [*tools, list_tool(exposed)]


def served_tool(
    entry: catalogue.CatalogueEntry, exposed: Sequence[ExposedProfile], ports_for: PortsFor | None
) -> Tool | None:
    """``entry``'s tool as a chat gets it, bound to the default served profile that meets its needs (the
    MCP server's stand-in for a chat's image profile); None when no served profile does."""
    if not entry.needs.image_profile:
        return entry.build(catalogue.ToolBinding())
    chosen = default_profile([p for p in exposed if entry.needs.met_by(p.tool)])
    if chosen is None or ports_for is None:
        return None
    return entry.build(catalogue.ToolBinding(chosen.tool, ports_for(chosen.tool)))


def generate_tool(entry: catalogue.CatalogueEntry, exposed: Sequence[ExposedProfile]) -> ToolDecl:
    return ToolDecl(
        name=entry.id,
        title=entry.title,
        description=generate_description(exposed),
        input_schema=merged_schema(exposed),
        output_schema=GENERATE_OUTPUT_SCHEMA,
    )


def edit_tool(entry: catalogue.CatalogueEntry, editors: Sequence[ExposedProfile]) -> ToolDecl:
    schema = merged_schema(editors)
    most = max(p.max_input_images for p in editors)
    per = "; ".join(f"{p.name}: up to {p.max_input_images}" for p in editors)
    schema["properties"]["images"] = {
        "type": "array",
        "items": {"type": "string", "pattern": IMAGE_ID_PATTERN},
        "minItems": 1,
        "maxItems": most,
        "description": "Gallery ids of the images to edit or to use as references: ids from earlier results "
        f"(or the <id> of quilltap://images/<id>). Per profile: {per}.",
    }
    schema["required"] = ["prompt", "images"]
    return ToolDecl(
        name=entry.id,
        title=entry.title,
        description=edit_description(editors),
        input_schema=schema,
        output_schema=EDIT_OUTPUT_SCHEMA,
    )


def edit_description(editors: Sequence[ExposedProfile]) -> str:
    lines = [
        "Edit images from the user's gallery, or make new ones from them as references, with one of the "
        "user's image profiles that can edit. Name the images by their gallery ids (from earlier results). "
        "The new images are saved to the gallery, each also a resource (quilltap://images/<id>); the result "
        "lists them, the settings used, adjustments made and the inputs.",
        "Profiles that can edit (the default is used when none is named):",
    ]
    default = default_profile(editors)
    for profile in editors:
        mark = " [default]" if profile is default else ""
        count = profile.max_input_images
        lines.append(f'- "{profile.name}"{mark}: {profile.title()}, up to {count} input image'
                     f"{'s' if count != 1 else ''}; good for: {profile.good_for()}")
    return "\n".join(lines)


def list_tool(exposed: Sequence[ExposedProfile]) -> ToolDecl:
    return ToolDecl(
        name=LIST_TOOL,
        title="List image profiles",
        description="List the image profiles this server can generate with: name, provider, model, tags "
        "(what each is good for), which one is the default, and the options and values each model accepts.",
        input_schema={"type": "object", "properties": {}, "additionalProperties": False},
        output_schema={"type": "object", "properties": {"profiles": {"type": "array", "items": {"type": "object"}}},
                       "required": ["profiles"]},
        read_only=True,
    )


def generate_description(exposed: Sequence[ExposedProfile]) -> str:
    if not exposed:
        return ("Generate images with an image profile. No image profile exists yet: the user can add one "
                "with `quilltap-tui image-profiles add`.")
    lines = [
        "Generate images with one of the user's image profiles; the images are saved to the user's gallery "
        "and each is also a resource (quilltap://images/<id>). Write a complete, specific prompt. "
        "The result lists the saved images, the settings actually used and any adjustments made.",
        "Profiles (pick by what they are good for; the default is used when none is named):",
    ]
    for profile in exposed:
        mark = " [default]" if profile.default else ""
        lines.append(f'- "{profile.name}"{mark}: {profile.title()}; good for: {profile.good_for()}')
    return "\n".join(lines)


def merged_schema(exposed: Sequence[ExposedProfile]) -> dict[str, Any]:
    """One input schema for every exposed profile (see the module docstring)."""
    schemas = [(p, input_schema(p.tool)["properties"]) for p in exposed]
    props: dict[str, Any] = {"prompt": _merge("prompt", schemas) if schemas else _PROMPT}
    if exposed:
        default = default_profile(exposed)
        props["profile"] = {
            "type": "string",
            "enum": [p.name for p in exposed],
            "description": "The image profile to use (the default profile when omitted).",
        }
        if default is not None:
            props["profile"]["default"] = default.name
    for key in dict.fromkeys(k for _, prop in schemas for k in prop):
        if key != "prompt":
            props[key] = _merge(key, schemas)
    return {"type": "object", "properties": props, "required": ["prompt"], "additionalProperties": False}


_PROMPT = {"type": "string", "description": "A detailed description of the image to make."}


def _merge(key: str, schemas: list[tuple[ExposedProfile, dict[str, Any]]]) -> dict[str, Any]:
    having = [(p, prop[key]) for p, prop in schemas if key in prop]
    first = dict(having[0][1])
    if len(having) == len(schemas) and all(s == first for _, s in having):
        return first  # every profile takes it the same way: exact, defaults included
    merged: dict[str, Any] = {"type": first["type"]}
    if all("enum" in s for _, s in having):
        merged["enum"] = list(dict.fromkeys(v for _, s in having for v in s["enum"]))
    if first["type"] == "integer":
        for bound, pick in (("minimum", min), ("maximum", max)):
            values = [s[bound] for _, s in having if bound in s]
            if len(values) == len(having):
                merged[bound] = pick(values)
    lengths = [s.get("maxLength") for _, s in having]
    if key == "prompt" and all(lengths) and len(having) == len(schemas):
        merged["maxLength"] = max(int(n) for n in lengths if n)
    merged["description"] = _per_profile(first.get("description", ""), having, len(schemas))
    return merged


def _per_profile(base: str, having: list[tuple[ExposedProfile, dict[str, Any]]], total: int) -> str:
    parts = []
    for profile, schema in having:
        if "enum" in schema:
            parts.append(f"{profile.name}: {', '.join(str(v) for v in schema['enum'])}")
        elif "maximum" in schema:
            parts.append(f"{profile.name}: {schema.get('minimum', 1)} to {schema['maximum']}")
        elif "maxLength" in schema:
            parts.append(f"{profile.name}: at most {schema['maxLength']} characters")
        else:
            parts.append(f"{profile.name}: {schema.get('description', 'any')}")
    scope = "" if len(having) == total else " Only for: " + ", ".join(p.name for p, _ in having) + "."
    return f"{base}{scope} Per profile: {'; '.join(parts)}."


# ``generate --json``'s document (CONTRACT.md), which a successful call returns as structuredContent.
_NULLABLE_STR = {"type": ["string", "null"]}
_NULLABLE_INT = {"type": ["integer", "null"]}
GENERATE_OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "images": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "path": {"type": "string"}, "mime_type": {"type": "string"},
            "width": {"type": "integer"}, "height": {"type": "integer"}, "bytes": {"type": "integer"},
            "sha256": {"type": "string"}, "revised_prompt": _NULLABLE_STR, "seed": _NULLABLE_INT,
        }, "required": ["id", "path", "mime_type", "width", "height", "bytes", "sha256"]}},
        "profile": {"type": "string"},
        "provider": {"type": "string"},
        "model": {"type": "string"},
        "used": used_json_schema(),
        "warnings": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["images", "profile", "provider", "model", "used", "warnings"],
}

# ``edit --json``: ``generate --json``'s document plus the inputs the images were made from.
EDIT_OUTPUT_SCHEMA: dict[str, Any] = {
    **GENERATE_OUTPUT_SCHEMA,
    "properties": {
        **GENERATE_OUTPUT_SCHEMA["properties"],
        "inputs": {"type": "array", "items": {"type": "object", "properties": {
            "id": _NULLABLE_STR, "path": {"type": "string"}, "sha256": {"type": "string"}}}},
    },
    "required": [*GENERATE_OUTPUT_SCHEMA["required"], "inputs"],
}


# MCP-only presentation: the image tools are declared once over several profiles (merged schemas, a
# ``profile`` enum, per-profile descriptions, the contract's output schema) and answered by their own
# handlers (server.TOOL_HANDLERS). Every other catalogue tool needs no entry here.
DECLARATIONS: dict[str, Callable[[catalogue.CatalogueEntry, Sequence[ExposedProfile]], ToolDecl]] = {
    catalogue.GENERATE_IMAGE: generate_tool,
    catalogue.EDIT_IMAGE: edit_tool,
}
