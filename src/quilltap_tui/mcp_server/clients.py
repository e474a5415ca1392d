"""``quilltap-tui mcp --print-config CLIENT``: ready configuration for the MCP clients people use.

Shapes, as each client documents them (checked 2026-12): Claude Desktop's ``claude_desktop_config.json``
and Cursor's ``~/.cursor/mcp.json`` (or ``.cursor/mcp.json``) take ``{"mcpServers": {NAME: {"command",
"args", "env"}}}`` (Cursor: ``"url"`` and ``"headers"`` for a remote server); Claude Code adds a server
with ``claude mcp add [--env K=V] NAME -- COMMAND ARGS...`` (``--transport http NAME URL --header ...``);
Codex reads ``[mcp_servers.NAME]`` tables from ``~/.codex/config.toml`` (``command``/``args``/``env``,
or ``url`` with ``bearer_token_env_var``). The command is this installation's own absolute path, since
clients do not start servers with the user's shell ``PATH``. No secret is ever printed: a token or
passphrase is named, never copied.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from quilltap_tui.errors import Invalid

CLIENTS = ("claude-desktop", "claude-code", "cursor", "codex")
SERVER_NAME = "quilltap"
# Settings worth carrying into the client's environment for the server (names of places, never secrets).
_CARRIED_ENV = ("QUILLTAP_HOME", "QUILLTAP_VAULT")
_WHERE = {
    "claude-desktop": "Add to claude_desktop_config.json (Settings > Developer > Edit Config), then restart "
                      "Claude Desktop:",
    "claude-code": "Run:",
    "cursor": "Add to ~/.cursor/mcp.json (every project) or .cursor/mcp.json (one project):",
    "codex": "Add to ~/.codex/config.toml:",
}


def server_command(profiles: Sequence[str] = ()) -> list[str]:
    """The command line that starts this installation's stdio server."""
    script = Path(sys.executable).with_name("quilltap-tui")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "quilltap_tui"]
    return [*head, "mcp", *(arg for name in profiles for arg in ("--profile", name))]


def carried_env(environ: Mapping[str, str]) -> dict[str, str]:
    return {name: environ[name] for name in _CARRIED_ENV if environ.get(name)}


def render(client: str, *, profiles: Sequence[str], environ: Mapping[str, str], url: str | None = None) -> str:
    """The configuration text for ``client``: stdio by default, the HTTP ``url`` when one is given."""
    if client not in CLIENTS:
        raise Invalid("print_config", f"Unknown MCP client {client!r}: use one of {', '.join(CLIENTS)}.")
    if url is not None:
        return _render_http(client, url)
    command = server_command(profiles)
    env = carried_env(environ)
    if client in ("claude-desktop", "cursor"):
        entry: dict[str, object] = {"command": command[0], "args": command[1:]}
        if env:
            entry["env"] = env
        return json.dumps({"mcpServers": {SERVER_NAME: entry}}, indent=2)
    if client == "claude-code":
        flags = [arg for name, value in env.items() for arg in ("--env", f"{name}={value}")]
        return shlex.join(["claude", "mcp", "add", "--transport", "stdio", "--scope", "user", *flags,
                           SERVER_NAME, "--", *command])
    lines = [f"[mcp_servers.{SERVER_NAME}]", f"command = {_toml(command[0])}",
             f"args = [{', '.join(_toml(a) for a in command[1:])}]"]
    if env:
        lines.append("env = { " + ", ".join(f"{name} = {_toml(value)}" for name, value in env.items()) + " }")
    return "\n".join(lines)


def _render_http(client: str, url: str) -> str:
    if client == "claude-desktop":
        raise Invalid(
            "transport",
            "Claude Desktop's config file starts stdio servers: print its configuration without --transport http.",
        )
    if client == "claude-code":
        # Double quotes, so the user's shell fills in the token from their environment.
        return (f"claude mcp add --transport http --scope user {SERVER_NAME} {shlex.quote(url)} "
                '--header "Authorization: Bearer $QUILLTAP_MCP_TOKEN"')
    if client == "cursor":
        entry = {"url": url, "headers": {"Authorization": "Bearer ${env:QUILLTAP_MCP_TOKEN}"}}
        return json.dumps({"mcpServers": {SERVER_NAME: entry}}, indent=2)
    return "\n".join([f"[mcp_servers.{SERVER_NAME}]", f"url = {_toml(url)}",
                      'bearer_token_env_var = "QUILLTAP_MCP_TOKEN"'])


def where(client: str) -> str:
    """One line saying where the configuration goes (printed on stderr, so stdout stays pasteable)."""
    return _WHERE[client]


def _toml(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string
