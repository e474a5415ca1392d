"""Large base64 strings are lifted out of provider JSON, and the result means exactly what json.loads means."""

from __future__ import annotations

import base64
import binascii
import json
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quilltap_tui.errors import MalformedResponse
from quilltap_tui.imagegen.providers import blobs
from quilltap_tui.imagegen.providers.common import decode_b64, scrub

BIG = base64.b64encode(os.urandom(200_000)).decode()


def plain(value: object) -> object:
    """The document with every Blob decoded back to its text, for comparison with json.loads."""
    if isinstance(value, blobs.Blob):
        return bytes(value.view).decode()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def test_big_strings_become_blobs_that_decode_to_the_same_bytes() -> None:
    doc = {"created": 1, "data": [{"b64_json": BIG, "revised_prompt": 'say "hi" \\ there'}] * 3}
    parsed = blobs.loads(json.dumps(doc).encode())
    assert plain(parsed) == doc
    item = parsed["data"][0]
    assert isinstance(item["b64_json"], blobs.Blob)
    assert item["revised_prompt"] == 'say "hi" \\ there'
    assert decode_b64(item["b64_json"], "P") == base64.b64decode(BIG)
    assert scrub(parsed)["data"][0]["b64_json"] == f"<{len(BIG)} base64 chars>"


def test_data_uri_prefix_and_wrapped_lines_are_tolerated() -> None:
    raw = base64.b64decode(BIG)
    wrapped = "\\n".join(BIG[i:i + 76] for i in range(0, len(BIG), 76))
    for text in (f"data:image/jpeg;base64,{BIG}", wrapped):
        parsed = blobs.loads(('{"b64_json": "' + text + '"}').encode())
        assert decode_b64(parsed["b64_json"], "P") == raw


def test_invalid_base64_is_malformed_not_a_crash() -> None:
    parsed = blobs.loads(json.dumps({"b64_json": "!" * 100_000}).encode())
    with pytest.raises(MalformedResponse):
        decode_b64(parsed["b64_json"], "P")
    with pytest.raises(binascii.Error):
        parsed["b64_json"].decode()


@pytest.mark.parametrize("text", [b'{"a": "' + b"A" * 70_000, b'{"a": 1', b"", b"not json"])
def test_invalid_json_raises_value_error(text: bytes) -> None:
    with pytest.raises(ValueError):
        blobs.loads(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@given(json_values)
def test_same_meaning_as_json_loads(value: object) -> None:
    encoded = json.dumps({"payload": BIG, "rest": value}).encode()
    assert plain(blobs.loads(encoded)) == json.loads(encoded)
