"""Any self-hosted or third-party server speaking ``POST {base}/images/generations`` (the ``openai-compatible``
image provider): vLLM-Omni, LocalAI, Ollama's OpenAI endpoint, DeepInfra, Together and the like.

The wire is OpenAI's Images API; what differs is the model's spec (the catalogue's ``generic`` family):
free ``WxH`` sizes, and ``seed``, ``negative_prompt``, ``steps`` and ``guidance_scale`` sent as snake_case
body fields. ``openai.build_request`` already writes exactly what the planned call carries, so this
module only names the provider. A base URL is required (there is no default server).
"""

from __future__ import annotations

from quilltap_tui.imagegen.providers.openai import OpenAIImages


class CompatibleImages(OpenAIImages):
    """An OpenAI-compatible image server at the profile's base URL."""

    id = "openai-compatible"
