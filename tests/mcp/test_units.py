"""In-process checks of the pieces around the server: previews, the merged schema, client configs, import cost."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from PIL import Image

from quilltap_tui.errors import VaultLocked
from quilltap_tui.mcp_server import catalog, clients, results
from quilltap_tui.secrets.file_vault import LOCKED_MESSAGE
from quilltap_tui.tools.generate_image import ImageToolProfile, input_schema
from tests.support import Cli


@pytest.mark.parametrize(("mode", "size", "mimes"), [
    ("RGB", (4096, 2048), {"image/jpeg"}),
    ("RGBA", (2000, 2000), {"image/png", "image/webp"}),
    ("RGB", (300, 200), {"image/jpeg"}),
])
def test_previews_stay_within_512px_and_200kb(
    tmp_path: Path, mode: str, size: tuple[int, int], mimes: set[str]
) -> None:
    # Noise compresses worst of all: the case that needs the lower qualities (or a smaller size).
    path = tmp_path / "big.png"
    Image.frombytes(mode, size, os.urandom(size[0] * size[1] * len(mode))).save(path, compress_level=1)
    data, mime = results.make_preview(path)
    assert mime in mimes and len(data) <= results.PREVIEW_MAX_BYTES
    with Image.open(io.BytesIO(data)) as shown:
        assert max(shown.size) <= 512
        assert Image.MIME[shown.format] == mime
        if size[0] <= 512:
            assert shown.size == size  # never enlarged
        if mode == "RGBA":
            assert "A" in shown.mode  # transparency kept


def _profile(name: str, model: str, **params: object) -> catalog.ExposedProfile:
    return catalog.ExposedProfile(ImageToolProfile(name, "openai", model, dict(params), 4), ("t",), name == "a")


def test_one_profile_schema_is_the_chat_tools_schema_plus_profile() -> None:
    only = _profile("a", "gpt-image-1", quality="high")
    merged = catalog.merged_schema([only])
    chat = input_schema(only.tool)
    assert {k: v for k, v in merged["properties"].items() if k != "profile"} == chat["properties"]
    assert merged["properties"]["profile"] == {
        "type": "string", "enum": ["a"], "default": "a",
        "description": "The image profile to use (the default profile when omitted).",
    }
    assert merged["properties"]["quality"]["default"] == "high"


def test_profile_restrictions_narrow_the_offered_values() -> None:
    narrowed = _profile("a", "gpt-image-1", allowed_sizes=["1024x1024"])
    other = _profile("b", "dall-e-3")
    size = catalog.merged_schema([narrowed, other])["properties"]["size"]
    assert size["enum"] == ["1024x1024", "1792x1024", "1024x1792"]
    assert "a: 1024x1024; b: 1024x1024, 1792x1024, 1024x1792" in size["description"]


def test_locked_vault_sentence_names_every_way_to_unlock() -> None:
    text = results.error_text(VaultLocked(LOCKED_MESSAGE))
    assert "run quilltap-tui in a terminal" not in text  # the one way an MCP server cannot offer
    wrong = results.error_text(VaultLocked("The passphrase in QUILLTAP_VAULT_PASSPHRASE does not unlock the vault."))
    assert wrong.startswith("The passphrase in QUILLTAP_VAULT_PASSPHRASE does not unlock the vault; this MCP server")


def test_print_config_for_each_client(cli: Cli) -> None:
    home = str(cli.home)
    desktop = cli("mcp", "--print-config", "claude-desktop")
    assert desktop.code == 0 and "claude_desktop_config.json" in desktop.err
    entry = json.loads(desktop.out)["mcpServers"]["quilltap"]
    assert entry["args"][-1] == "mcp" and Path(entry["command"]).is_absolute()
    assert entry["env"] == {"QUILLTAP_HOME": home, "QUILLTAP_VAULT": "file"}
    assert "QUILLTAP_VAULT_PASSPHRASE" not in desktop.out  # a secret is never printed

    cursor = json.loads(cli("mcp", "--print-config", "cursor", "--profile", "art").out)["mcpServers"]["quilltap"]
    assert cursor["args"][-3:] == ["mcp", "--profile", "art"]

    code = cli("mcp", "--print-config", "claude-code").out.strip()
    assert code.startswith(f"claude mcp add --transport stdio --scope user --env QUILLTAP_HOME={home} "
                           "--env QUILLTAP_VAULT=file quilltap -- ")
    assert code.endswith(" mcp")

    codex = tomllib.loads(cli("mcp", "--print-config", "codex").out)["mcp_servers"]["quilltap"]
    assert codex == {"command": entry["command"], "args": entry["args"], "env": entry["env"]}

    http = tomllib.loads(cli("mcp", "--print-config", "codex", "--transport", "http", "--port", "9001").out)
    assert http["mcp_servers"]["quilltap"] == {
        "url": "http://127.0.0.1:9001/mcp", "bearer_token_env_var": "QUILLTAP_MCP_TOKEN"}
    assert cli("mcp", "--print-config", "claude-desktop", "--transport", "http").code == 2


def test_print_config_command_runs_the_server() -> None:
    command = clients.server_command(["x"])
    assert command[-3:] == ["mcp", "--profile", "x"] and Path(command[0]).exists()


def test_other_commands_never_import_the_sdk(tmp_path: Path) -> None:
    code = (
        "import sys; from quilltap_tui.cli import main; main(['--version']); main(['images', 'list']); "
        "sys.stdout.flush(); print(sorted(m for m in ('mcp', 'uvicorn', 'starlette') if m in sys.modules))"
    )
    env = {**os.environ, "QUILLTAP_HOME": str(tmp_path / "home"), "QUILLTAP_VAULT": "file"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
