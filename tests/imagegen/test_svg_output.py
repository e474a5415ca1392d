"""SVG and GIF answers (gpt-image-2.6 output_format=svg|gif) are recognised from their bytes and saved."""

from __future__ import annotations

from pathlib import Path

import pytest

from quilltap_tui.errors import Invalid, MalformedResponse
from quilltap_tui.imagegen.sniff import inspect_image, sniff_mime
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages, make_image, make_svg
from tests.support import Cli

SVG = make_svg(1024, 768)


def test_svg_is_recognised_with_its_size_from_the_root_tag() -> None:
    assert sniff_mime(SVG) == "image/svg+xml"
    assert inspect_image(SVG) == ("image/svg+xml", 1024, 768)
    bare = b'\xef\xbb\xbf  <svg viewBox="0 0 640 480" xmlns="http://www.w3.org/2000/svg"><g/></svg>'
    assert inspect_image(bare) == ("image/svg+xml", 640, 480)
    assert inspect_image(make_image(32, 16, "GIF")) == ("image/gif", 32, 16)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (SVG[:-20], "no closing </svg>"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "no usable width and height"),
        (b'<svg width="100000" height="100000"></svg>', "more than the budget"),
    ],
)
def test_unusable_svg_is_refused_in_one_sentence(data: bytes, reason: str) -> None:
    with pytest.raises(MalformedResponse, match=reason):
        inspect_image(data)


def test_html_is_not_mistaken_for_svg() -> None:
    assert sniff_mime(b"<html><body><svg width='1' height='1'></svg></body></html>") is None


@pytest.mark.parametrize(("fmt", "mime", "ext"), [("svg", "image/svg+xml", ".svg"), ("gif", "image/gif", ".gif")])
def test_gpt_image_2_6_svg_and_gif_are_saved_as_delivered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, mime: str, ext: str
) -> None:
    cli = Cli(tmp_path / "home", monkeypatch)
    with FakeOpenAIImages() as fake:
        assert cli("keys", "add", "--provider", "openai", "--label", "k", stdin=TEST_KEYS["openai"] + "\n").code == 0
        assert cli("image-profiles", "add", "--name", "vec", "--provider", "openai", "--model",
                   "gpt-image-2.6-flare", "--key", "k", "--base-url", fake.base_url, "--param",
                   f"output_format={fmt}", "--default").code == 0
        result = cli("generate", "--json", "--count", "2", "--size", "1024x1024", "a red square")
        sent = [r.json for r in fake.requests_to("/images/generations")]
    assert result.code == 0, result.err
    images = result.json()["images"]
    assert [i["mime_type"] for i in images] == [mime, mime] and all(i["path"].endswith(ext) for i in images)
    if fmt == "svg":  # one image per request: two requests of n=1
        assert [b["n"] for b in sent] == [1, 1] and all(b["output_format"] == "svg" for b in sent)
        assert Path(images[0]["path"]).read_bytes() == make_svg(1024, 1024)
    else:
        assert [b["n"] for b in sent] == [2]


def test_gif_frames_are_sent_only_with_gif_output() -> None:
    from quilltap_tui.imagegen.capabilities import spec_for
    from quilltap_tui.imagegen.mapping import plan
    from quilltap_tui.imagegen.spec import ImageRequest

    spec = spec_for("openai", "gpt-image-2.6-sunburst")
    gif = plan(spec, ImageRequest(prompt="p", model="gpt-image-2.6-sunburst",
                                  extras={"output_format": "gif", "frame_count": 12, "frame_duration_ms": 80}))
    assert dict(gif.calls[0].extras) == {"output_format": "gif", "frame_count": 12, "frame_duration_ms": 80}
    assert gif.warnings == []
    still = plan(spec, ImageRequest(prompt="p", model="gpt-image-2.6-sunburst",
                                    extras={"output_format": "png", "frame_count": 12}))
    assert dict(still.calls[0].extras) == {"output_format": "png"}
    assert still.warnings == ["frame_count only applies to output_format gif; dropped."]
    with pytest.raises(Invalid, match="frame_count must be a whole number from 2 to 16"):
        plan(spec, ImageRequest(prompt="p", model="gpt-image-2.6-sunburst",
                                extras={"output_format": "gif", "frame_count": 40}))
