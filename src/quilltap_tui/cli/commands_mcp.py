"""``quilltap-tui mcp``: serve the image profiles to MCP clients, or print a client's configuration.

The ``mcp`` SDK (and uvicorn, starlette) are imported only inside these functions: no other command
pays for them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, BinaryIO

from quilltap_tui.errors import Invalid

if TYPE_CHECKING:
    from quilltap_tui.mcp_server.transports import HttpOptions
    from quilltap_tui.services.context import AppContext


def run(ns: argparse.Namespace) -> int:
    from quilltap_tui.mcp_server import transports
    from quilltap_tui.services.context import AppContext

    # No passphrase provider: the server never prompts. A locked vault becomes a tool error result.
    ctx = AppContext(passphrase_provider=None)
    if ns.print_config:
        return _print_config(ns, ctx.environ)
    http = transports.http_options(ns.host, ns.port, ctx.environ) if ns.transport == "http" else None
    wire = None
    if http is None:
        _stdio_only(ns)
        wire = transports.protect_stdout()
    transports.setup_logging(ctx.paths.logs / "mcp.log", debug=ns.debug)
    return _serve(ctx, ns.profile, http, wire)


def _serve(ctx: AppContext, profiles: list[str], http: HttpOptions | None, wire: BinaryIO | None) -> int:
    import anyio

    from quilltap_tui.mcp_server import catalog, transports
    from quilltap_tui.mcp_server.server import QuilltapMcp, build_server
    from quilltap_tui.services import image_store

    exposed = catalog.load_exposed(ctx, profiles)  # an unknown --profile is exit 3 before serving
    image_store.sweep_orphans(ctx)
    server = build_server(QuilltapMcp(ctx, profiles))
    names = ", ".join(p.name for p in exposed) or "none yet"
    transports.log.info("serving image profiles over %s: %s", "HTTP" if http else "stdio", names)
    if http is not None:
        anyio.run(transports.serve_http, server, http)
    elif wire is not None:
        anyio.run(transports.serve_stdio, server, wire)
    return 0


def _stdio_only(ns: argparse.Namespace) -> None:
    for flag, value in (("--host", ns.host), ("--port", ns.port)):
        if value is not None:
            raise Invalid(flag.lstrip("-"), f"{flag} applies to --transport http; stdio needs no address.")


def _print_config(ns: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from quilltap_tui.mcp_server import clients, transports

    url = None
    if ns.transport == "http":
        # Checked as the server would check it, with a token assumed: the client config names the variable.
        options = transports.http_options(ns.host, ns.port, {transports.TOKEN_ENV: "set"})
        url = f"http://{options.host}:{options.port}{transports.MCP_PATH}"
    text = clients.render(ns.print_config, profiles=ns.profile, environ=environ, url=url)
    print(clients.where(ns.print_config), file=sys.stderr)
    print(text)
    return 0
