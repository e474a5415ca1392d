"""The reference images of an edit: gallery ids (or unique prefixes) and image files, read and checked.

Everything here runs before anything is reserved or sent, so a wrong input (an unknown id, a file that
is not a PNG/JPEG/WebP image, one too large, too many images for the model, a mask the model cannot
take) is one clear error with nothing saved and nothing sent. Files are only read, never moved or
changed. Blocking (database, files): the generation service calls this in a thread.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from quilltap_tui.errors import Invalid, MalformedResponse, NotFound
from quilltap_tui.imagegen.sniff import inspect_image
from quilltap_tui.imagegen.spec import EditInputs, InputImage
from quilltap_tui.imagegen.spec_model import ModelSpec
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.gallery_view import InputRef

MIN_ID_PREFIX = 6
# The largest reference any provider takes (OpenAI: under 50 MB per image); checked before reading.
MAX_INPUT_BYTES = 50 * 1024 * 1024
INPUT_TYPES = ("image/png", "image/jpeg", "image/webp")
_PATH_HINTS = ("/", "\\", "~", ".")


class GalleryFile(Protocol):
    """A gallery image as a reference needs it: the ORM's record, or a plain store's row."""

    @property
    def id(self) -> str: ...
    @property
    def file_path(self) -> str: ...  # relative to the data directory


FindImage = Callable[[str], "GalleryFile | None"]


@dataclass(frozen=True)
class EditRequest:
    """What the caller gave: references (ids, prefixes or paths), and optional mask and markup paths."""

    images: tuple[str, ...]
    mask: str | None = None
    markup: str | None = None
    # Ids only, never file paths: what an LLM's tool call (or an MCP client) may name.
    gallery_only: bool = False


@dataclass(frozen=True)
class LoadedInput:
    """One reference as read: the gallery id (None for an outside file), its absolute path, its bytes."""

    id: str | None
    path: str
    sha256: str
    image: InputImage
    role: str = "image"

    @property
    def ref(self) -> InputRef:
        """What an outcome names it by (the contract's ``inputs`` item), without the bytes."""
        return InputRef(id=self.id, path=self.path, sha256=self.sha256)


@dataclass(frozen=True)
class LoadedEdit:
    """Every input of one edit, ready to send (``wire``) and to record as lineage (``all``)."""

    images: tuple[LoadedInput, ...]
    mask: LoadedInput | None = None
    markup: LoadedInput | None = None

    @property
    def wire(self) -> EditInputs:
        return EditInputs(
            images=tuple(i.image for i in self.images),
            mask=self.mask.image if self.mask else None,
            markup=self.markup.image if self.markup else None,
        )

    @property
    def all(self) -> list[LoadedInput]:
        return [*self.images, *(x for x in (self.mask, self.markup) if x is not None)]


def check_capability(spec: ModelSpec, model: str, request: EditRequest) -> None:
    """Refuse an edit the model cannot do: no inputs at all, more than its maximum, a mask or markup."""
    given = len(request.images)
    if given == 0:
        raise Invalid("image", "An edit needs at least one --image (a gallery id or an image file).")
    most = spec.max_input_images or 0
    if most == 0:
        raise Invalid("image", f"Model {model} takes no input images, so it cannot edit; "
                               "use a profile whose model can (`quilltap-tui models --provider P`).")
    if given > most:
        raise Invalid("image", f"Model {model} takes at most {most} input image{'s' if most > 1 else ''}; "
                               f"{given} were given.")
    if request.mask and not spec.mask:
        raise Invalid("mask", f"Model {model} does not take a mask; edit without --mask.")
    if request.markup and not spec.markup:
        raise Invalid("markup", f"Model {model} does not take a markup overlay; edit without --markup.")


def load(ctx: AppContext, request: EditRequest, find: FindImage | None = None) -> LoadedEdit:
    """Resolve and read every input; the mask and markup must be PNGs the size of the first image.

    ``find``: how gallery ids are looked up (a generation store's ``find_image``; the ORM's by default).
    """
    look = find or (lambda text: find_image(ctx, text))
    images = tuple(_load_ref(ctx, look, ref, n, request.gallery_only) for n, ref in enumerate(request.images, start=1))
    mask = _load_file(Path(request.mask).expanduser(), "mask", "mask") if request.mask else None
    markup = _load_file(Path(request.markup).expanduser(), "markup", "markup") if request.markup else None
    for extra in (mask, markup):
        if extra is not None:
            _check_overlay(extra, images[0])
    return LoadedEdit(images, mask, markup)


def _check_overlay(extra: LoadedInput, first: LoadedInput) -> None:
    if extra.image.mime_type != "image/png":
        raise Invalid(extra.role, f"The {extra.role} must be a PNG (with transparency); {extra.path} is not.")
    size, want = (extra.image.width, extra.image.height), (first.image.width, first.image.height)
    if size != want:
        raise Invalid(extra.role, f"The {extra.role} is {size[0]}x{size[1]} but the first image is "
                                  f"{want[0]}x{want[1]}; they must be the same size.")


def _load_ref(ctx: AppContext, find: FindImage, ref: str, number: int, gallery_only: bool = False) -> LoadedInput:
    text = ref.strip()
    if not text:
        raise Invalid("image", "An image reference is empty: give a gallery id or an image file.")
    if not gallery_only and Path(text).expanduser().is_file():
        return _load_file(Path(text).expanduser(), f"image-{number}", "image")
    record = find(text)
    if record is None:
        if not gallery_only and (text.startswith(_PATH_HINTS) or Path(text).suffix):
            raise NotFound("image", text, f"No image file {text!r} (and no gallery image with that id).")
        raise NotFound("image", text, f"No gallery image with id {text!r}; `quilltap-tui images list` shows them.")
    loaded = _load_file(ctx.paths.data / record.file_path, f"image-{number}", "image")
    return LoadedInput(record.id, loaded.path, loaded.sha256, loaded.image)


def find_image(ctx: AppContext, text: str) -> GalleryFile | None:
    """A gallery image by id or by a unique prefix of at least six characters (ambiguous: Invalid)."""
    from sqlmodel import col, select  # here: the plain generation store looks images up without the ORM

    from quilltap_tui.db.models import GeneratedImageRecord

    with ctx.db.session() as session:
        exact = session.get(GeneratedImageRecord, text)
        if exact is not None or len(text) < MIN_ID_PREFIX:
            return exact
        stmt = select(GeneratedImageRecord).where(col(GeneratedImageRecord.id).startswith(text)).limit(2)
        matches = session.exec(stmt).all()
    if len(matches) > 1:
        raise Invalid("image", f"Image id {text!r} matches more than one image; give more characters.")
    return matches[0] if matches else None


def _load_file(path: Path, name: str, role: str) -> LoadedInput:
    """Read one image file whole after checking its size; the bytes must be a PNG, JPEG or WebP."""
    shown = str(path.absolute())
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise Invalid(role, f"{shown} is not a file.")
        if size > MAX_INPUT_BYTES:
            raise Invalid(role, f"{shown} is {size / 1e6:.1f} MB; an input image may be at most "
                                f"{MAX_INPUT_BYTES // (1024 * 1024)} MB.")
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound("image", shown, f"No image file {shown}.") from None
    except OSError as exc:
        raise Invalid(role, f"{shown} cannot be read ({exc.strerror or type(exc).__name__}).") from exc
    try:
        mime, width, height = inspect_image(data)
    except MalformedResponse:
        raise Invalid(role, f"{shown} is not a PNG, JPEG or WebP image.") from None
    if mime not in INPUT_TYPES:
        raise Invalid(role, f"{shown} is {mime}; input images must be PNG, JPEG or WebP.")
    image = InputImage(data=data, mime_type=mime, width=width, height=height,
                       name=f"{name}.{'jpg' if mime == 'image/jpeg' else mime.split('/')[1]}")
    return LoadedInput(None, shown, hashlib.sha256(data).hexdigest(), image, role)


def resolve(ctx: AppContext, refs: Sequence[str]) -> list[LoadedInput]:
    """Load references without a model check (the TUI's attach list uses it to show previews)."""
    return [_load_ref(ctx, lambda text: find_image(ctx, text), ref, n) for n, ref in enumerate(refs, start=1)]
