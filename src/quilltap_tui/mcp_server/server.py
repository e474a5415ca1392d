"""The MCP server: tools, resources and their handlers on the official SDK's low-level ``Server``.

The low-level server is used (not ``MCPServer``'s decorators) because the tools are built at run time
from the stored profiles: ``tools/list`` reads them on every call, so a profile added while a client is
connected is offered from its next listing. Every generation goes through the same
:class:`~quilltap_tui.services.generation.GenerationService` and ``as_json`` as ``quilltap-tui
generate``, so limits, audit rows and the JSON document cannot drift from the command line's.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError

from quilltap_tui import __version__
from quilltap_tui.errors import Invalid, QuilltapError
from quilltap_tui.mcp_server import catalog, results
from quilltap_tui.mcp_server.progress import Progress, on_retry
from quilltap_tui.services import gallery
from quilltap_tui.services.chat_turn_tools import ProfileImages
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.edit_inputs import EditRequest
from quilltap_tui.services.gallery_view import GalleryImage, SavedImage
from quilltap_tui.services.generation import GenerateOptions, GenerationOutcome, GenerationService
from quilltap_tui.tools import catalogue as tools
from quilltap_tui.tools.call import ToolCallRequest, ToolContext
from quilltap_tui.tools.generate_image import parse_input
from quilltap_tui.tools.ports import ImageToolProfile
from quilltap_tui.tools.registry import ToolRegistry

log = logging.getLogger(__name__)
SOURCE = "mcp"  # the audit log's source for every generation made over MCP
RESOURCE_NOT_FOUND = -32002  # the MCP specification's code for an unknown resource
PAGE_SIZE = 100
INSTRUCTIONS = (
    "quilltap-tui serves the user's image profiles. Call list_image_profiles to see what each profile is "
    f"good for and accepts, then {tools.GENERATE_IMAGE} (or {tools.EDIT_IMAGE}, where offered, to change gallery "
    "images). "
    "Images are saved to the user's gallery; each is a resource quilltap://images/<id> holding the full image."
)

Ctx = ServerRequestContext[Any, Any]
ToolHandler = Callable[["QuilltapMcp", Ctx, dict[str, Any]], Awaitable[types.CallToolResult]]


class QuilltapMcp:
    """What every connection shares: the context (which never prompts), the served names, one service."""

    def __init__(self, ctx: AppContext, only: Sequence[str] = ()) -> None:
        self.ctx = ctx
        self.only = tuple(only)
        self.service = GenerationService(ctx, on_retry=on_retry)

    async def exposed(self) -> list[catalog.ExposedProfile]:
        return await asyncio.to_thread(catalog.load_exposed, self.ctx, self.only)

    def ports_for(self, profile: ImageToolProfile) -> ProfileImages:
        """The image ports of a served profile, for a catalogue tool served as a chat would get it."""
        return ProfileImages(self.service, profile.name, source=SOURCE)

    async def aclose(self) -> None:
        await self.service.aclose()


def build_server(app: QuilltapMcp) -> Server[Any]:
    """The SDK server bound to ``app``."""

    @asynccontextmanager
    async def lifespan(_: Server[Any]) -> AsyncIterator[dict[str, Any]]:
        try:
            yield {}
        finally:
            await app.aclose()

    async def list_tools(ctx: Ctx, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        declared = catalog.declare_tools(await app.exposed(), app.ports_for)
        return types.ListToolsResult(tools=[_tool(d) for d in declared])

    async def call_tool(ctx: Ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        handler = TOOL_HANDLERS.get(params.name)
        if handler is not None:
            return await handler(app, ctx, dict(params.arguments or {}))
        entry = tools.entry(params.name)
        if entry is None:
            raise MCPError(types.INVALID_PARAMS, f"There is no tool named {params.name!r}.")
        return await catalogue_tool(app, entry, dict(params.arguments or {}))

    async def list_resources(ctx: Ctx, params: types.PaginatedRequestParams | None) -> types.ListResourcesResult:
        offset = _offset((params.cursor if params else None) or "0")
        page = await asyncio.to_thread(_gallery_page, app.ctx, offset)
        more = len(page) > PAGE_SIZE
        return types.ListResourcesResult(
            resources=[_resource(row) for row in page[:PAGE_SIZE]],
            next_cursor=str(offset + PAGE_SIZE) if more else None,
        )

    async def list_templates(
        ctx: Ctx, params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        template = types.ResourceTemplate(
            name="image", title="A gallery image", uri_template=results.IMAGE_URI_PREFIX + "{id}",
            description="The full bytes of a generated image, by its gallery id.",
        )
        return types.ListResourceTemplatesResult(resource_templates=[template])

    async def read_resource(ctx: Ctx, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        uri = str(params.uri)
        data, mime = await asyncio.to_thread(_read_image, app.ctx, uri)
        blob = types.BlobResourceContents(uri=uri, mime_type=mime, blob=base64.b64encode(data).decode("ascii"))
        return types.ReadResourceResult(contents=[blob])

    return Server(
        "quilltap-tui",
        version=__version__,
        title="quilltap-tui image profiles",
        instructions=INSTRUCTIONS,
        lifespan=lifespan,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
    )


def _tool(decl: catalog.ToolDecl) -> types.Tool:
    return types.Tool(
        name=decl.name,
        title=decl.title,
        description=decl.description,
        input_schema=decl.input_schema,
        output_schema=decl.output_schema,
        annotations=types.ToolAnnotations(
            title=decl.title, read_only_hint=decl.read_only, destructive_hint=False, open_world_hint=not decl.read_only
        ),
    )


# ------------------------------------------------------------------------------------------- tools
def failure(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=message)], is_error=True)


async def generate_image(app: QuilltapMcp, ctx: Ctx, arguments: dict[str, Any]) -> types.CallToolResult:
    """Validate, generate through the service, answer with the JSON document, a summary and previews."""
    exposed = await app.exposed()
    chosen = _chosen_profile(exposed, exposed, arguments.pop("profile", None))
    if isinstance(chosen, types.CallToolResult):
        return chosen  # a profile this server does not serve: refused before anything is sent

    def make(prompt: str, options: GenerateOptions) -> Awaitable[GenerationOutcome]:
        return app.service.generate(prompt, profile=chosen, options=options, source=SOURCE)

    return await _image_call(ctx, tools.GENERATE_IMAGE, arguments, make)


async def edit_image(app: QuilltapMcp, ctx: Ctx, arguments: dict[str, Any]) -> types.CallToolResult:
    """As :func:`generate_image`, from gallery images (``images``: ids) with a profile that can edit."""
    exposed = await app.exposed()
    chosen = _chosen_profile(catalog.editing(exposed), exposed, arguments.pop("profile", None))
    if isinstance(chosen, types.CallToolResult):
        return chosen
    try:
        ids = gallery_ids(arguments.pop("images", None))
    except QuilltapError as exc:
        return failure(results.error_text(exc))

    def make(prompt: str, options: GenerateOptions) -> Awaitable[GenerationOutcome]:
        return app.service.edit(prompt, EditRequest(ids), profile=chosen, options=options, source=SOURCE)

    return await _image_call(ctx, tools.EDIT_IMAGE, arguments, make)


def gallery_ids(value: Any) -> tuple[str, ...]:
    """The ``images`` argument: a non-empty list of gallery ids (or prefixes), never paths."""
    if not isinstance(value, list) or not value:
        raise Invalid("images", "images must be a list of gallery ids (from earlier results), at least one.")
    for item in value:
        if not isinstance(item, str) or not re.fullmatch(catalog.IMAGE_ID_PATTERN, item.strip().lower()):
            raise Invalid("images", f"images must hold gallery ids (at least 6 hex characters), not {item!r}.")
    return tuple(item.strip().lower() for item in value)


async def _image_call(
    ctx: Ctx, name: str, arguments: dict[str, Any], make: Callable[[str, GenerateOptions], Awaitable[GenerationOutcome]]
) -> types.CallToolResult:
    try:
        prompt, options = parse_input(arguments)
        async with Progress(ctx.session) as progress:
            outcome = await make(prompt, options)
            await progress.finish(len(outcome.images))
    except QuilltapError as exc:
        log.info("%s failed: %s", name, type(exc).__name__)
        return failure(results.error_text(exc))
    except Exception as exc:
        log.exception("%s failed unexpectedly", name)
        return failure(f"The {name} tool failed unexpectedly ({type(exc).__name__}).")
    log.info("%s: %d image(s) with %s", name, len(outcome.images), outcome.profile)
    document = outcome.as_json()
    content: list[types.ContentBlock] = [types.TextContent(text=results.summary(outcome))]
    content.extend(await asyncio.to_thread(_previews, outcome.images))
    return types.CallToolResult(content=content, structured_content=document)


def _chosen_profile(
    pool: Sequence[catalog.ExposedProfile], exposed: Sequence[catalog.ExposedProfile], requested: Any
) -> str | types.CallToolResult:
    """The profile a call uses: the one named (if served and in ``pool``), else ``pool``'s default."""
    names = [p.name for p in pool]
    if requested is None:
        default = catalog.default_profile(pool)
        if default is None:
            return failure("There is no image profile for this tool yet: add one with "
                           "`quilltap-tui image-profiles add`.")
        return default.name
    served = {p.name: p for p in exposed}
    if not isinstance(requested, str) or requested.strip() not in served:
        return failure(
            f"Image profile {requested!r} is not served by this MCP server; it serves: "
            f"{', '.join(served) or 'none'}."
        )
    if requested.strip() not in names:
        return failure(
            f"Image profile {requested.strip()!r} cannot edit (model {served[requested.strip()].tool.model} takes "
            f"no input images); profiles that can: {', '.join(names) or 'none'}."
        )
    return requested.strip()


