"""The ``edit_image`` tool: ``generate_image``'s options plus ``images``, gallery ids from earlier results.

Offered only when the chat's image profile can edit (its model takes input images). The LLM names
images by id only: it can never make the app read a file path and send it to a provider. Input is read
as leniently as ``generate_image``'s; the generation service checks the number of images against the
model's maximum before anything is sent, and the result (like every tool result) carries no image data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quilltap_tui.errors import Invalid
from quilltap_tui.imagegen.capabilities import spec_for
from quilltap_tui.imagegen.options import GenerateOptions
from quilltap_tui.providers.registry import catalogue_id, image_unit
from quilltap_tui.tools import catalogue, generate_image
from quilltap_tui.tools.call import ToolContext
from quilltap_tui.tools.image_tool import ImageTool
from quilltap_tui.tools.ports import ImageEditor, ImageOutcome, ImageToolProfile
from quilltap_tui.tools.spec import ToolSpec

TOOL_NAME = catalogue.EDIT_IMAGE


def can_edit(profile: ImageToolProfile) -> bool:
    """True when the profile's model takes reference images (so the tool is offered)."""
    return spec_for(catalogue_id(profile.provider), profile.model).can_edit


def build_spec(profile: ImageToolProfile) -> ToolSpec:
    """The ``edit_image`` declaration for ``profile``."""
    return ToolSpec(TOOL_NAME, describe(profile), input_schema(profile))


def describe(profile: ImageToolProfile) -> str:
    """What the tool does and where the ids come from."""
    title = image_unit(profile.provider).sentence_name
    return (
        f'Edit images, or make new ones from reference images, with the image profile "{profile.name}" '
        f"({title} {profile.model}). Pass the ids of images from earlier {generate_image.TOOL_NAME} or {TOOL_NAME} "
        "results (or that the user attached) in `images`, and describe the change in `prompt` as a complete "
        "instruction (\"the same fox, twice as big\"). The new images are saved and shown to the user "
        "automatically."
    )


def input_schema(profile: ImageToolProfile) -> dict[str, Any]:
    """``generate_image``'s schema for the profile, plus ``images`` up to the model's maximum."""
    schema = generate_image.input_schema(profile)
    most = spec_for(catalogue_id(profile.provider), profile.model).max_input_images or 1
    schema["properties"] = {
        "prompt": {**schema["properties"]["prompt"], "description": "What to change or make, in full."},
        "images": {
            "type": "array",
            "items": {"type": "string", "description": "An image id from an earlier result."},
            "minItems": 1,
            "maxItems": most,
            "description": f"Ids of the images to edit or use as references (at most {most}), in order.",
        },
        **{k: v for k, v in schema["properties"].items() if k != "prompt"},
    }
    schema["required"] = ["prompt", "images"]
    return schema


def parse_input(arguments: Mapping[str, Any]) -> tuple[str, tuple[str, ...], GenerateOptions]:
    """``(prompt, image ids, options)``; :class:`Invalid` names the first bad field."""
    rest = dict(arguments)
    ids = rest.pop("images", None)
    if isinstance(ids, str):
        ids = [ids]  # one id given bare: read leniently, like the other fields
    if not isinstance(ids, list) or not ids:
        raise Invalid("images", "images is required: a list of image ids from earlier results.")
    if not all(isinstance(i, str) and i.strip() for i in ids):
        raise Invalid("images", "Each entry of images must be an image id (a string).")
    prompt, options = generate_image.parse_input(rest)
    return prompt, tuple(i.strip() for i in ids), options


def model_result(outcome: ImageOutcome) -> dict[str, Any]:
    """``generate_image``'s short result plus the ids the images were made from. No image data."""
    return {**generate_image.model_result(outcome),
            "made_from": [item.id for item in outcome.inputs or () if item.id]}


class EditImageTool(ImageTool):
    """The tool bound to one image profile; edits go through an :class:`ImageEditor` port."""

    def __init__(self, images: ImageEditor, profile: ImageToolProfile) -> None:
        self.images = images
        super().__init__(profile)

    build_spec = staticmethod(build_spec)
    model_result = staticmethod(model_result)

    async def make(self, arguments: Mapping[str, Any], context: ToolContext) -> ImageOutcome:
        prompt, ids, options = parse_input(arguments)
        return await self.images.edit(prompt, ids, options, context)
