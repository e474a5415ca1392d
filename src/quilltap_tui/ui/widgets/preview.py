"""ImagePreview: the one widget that shows a generated image anywhere in the app.

With graphics on it shows a textual-image widget (Kitty graphics, Sixel or half-cell blocks, chosen
once before the app started); with ``QUILLTAP_IMAGES=off`` a text placeholder with the path and size.
Decoding and resizing happen in a thread worker; the UI only mounts the finished thumbnail. Half-cell
pictures are drawn in that worker too (:class:`HalfcellPicture`), so showing one costs the UI no frame.
One decode runs at a time: while it runs, newer requests replace each other and only the newest starts
next (moving fast through the gallery never queues a decode per row).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from quilltap_tui.ui import terminal, thumbnails
from quilltap_tui.ui.tasks import preload


class HalfcellPicture(Widget):
    """A half-cell picture from strips drawn in a worker; the blocks textual-image's HalfcellImage draws.

    Sized like HalfcellImage with ``width: auto`` and a fixed height: the image's aspect ratio, at most
    the container's width. A narrower container than the strips were drawn for redraws them (rare: a
    terminal too narrow for the preview), cached per width.
    """

    DEFAULT_CSS = "HalfcellPicture { width: auto; height: auto; }"

    def __init__(self, image: Any, strips: list[Strip], *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.image = image  # the decoded thumbnail, as on textual-image's widgets
        self.rows = len(strips)
        self.natural_width = strips[0].cell_length if strips else 0
        self._strips = {self.natural_width: strips}

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return min(self.natural_width, container.width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.rows

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        strips = self._strips.get(width)
        if strips is None:
            strips = self._strips[width] = thumbnails.halfcell_strips(self.image, width, self.rows)
        return strips[y] if 0 <= y < len(strips) else Strip.blank(width)

    def fits(self, strips: list[Strip]) -> bool:
        """Whether ``strips`` take exactly this picture's cells (then :meth:`replace` needs no layout pass)."""
        return len(strips) == self.rows and bool(strips) and strips[0].cell_length == self.natural_width

    def replace(self, image: Any, strips: list[Strip]) -> None:
        """Show another picture of the same size in place: a repaint of these cells, no layout of the screen."""
        self.image = image
        self._strips = {self.natural_width: strips}
        self.refresh()

    def on_unmount(self) -> None:
        # A removed widget lives until a full garbage collection (widgets hold cycles); its strips and their
        # rendered copies (thousands of objects a picture) would wait with it and make each collection longer:
        # browsing the gallery left ~25 pictures waiting, a third of what each full collection scanned.
        self._strips.clear()
        # A repaint drops Textual's cache of the rendered lines (the public way to let go of them).
        self.refresh()


