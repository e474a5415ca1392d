"""Google Gemini: images via generateContent / Imagen predict; chat via its OpenAI-compatible layer.

The key travels in ``x-goog-api-key``, never as ``?key=`` (URLs end up in logs).
"""

from __future__ import annotations

from quilltap_tui.providers.unit import ChatFacet, ImageFacet, ProviderUnit

UNIT = ProviderUnit(
    id="google",
    title="Google Gemini",
    name="Google",
    default_base_url="https://generativelanguage.googleapis.com/v1beta",
    aliases=("google-imagen", "google_imagen", "gemini"),
    env_vars=("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    auth_header="x-goog-api-key",
    auth_scheme="",
    image=ImageFacet(
        factory="quilltap_tui.imagegen.providers.google:GoogleImages",
        classifier="quilltap_tui.imagegen.providers.errors:classify_google",
        catalogue="google",
    ),
    # The OpenAI-compatible layer takes the key as a bearer token.
    chat=ChatFacet(compat_suffix="/openai"),
)