def _previews(images: Sequence[SavedImage]) -> list[types.ContentBlock]:
    """One small image block per image (worker thread: decoding and encoding are CPU work)."""
    blocks: list[types.ContentBlock] = []
    for image in images:
        try:
            data, mime = results.make_preview(image.path)
        except Exception as exc:  # a format Pillow cannot open must not lose the saved images' result
            log.warning("no preview for %s (%s)", image.id, type(exc).__name__)
            blocks.append(types.TextContent(text=f"(no preview for {image.id}: {type(exc).__name__})"))
            continue
        blocks.append(types.ImageContent(data=base64.b64encode(data).decode("ascii"), mime_type=mime))
    return blocks


async def catalogue_tool(
    app: QuilltapMcp, entry: tools.CatalogueEntry, arguments: dict[str, Any]
) -> types.CallToolResult:
    """Any other catalogue tool, run as a chat runs it: its result is the structured content (and the text)."""
    tool = catalog.served_tool(entry, await app.exposed(), app.ports_for)
    if tool is None:
        return failure(f"No served image profile can run {entry.id}.")
    result = await ToolRegistry([tool]).execute(ToolCallRequest(id="mcp", name=entry.id, arguments=arguments),
                                                ToolContext())
    if not result.ok:
        return failure(result.error or f"The {entry.id} tool failed.")
    text = json.dumps(result.result, ensure_ascii=False)
    return types.CallToolResult(content=[types.TextContent(text=text)], structured_content=result.result)


