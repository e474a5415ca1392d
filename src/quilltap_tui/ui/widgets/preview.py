"""ImagePreview: the one widget that shows a generated image anywhere in the app.

With graphics on it shows a textual-image widget (Kitty graphics, Sixel or half-cell blocks, chosen
once before the app started); with ``QUILLTAP_IMAGES=off`` a text placeholder with the path and size.
Decoding and resizing happen in a thread worker; the UI only mounts the finished thumbnail.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from quilltap_tui.ui import terminal, thumbnails
from quilltap_tui.ui.tasks import preload


class ImagePreview(Widget):
    """Preview of one image file in a ``columns`` x ``rows`` cell box."""

    DEFAULT_CSS = """
    ImagePreview { height: auto; width: 1fr; }
    ImagePreview > .preview-text { color: $text-muted; padding: 0 1; }
    ImagePreview > .preview-image { width: auto; height: auto; max-width: 100%; }
    """

    class Ready(Message):
        """A thumbnail was decoded (or failed to) in a worker."""

        def __init__(self, token: int, image: Any, error: str | None) -> None:
            super().__init__()
            self.token, self.image, self.error = token, image, error

    def __init__(self, path: Path | None = None, *, columns: int = 40, rows: int = 16, info: str = "",
                 protocol: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.path = path
        self.columns, self.rows = columns, rows
        self.info = info
        self._protocol = protocol
        self._token = 0  # which show() call the newest decode belongs to

    @property
    def protocol(self) -> str:
        return self._protocol or getattr(self.app, "image_protocol", "off")

    def compose(self) -> ComposeResult:
        # With previews off the final text is known now: no "Loading" flash, nothing left to a later refresh.
        note = "Previews are off (QUILLTAP_IMAGES=off)." if self.protocol == "off" else "Loading preview…"
        yield Static(self._text(note), classes="preview-text", markup=False)

    def on_mount(self) -> None:
        if self.path is not None:
            self.show(self.path, self.info)

    def show(self, path: Path | None, info: str = "") -> None:
        """Preview ``path`` (None clears); ``info`` (size, bytes) goes into the text placeholder."""
        self.path, self.info = path, info
        self._token += 1
        token = self._token
        if not self.is_mounted:
            return  # on_mount shows it
        self._remove_image()
        if path is None:
            self._set_text("")
            return
        if self.protocol == "off":
            self._set_text(self._text("Previews are off (QUILLTAP_IMAGES=off)."))
            return
        self._set_text(self._text("Loading preview…"))
        box = thumbnails.box_for_cells(self.columns, self.rows)

        def decode() -> None:
            try:
                preload(("PIL.Image", "textual_image.renderable"))  # imported once, under the import lock
                image = thumbnails.load(path, box)
            except Exception as exc:  # unreadable or vanished file: say so in place of the picture
                self.post_message(self.Ready(token, None, f"{type(exc).__name__}: {exc}"))
                return
            self.post_message(self.Ready(token, image, None))

        self.run_worker(decode, thread=True, group="preview", exclusive=True, exit_on_error=False)

    def on_image_preview_ready(self, message: ImagePreview.Ready) -> None:
        message.stop()
        if message.token != self._token:
            return  # a newer show() superseded this decode (the user moved on, or the same image was re-shown)
        self._remove_image()
        if message.error or message.image is None:
            self._set_text(self._text(f"Cannot preview: {message.error}"))
            return
        widget_class = terminal.image_widget_class(self.protocol)
        kwargs: dict[str, Any] = {"classes": "preview-image"}
        if terminal.takes_on_error(widget_class):
            kwargs["on_error"] = lambda exc: Static(self._text(f"Cannot preview: {exc}"), markup=False)
        image_widget = widget_class(message.image, **kwargs)
        image_widget.styles.height = self.rows
        self._set_text("")
        self.query_one(".preview-text").display = False
        self.mount(image_widget)

    def _remove_image(self) -> None:
        for child in self.query(".preview-image"):
            child.remove()
        self.query_one(".preview-text").display = True

    def _set_text(self, text: str) -> None:
        self.query_one(".preview-text", Static).update(text)

    def _text(self, note: str) -> str:
        if self.path is None:
            return note
        lines = [str(self.path)]
        if self.info:
            lines.append(self.info)
        lines.append(note)
        return "\n".join(lines)
