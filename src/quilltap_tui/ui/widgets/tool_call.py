"""ToolCallView: one tool call in the conversation, and ImageBlock: an image it made, with a caption.

The call is a collapsible item whose title says its state (running / done / error); inside are the
arguments and the result in words (see :mod:`quilltap_tui.ui.result_summary`). Below it, always visible,
what happened on the way: the mapping warnings ("size 1792x1024 -> 1536x1024", a retired model) and the
retries ("retrying in 1 s (429)"). While an image tool runs, a placeholder with the elapsed time
stands where the picture will appear; the images it made are shown below the item (always visible)
through the app's one preview widget. Everything the LLM or a provider wrote is shown inert.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Collapsible, Static

from quilltap_tui.chat.events import CANCELLED
from quilltap_tui.textsafe import inert
from quilltap_tui.tools import catalogue
from quilltap_tui.ui.chat_data import CALL_WORDS, ShownImage, image_caption, image_size
from quilltap_tui.ui.result_summary import summarize, warnings_of
from quilltap_tui.ui.widgets.image_row import ImageRow, preview_box
from quilltap_tui.ui.widgets.preview import ImagePreview

ICONS = {"pending": "…", "running": "⚙", "ok": "✓", "error": "✗", "cancelled": "⊘"}


class ImageBlock(Vertical):
    """A generated image: its preview (or, with previews off, its path) and a caption."""

    DEFAULT_CSS = """
    ImageBlock { height: auto; }
    ImageBlock > .image-caption { color: $text-muted; height: auto; padding: 0 1; }
    """

    def __init__(self, image: ShownImage, revised_prompt: str | None = None) -> None:
        super().__init__(classes="image-block")
        self.image = image
        self.revised_prompt = revised_prompt

    def compose(self) -> ComposeResult:
        path = Path(self.image.path)
        previews_on = getattr(self.app, "image_protocol", "off") != "off"
        columns, rows = preview_box(self.app)  # the preview_rows setting
        yield ImagePreview(path, columns=columns, rows=rows, info=image_size(self.image))
        revised = inert(self.revised_prompt) if self.revised_prompt else None
        caption = image_caption(replace(self.image, path=inert(str(path))), revised, with_path=previews_on)
        if previews_on or revised:
            text = caption if previews_on else caption.split("\n", 1)[-1]
            yield Static(text, classes="image-caption", markup=False)


class ToolCallView(Vertical):
    """A tool call: a collapsible item (state, arguments, result), a placeholder, then its images."""

    DEFAULT_CSS = """
    ToolCallView { height: auto; margin: 0 0 1 2; }
    ToolCallView > Collapsible { border-top: none; padding: 0; margin: 0; background: transparent; }
    ToolCallView .call-detail { color: $text-muted; height: auto; }
    ToolCallView .call-error { color: $error; height: auto; }
    ToolCallView > .call-notes { color: $warning; height: auto; padding: 0 0 0 2; }
    ToolCallView > .image-placeholder { color: $text-muted; height: 3; border: round $primary 40%;
                                        padding: 0 1; margin: 0 0 0 2; width: 60; }
    """

    def __init__(self, name: str, arguments: dict[str, Any], *, call_id: str = "", status: str = "running",
                 result: dict[str, Any] | None = None, error: str | None = None,
                 images: list[ShownImage] | None = None) -> None:
        super().__init__(classes="tool-call")
        self.call_name = inert(name, keep_newlines=False)
        self.call_id = call_id
        self.arguments = arguments
        self.status = status
        self.result = result or {}
        self.error = error
        self.images = images or []
        self._started = time.monotonic()
        self._timer: Timer | None = None
        self.note = ""  # a progress note while it runs, e.g. "retrying in 1.0 s (429 rate limited)"
        self.retries: list[str] = []  # every retry note, still shown once the call is over
        self.partials = 0  # partial images shown while it runs (OpenAI streams up to 3)
        self.progress = ""  # a queueing provider's latest note ("fal.ai: queue position 2"); not kept

    @property
    def makes_images(self) -> bool:
        """Whether the catalogue says this tool's result holds images (a placeholder waits for them)."""
        made = catalogue.entry(self.call_name)
        return made is not None and made.makes_images

    def compose(self) -> ComposeResult:
        with Collapsible(title=self._title(), collapsed=True):  # type: ignore[arg-type]  # Content: no markup
            yield Static(self._arguments_text(), classes="call-detail call-arguments", markup=False)
            yield Static(self._result_text(), classes="call-detail call-result", markup=False)
        yield Static("", classes="image-placeholder", markup=False)
        yield Static(self._error_text(), classes="call-error", markup=False)
        yield Static(self._notes_text(), classes="call-notes", markup=False)

    def on_mount(self) -> None:
        self.query_one(".call-error").display = bool(self.error)
        self.query_one(".call-notes").display = bool(self._notes_text())
        if self.status in ("pending", "running") and self.makes_images:
            self._timer = self.set_interval(0.25, self._tick)
            self._tick()
        else:
            self.query_one(".image-placeholder").display = False
        self._mount_images()

    def set_result(self, ok: bool, result: dict[str, Any]) -> None:
        """The call finished: show its state, result and images."""
        self.status = "ok" if ok else "error"
        self.result = result
        self.error = None if ok else str(result.get("error", "The tool failed."))
        self.images = [ShownImage.of_result(item) for item in result.get("images", [])] if ok else []
        self._refresh()
        self._mount_images()

    def set_note(self, note: str) -> None:
        """Show a progress note (a retry) while the call runs."""
        self.note = inert(note, keep_newlines=False)
        if self.note not in self.retries:
            self.retries.append(self.note)
        self._refresh_notes()
        if self._timer is not None:
            self._tick()

    def set_progress(self, note: str) -> None:
        """A queueing provider says where the image is ("ComfyUI: step 7 of 20"): the placeholder shows it."""
        self.progress = inert(note, keep_newlines=False)
        if self._timer is not None:
            self._tick()

    def show_partial(self, data: bytes) -> None:
        """A partial image arrived: the placeholder's preview shows it (decoded in a worker) and sharpens."""
        if self._timer is None:
            return  # the call is over: its final image is shown instead
        self.partials += 1
        self._tick()
        if getattr(self.app, "image_protocol", "off") == "off":
            return
        previews = self.query(".partial-preview")
        if previews:
            previews.first(ImagePreview).show_data(data)
            return
        columns, rows = preview_box(self.app)
        preview = ImagePreview(None, columns=columns, rows=rows, classes="partial-preview")
        self.mount(preview, after=self.query_one(".image-placeholder"))
        preview.call_after_refresh(preview.show_data, data)

    def set_cancelled(self, reason: str = CANCELLED) -> None:
        """The turn was cancelled while this call was open."""
        if self.status in ("pending", "running"):
            self.status, self.error = "cancelled", reason
            self._refresh()

    @property
    def revised_prompt(self) -> str | None:
        found = self.result.get("revised_prompt")
        if found:
            return str(found)
        return next((i.revised_prompt for i in self.images if i.revised_prompt), None)

    # -- drawing -------------------------------------------------------------------------------

    def _refresh(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.query_one(".image-placeholder").display = False
        self.query(".partial-preview").remove()  # the final image (or the error) takes its place
        self.query_one(Collapsible).title = self._title()  # type: ignore[assignment]  # Content: no markup
        self.query_one(".call-result", Static).update(self._result_text())
        error = self.query_one(".call-error", Static)
        error.update(self._error_text())
        error.display = bool(self.error)
        self._refresh_notes()

    def _refresh_notes(self) -> None:
        if not self.is_mounted:
            return
        notes = self.query_one(".call-notes", Static)
        text = self._notes_text()
        notes.update(text)
        notes.display = bool(text)

    def _mount_images(self) -> None:
        if not self.images or self.query(ImageBlock):
            return
        # Side by side when the width allows (ImageRow picks how many fit).
        self.mount(ImageRow(*[ImageBlock(image, self.revised_prompt) for image in self.images]))

    def _tick(self) -> None:
        elapsed = time.monotonic() - self._started
        prompt = " ".join(str(self.arguments.get("prompt", "")).split())
        short = prompt[:50] + ("…" if len(prompt) > 50 else "")
        note = f" · {self.note}" if self.note else ""
        note += f" · partial image {self.partials}" if self.partials else ""
        # The placeholder shows one line: a queue note ("ComfyUI: waiting in the queue (2 ahead)") takes the
        # place of "Making an image…", which it says anyway.
        doing = f"{elapsed:.0f} s · {self.progress}" if self.progress else f"Making an image… {elapsed:.0f} s"
        text = f"🖼  {doing}{note}\n{inert(short)}"
        # The placeholder's size is fixed (CSS): no layout pass for the screen, just a repaint, four times a second.
        self.query_one(".image-placeholder", Static).update(text, layout=False)

    def _title(self) -> Content:
        word = CALL_WORDS.get(self.status, self.status)
        icon = ICONS.get(self.status, "·")
        count = len(self.images)
        extra = f" · {count} image{'s' if count != 1 else ''}" if count else ""
        return Content(f"{icon} {self.call_name} · {word}{extra}")

    def _arguments_text(self) -> str:
        try:
            shown = json.dumps(self.arguments, indent=2, ensure_ascii=False)
        except (TypeError, ValueError):
            shown = repr(self.arguments)
        return inert(f"Arguments:\n{shown}")

    def _result_text(self) -> str:
        if self.status in ("pending", "running"):
            return "Result: (running)"
        if not self.result:
            return "Result: -"
        lines = summarize(self.result, ok=self.status != "error")
        return inert("Result: " + "\n  ".join(lines))

    def _notes_text(self) -> str:
        """What happened on the way, one line each: the result's warnings, then the retries."""
        lines = [f"⚠ {w}" for w in warnings_of(self.result)]
        lines += [f"↻ {note}" for note in self.retries]
        return inert("\n".join(lines))

    def _error_text(self) -> str:
        return inert(f"⚠ {self.error}") if self.error else ""
