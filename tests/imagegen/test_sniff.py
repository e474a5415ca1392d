"""Image sniffing: type from magic bytes, size from headers, junk and truncated files refused."""

from __future__ import annotations

import io
import os
import struct
import zlib

import pytest
from PIL import Image

from quilltap_tui import caps
from quilltap_tui.errors import MalformedResponse
from quilltap_tui.imagegen.sniff import inspect_image, sniff_mime

FORMATS = [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("GIF", "image/gif")]


def make(fmt: str, size: tuple[int, int] = (7, 5), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "red").save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(("fmt", "mime"), FORMATS)
def test_real_tiny_images(fmt: str, mime: str) -> None:
    assert inspect_image(make(fmt)) == (mime, 7, 5)
    assert inspect_image(make(fmt, (3, 40))) == (mime, 3, 40)


def test_transparent_png_and_webp() -> None:
    assert inspect_image(make("PNG", (16, 9), "RGBA")) == ("image/png", 16, 9)
    assert inspect_image(make("WEBP", (16, 9), "RGBA")) == ("image/webp", 16, 9)


def test_animated_gif() -> None:
    buffer = io.BytesIO()
    frames = [Image.new("P", (12, 8), color) for color in (1, 2, 3)]
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    assert inspect_image(buffer.getvalue()) == ("image/gif", 12, 8)


@pytest.mark.parametrize(("fmt", "mime"), FORMATS)
@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_images_are_refused(fmt: str, mime: str, keep: float) -> None:
    data = make(fmt, (64, 48))
    with pytest.raises(MalformedResponse) as info:
        inspect_image(data[: int(len(data) * keep)])
    assert "is not an image" in info.value.message and "truncated" in info.value.message
    assert info.value.exit_code == 5 and info.value.retryable is False


@pytest.mark.parametrize(("fmt", "mime"), FORMATS)
def test_missing_last_byte_is_truncation(fmt: str, mime: str) -> None:
    with pytest.raises(MalformedResponse):
        inspect_image(make(fmt)[:-1])


def test_webp_riff_size_larger_than_the_data() -> None:
    data = bytearray(make("WEBP"))
    data[4:8] = struct.pack("<I", len(data) + 100)
    with pytest.raises(MalformedResponse) as info:
        inspect_image(bytes(data))
    assert "RIFF" in info.value.message


def test_jpeg_with_a_little_padding_after_the_end_marker_is_fine() -> None:
    assert inspect_image(make("JPEG") + b"\x00" * 32) == ("image/jpeg", 7, 5)


@pytest.mark.parametrize(
    "junk",
    [
        b"",
        b"hello",
        b'{"error": {"message": "rate limited"}}',
        b"<html><body>502 Bad Gateway</body></html>",
        b"BM" + b"\x00" * 60,  # BMP: an image, but not one we accept
        b"RIFF\x10\x00\x00\x00WAVEfmt ",  # RIFF, but audio
        bytes(range(256)),
    ],
)
def test_junk_is_not_an_image(junk: bytes) -> None:
    assert sniff_mime(junk) is None
    with pytest.raises(MalformedResponse) as info:
        inspect_image(junk)
    assert "is not an image" in info.value.message


def test_right_magic_with_a_broken_header_is_refused() -> None:
    fake_png = b"\x89PNG\r\n\x1a\n" + b"garbage!" * 8 + b"\x00\x00\x00\x00IEND\xaeB`\x82"
    assert sniff_mime(fake_png) == "image/png"
    with pytest.raises(MalformedResponse) as info:
        inspect_image(fake_png)
    assert "header" in info.value.message


def _png_claiming(width: int, height: int, payload: bytes) -> bytes:
    """A well-formed PNG header (with a correct CRC) claiming ``width`` x ``height`` over ``payload``."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", payload) + chunk(b"IEND", b"")


def test_a_header_claiming_8000x8000_over_1_kb_of_data_is_refused() -> None:
    data = _png_claiming(8000, 8000, zlib.compress(b"\0" * 4000))
    assert len(data) < 1200
    with pytest.raises(MalformedResponse, match=r"budget of 36,000,000 .*max_image_pixels"):
        inspect_image(data)


def test_under_the_budget_a_header_over_too_little_data_is_refused_too() -> None:
    data = _png_claiming(2000, 2000, zlib.compress(b"\0" * 4000))
    with pytest.raises(MalformedResponse, match="pixel data is unreadable or incomplete"):
        inspect_image(data)


def test_the_budget_follows_its_setting_and_a_whole_image_decodes() -> None:
    noise = Image.frombytes("RGB", (1200, 1200), os.urandom(1200 * 1200 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG", compress_level=1)
    assert inspect_image(buffer.getvalue()) == ("image/png", 1200, 1200)
    caps.configure(caps.Caps(max_image_pixels=1_000_000))
    try:
        with pytest.raises(MalformedResponse, match="1,440,000 pixels, more than the budget of 1,000,000"):
            inspect_image(buffer.getvalue())
    finally:
        caps.configure(caps.Caps())
