"""The image preview widget: decoded off the UI thread, one image even when shown twice, text when off."""

from __future__ import annotations

from typing import Any

from quilltap_tui.imagegen.spec import GeneratedImage
from quilltap_tui.services import image_store
from quilltap_tui.ui.widgets.preview import ImagePreview
from tests.fakes.image_servers import make_image
from tests.ui.conftest import SIZE, quiet, settle, until


def _save(ctx: Any) -> Any:
    data = make_image(320, 200, seed="p")
    image = GeneratedImage(data=data, mime_type="image/png", width=320, height=200)
    origin = image_store.ImageOrigin(prompt="a preview test", provider="openai", model="gpt-image-1")
    return image_store.save_batch(ctx, [image], origin)[0]


def _preview_text(app: Any) -> str:
    """What the screen's preview says in words ("" while the gallery has none yet)."""
    texts = app.screen.query(ImagePreview).first().query(".preview-text") if app.screen.query(ImagePreview) else []
    return str(texts.first().render()) if texts else ""


async def test_halfcell_preview_mounts_one_image(make_app: Any, ctx: Any) -> None:
    _save(ctx)
    app = make_app(image_protocol="halfcell")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        # The gallery shows the highlighted row's picture once its page has loaded; wait for all of that
        # to be done (a page loaded twice redraws the preview), not for a fixed number of turns.
        await until(pilot, lambda: quiet(app) and app.screen.query(".preview-image"), "the gallery's preview drawn")
        preview = app.screen.query_one(ImagePreview)
        preview.show(preview.path, "again")  # a second show of the same file must not stack images
        await until(pilot, lambda: quiet(app) and preview.query(".preview-image"), "the preview drawn again")
        images = list(preview.query(".preview-image"))
        assert len(images) == 1
        assert images[0].image.size[0] <= 48 * 10  # a thumbnail, not the original


async def test_preview_off_shows_path_and_size(make_app: Any, ctx: Any) -> None:
    record = _save(ctx)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: quiet(app) and "320x200" in _preview_text(app),
                    "the gallery's preview text for the image")
        preview = app.screen.query_one(ImagePreview)
        text = str(preview.query_one(".preview-text").render())
        assert str(image_store.absolute_path(ctx, record)) in text and "320x200" in text
        assert not preview.query(".preview-image")


async def test_viewer_shows_the_image(make_app: Any, ctx: Any) -> None:
    """Bug: enter on a gallery row opened the viewer at 'Loading preview…' for ever."""
    from quilltap_tui.ui.screens.viewer import ViewerScreen

    _save(ctx)
    app = make_app(image_protocol="halfcell")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ViewerScreen)
        preview = app.screen.query_one("#viewer-image", ImagePreview)
        assert len(preview.query(".preview-image")) == 1
        assert "Loading preview" not in str(preview.query_one(".preview-text").render())
