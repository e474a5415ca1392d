"""Reusable widgets: the image preview (used by the gallery, the viewer and later the chat)."""
