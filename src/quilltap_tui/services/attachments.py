"""Images a user attaches to a chat message: gallery images, or files copied into the gallery.

The model names images by gallery id (``edit_image`` takes ids only), so an attached file is first
copied into the gallery, byte for byte, marked as attached (provider ``attached``; its prompt names
the file). The file itself is only read. Checks are those of an edit's inputs: PNG, JPEG or WebP, at
most 50 MB, an unknown id is NotFound. Blocking (files, database): callers run it in a thread.
"""

from __future__ import annotations

from pathlib import Path

from quilltap_tui.db.models import GeneratedImageRecord
from quilltap_tui.imagegen.spec import GeneratedImage
from quilltap_tui.services import edit_inputs, image_store
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.gallery_view import SavedImage

ATTACHED = "attached"


def attach(ctx: AppContext, ref: str) -> SavedImage:
    """The gallery image ``ref`` names (id, 6+ character prefix or file path), saved there first when a file."""
    [loaded] = edit_inputs.resolve(ctx, [ref])
    if loaded.id is not None:
        with ctx.db.session() as session:
            record = session.get(GeneratedImageRecord, loaded.id)
            assert record is not None  # resolve just found it
            return image_store.saved_image(ctx, record)
    image = GeneratedImage(data=loaded.image.data, mime_type=loaded.image.mime_type,
                           width=loaded.image.width, height=loaded.image.height)
    origin = image_store.ImageOrigin(prompt=f"Attached file {Path(loaded.path).name}", provider=ATTACHED,
                                     model="-")
    [saved] = image_store.save_batch(ctx, [image], origin)
    return image_store.saved_image(ctx, saved)