async def list_image_profiles(app: QuilltapMcp, ctx: Ctx, arguments: dict[str, Any]) -> types.CallToolResult:
    missing = await asyncio.to_thread(catalog.load_unavailable, app.ctx, app.only)
    document = {"profiles": [*(p.describe() for p in await app.exposed()), *missing]}
    text = json.dumps(document, ensure_ascii=False)
    return types.CallToolResult(content=[types.TextContent(text=text)], structured_content=document)


# The handlers of the tools with an MCP presentation (catalog.DECLARATIONS) and of list_image_profiles;
# every other catalogue tool is answered by catalogue_tool.
TOOL_HANDLERS: dict[str, ToolHandler] = {
    tools.GENERATE_IMAGE: generate_image,
    tools.EDIT_IMAGE: edit_image,
    catalog.LIST_TOOL: list_image_profiles,
}


# --------------------------------------------------------------------------------------- resources
def _gallery_page(ctx: AppContext, offset: int) -> list[GalleryImage]:
    return gallery.page(ctx, limit=PAGE_SIZE + 1, offset=offset)


def _resource(row: GalleryImage) -> types.Resource:
    prompt = " ".join(row.prompt.split())
    clipped = prompt if len(prompt) <= 80 else prompt[:79] + "…"
    return types.Resource(
        uri=results.image_uri(row.id),
        name=row.path.name,
        title=clipped,
        description=f"{row.width}x{row.height} {row.model} ({row.profile or 'no profile'}), "
        f"{row.created_at:%Y-%m-%d %H:%M} UTC: {prompt}",
        mime_type=row.mime_type,
        size=row.bytes,
    )


def _read_image(ctx: AppContext, uri: str) -> tuple[bytes, str]:
    image_id = uri.removeprefix(results.IMAGE_URI_PREFIX) if uri.startswith(results.IMAGE_URI_PREFIX) else ""
    record = gallery.get(ctx, image_id) if image_id else None
    if record is None:
        raise MCPError(RESOURCE_NOT_FOUND, f"No gallery image at {uri}.", {"uri": uri})
    try:
        return record.path.read_bytes(), record.mime_type
    except OSError as exc:
        message = f"The file of {uri} cannot be read ({exc.strerror})."
        raise MCPError(RESOURCE_NOT_FOUND, message, {"uri": uri}) from None


def _offset(cursor: str) -> int:
    if not cursor.isdigit():
        raise MCPError(types.INVALID_PARAMS, f"Invalid cursor {cursor!r}.")
    return int(cursor)

