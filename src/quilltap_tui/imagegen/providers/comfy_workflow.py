"""ComfyUI workflow templates: an "API format" graph with ``{{placeholder}}`` values, filled per request.

A template is what ComfyUI's "Export (API)" (or "Save (API Format)") writes: ``{node_id: {"class_type",
"inputs"}}``. Any input value may be a placeholder: a value that is exactly ``"{{seed}}"`` becomes the
typed value (a number stays a number), one inside longer text is replaced as text. The placeholders are
:data:`PLACEHOLDERS`. The app ships one template, a plain text-to-image checkpoint graph
(``imagegen/workflows/comfyui_txt2img.json``, ComfyUI's own default graph with placeholders) and one for
edits (``comfyui_img2img.json``: the reference through ``LoadImage`` ``{{image}}``, ``VAEEncode``, a KSampler
with ``{{denoise}}``); a profile names its own with ``--param workflow=PATH`` and ``--param
edit_workflow=PATH``.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from quilltap_tui.errors import Invalid

PLACEHOLDERS = ("prompt", "negative_prompt", "width", "height", "seed", "steps", "cfg", "batch_size", "model",
                "image", "denoise")
DEFAULT_NAME = "comfyui_txt2img.json"
EDIT_NAME = "comfyui_img2img.json"  # LoadImage({{image}}) -> VAEEncode -> KSampler(denoise {{denoise}})
_TOKEN = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_MAX_BYTES = 4 * 1024 * 1024  # a workflow is a few KiB; a bigger file is not one


def default_template(name: str = DEFAULT_NAME) -> dict[str, Any]:
    """A bundled graph: text-to-image (CheckpointLoaderSimple, KSampler, SaveImage) or, for edits, image-to-image."""
    text = resources.files("quilltap_tui.imagegen").joinpath("workflows", name).read_text("utf-8")
    graph: dict[str, Any] = json.loads(text)
    return graph


def load_template(path: str | None, *, edit: bool = False) -> dict[str, Any]:
    """The template at ``path`` (``~`` expanded), or the bundled one; :class:`Invalid` naming ``workflow``.

    ``edit``: the graph must load the reference through an ``{{image}}`` placeholder (a LoadImage node).
    """
    if not path:
        return default_template(EDIT_NAME if edit else DEFAULT_NAME)
    field = "edit_workflow" if edit else "workflow"
    graph = _load_file(path, field)
    where = Path(path).expanduser()
    if edit and not uses(graph, "image"):
        raise Invalid(field, f"The edit workflow {where} has no {{{{image}}}} placeholder: give its LoadImage "
                             "node \"image\": \"{{image}}\" (see the README's ComfyUI guide).")
    if not edit and uses(graph, "image"):
        raise Invalid(field, f"The workflow {where} loads a reference image ({{{{image}}}}): it is an edit "
                             "workflow; name it with --param edit_workflow=PATH instead.")
    return graph


def _load_file(path: str, field: str) -> dict[str, Any]:
    file = Path(path).expanduser()
    try:
        if file.stat().st_size > _MAX_BYTES:
            raise Invalid(field, f"The workflow file {file} is larger than 4 MiB; it is not a ComfyUI workflow.")
        graph = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise Invalid(field, f"The workflow file {file} cannot be read: {exc.strerror or exc}.") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise Invalid(field, f"The workflow file {file} is not valid JSON: {exc}.") from exc
    return check_graph(graph, str(file), field)


def check_graph(graph: Any, where: str, field: str = "workflow") -> dict[str, Any]:
    """``graph`` when it is an API-format graph; a UI-format save gets a sentence saying how to export."""
    if isinstance(graph, dict) and isinstance(graph.get("nodes"), list):
        raise Invalid(field, f"The workflow file {where} is ComfyUI's UI format; export it with "
                             "Workflow > Export (API) and use that file.")
    if not isinstance(graph, dict) or not graph or not all(
            isinstance(node, dict) and isinstance(node.get("class_type"), str) and isinstance(node.get("inputs"), dict)
            for node in graph.values()):
        raise Invalid(field, f"The workflow file {where} is not an API-format ComfyUI workflow "
                             "(nodes with class_type and inputs).")
    unknown = sorted({name for name in _tokens(graph) if name not in PLACEHOLDERS})
    if unknown:
        raise Invalid(field, f"The workflow file {where} uses the unknown placeholder {{{{{unknown[0]}}}}}; "
                             f"known: {', '.join(PLACEHOLDERS)}.")
    return graph


def fill(graph: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``graph`` with every placeholder replaced by ``values`` (every placeholder must have one)."""
    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        if not isinstance(value, str):
            return value
        whole = _TOKEN.fullmatch(value.strip())
        if whole:
            return values[whole[1]]
        return _TOKEN.sub(lambda m: str(values[m[1]]), value)
    filled: dict[str, Any] = walk(graph)
    return filled


def uses(graph: dict[str, Any], name: str) -> bool:
    """True when the template has a ``{{name}}`` placeholder somewhere."""
    return name in _tokens(graph)


def _tokens(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_tokens(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_tokens(v) for v in value)) if value else set()
    return set(_TOKEN.findall(value)) if isinstance(value, str) else set()