class ImagePreview(Widget):
    """Preview of one image file in a ``columns`` x ``rows`` cell box."""

    DEFAULT_CSS = """
    ImagePreview { height: auto; width: 1fr; }
    ImagePreview > .preview-text { color: $text-muted; padding: 0 1; }
    ImagePreview > .preview-image { width: auto; height: auto; max-width: 100%; }
    """

    class Ready(Message):
        """A thumbnail was decoded (or failed to) in a worker."""

        def __init__(self, token: int, image: Any, error: str | None, strips: list[Strip] | None = None) -> None:
            super().__init__()
            self.token, self.image, self.error, self.strips = token, image, error, strips

    def __init__(self, path: Path | None = None, *, columns: int = 40, rows: int = 16, info: str = "",
                 protocol: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.path = path
        self.columns, self.rows = columns, rows
        self.info = info
        self._protocol = protocol
        self._token = 0  # which show() call the newest decode belongs to
        self._decoding = False  # a decode worker is running; the newest request waits in _pending
        self._pending: tuple[int, Path | bytes] | None = None
        self._shown_text: str | None = None  # what the text placeholder says now
        self._started = False  # a show() got past the mount check (the after-mount show is not needed)

    @property
    def protocol(self) -> str:
        return self._protocol or str(getattr(self.app, "image_protocol", "off"))

    def compose(self) -> ComposeResult:
        # With previews off the final text is known now: no "Loading" flash, nothing left to a later refresh.
        note = "Previews are off (QUILLTAP_IMAGES=off)." if self.protocol == "off" else "Loading preview…"
        self._shown_text = self._text(note)
        yield Static(self._shown_text, classes="preview-text", markup=False)

    def on_mount(self) -> None:
        # ``on_mount`` runs before the widget counts as mounted, so ``show()`` here would return at once and the
        # box would say "Loading preview…" for ever: ask again after the first refresh.
        self.call_after_refresh(self._show_now)

    def _show_now(self) -> None:
        # Only when no show() has run since the mount (a gallery may have shown a newer image already).
        if not self._started and self.path is not None and self.is_attached and self.query(".preview-text"):
            self.show(self.path, self.info)

    def show(self, path: Path | None, info: str = "") -> None:
        """Preview ``path`` (None clears); ``info`` (size, bytes) goes into the text placeholder."""
        self.path, self.info = path, info
        self._token += 1
        token = self._token
        if not self.is_mounted:
            return  # on_mount shows it
        self._started = True
        self._remove_image()
        self._pending = None  # a request still waiting for the running decode is stale now
        if path is None:
            self._set_text("")
            return
        if self.protocol == "off":
            self._set_text(self._text("Previews are off (QUILLTAP_IMAGES=off)."))
            return
        self._set_text(self._text("Loading preview…"))
        self._pending = (token, path)
        if not self._decoding:
            self._start_decode()

    def show_data(self, data: bytes, info: str = "") -> None:
        """Preview image bytes that are not a file (a partial image while generating).

        The picture shown stays until the new one is decoded: a stream of partials sharpens, never flashes.
        """
        self._token += 1
        self.path, self.info = None, info
        if not self.is_mounted or self.protocol == "off":
            return
        self._started = True
        self._pending = (self._token, data)
        if not self._decoding:
            self._start_decode()

    def _start_decode(self) -> None:
        if self._pending is None:
            return
        (token, path), self._pending = self._pending, None
        self._decoding = True
        box = thumbnails.box_for_cells(self.columns, self.rows)
        rows, halfcell = self.rows, self.protocol == "halfcell"

        def decode() -> None:
            strips = None
            try:
                preload(("PIL.Image", "textual_image.widget"))  # imported once, under the import lock
                image = thumbnails.load(path, box) if isinstance(path, Path) else thumbnails.load_bytes(path, box)
                if halfcell:
                    width = thumbnails.halfcell_width(image.size, rows, terminal.cell_size())
                    strips = thumbnails.halfcell_strips(image, width, rows)
            except Exception as exc:  # unreadable or vanished file: say so in place of the picture
                self.post_message(self.Ready(token, None, f"{type(exc).__name__}: {exc}"))
                return
            self.post_message(self.Ready(token, image, None, strips))

        self.run_worker(decode, thread=True, group="preview", exit_on_error=False)

    def on_image_preview_ready(self, message: ImagePreview.Ready) -> None:
        message.stop()
        self._decoding = False
        self._start_decode()  # the newest request that came while this one decoded, if any
        if message.token != self._token:
            return  # a newer show() superseded this decode (the user moved on, or the same image was re-shown)
        shown = self.query(HalfcellPicture)
        if message.strips is not None and shown and shown.first().fits(message.strips):
            # The next partial image of a generation (same size): swapping the picture out and in laid out the
            # whole chat each time, while the turn's thread was saving the image and sending the next request.
            shown.first().replace(message.image, message.strips)
            return
        self._remove_image()
        if message.error or message.image is None:
            self._set_text(self._text(f"Cannot preview: {message.error}"))
            return
        image_widget = self._image_widget(message)
        image_widget.styles.height = self.rows
        self._set_text("")
        self.query_one(".preview-text").display = False
        self.mount(image_widget)

    def _image_widget(self, message: ImagePreview.Ready) -> Widget:
        if message.strips is not None:
            return HalfcellPicture(message.image, message.strips, classes="preview-image")
        widget_class: Any = terminal.image_widget_class(self.protocol)
        kwargs: dict[str, Any] = {"classes": "preview-image"}
        if terminal.takes_on_error(widget_class):
            kwargs["on_error"] = lambda exc: Static(self._text(f"Cannot preview: {exc}"), markup=False)
        return widget_class(message.image, **kwargs)  # type: ignore[no-any-return]  # textual-image is untyped

    def _remove_image(self) -> None:
        for child in self.query(".preview-image"):
            child.remove()
        self.query_one(".preview-text").display = True

    def _set_text(self, text: str) -> None:
        # Each update costs the whole screen a layout pass (5-30 ms in a chat): skip the ones that change nothing,
        # like the "Loading preview…" the box was composed with.
        if text != self._shown_text:
            self._shown_text = text
            self.query_one(".preview-text", Static).update(text)

    def _text(self, note: str) -> str:
        if self.path is None:
            return note
        lines = [str(self.path)]
        if self.info:
            lines.append(self.info)
        lines.append(note)
        return "\n".join(lines)
