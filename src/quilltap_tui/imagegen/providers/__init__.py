"""Image provider clients, one module per API shape (openai, grok, google) plus shared plumbing.

Use :func:`quilltap_tui.imagegen.registry.get_image_provider` rather than importing a class directly.
"""
