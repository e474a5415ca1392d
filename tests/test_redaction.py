"""The one redactor: runs of 12+ characters of a known key and its base64 forms, masked as ``…abcd``."""

from __future__ import annotations

import base64
import io
import logging

from quilltap_tui.redact_sinks import RedactingStream, install_log_redaction
from quilltap_tui.redaction import redact, redact_data, register

KEY = "sk-ant-api03-UNITq1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6"
MASK = "\u2026" + KEY[-4:]
register(KEY)


def test_partial_echoes_are_masked_wherever_they_start() -> None:
    for part in (KEY, KEY[:-4], KEY[5:], KEY[9:21], KEY[3:40]):
        assert redact(f"Incorrect API key provided: {part}.") == f"Incorrect API key provided: {MASK}."


def test_runs_shorter_than_twelve_are_left_alone() -> None:
    assert redact(f"ends with {KEY[-11:]}") == f"ends with {KEY[-11:]}"


def test_base64_forms_are_masked_at_every_alignment() -> None:
    for prefix in ("", ":", "u:", "user:", "someone:"):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = "Basic " + encode((prefix + KEY).encode()).decode()
            out = redact(text)
            assert MASK in out and len(out) < len(text) - 40, (prefix, out)


def test_keys_inside_json_and_unregistered_secrets_given_explicitly() -> None:
    other = "xai-EXPLICITzz11yy22xx33ww44vv55"
    data = {"error": {"message": f"key {other}", KEY: [f"({KEY[2:30]})", 5]}}
    assert redact_data(data, [other]) == {"error": {"message": "key \u2026vv55", MASK: [f"({MASK})", 5]}}


def test_log_records_and_streams_are_redacted() -> None:
    install_log_redaction()
    record = logging.getLogger("anthropic._base_client").makeRecord(
        "anthropic._base_client", logging.DEBUG, __file__, 1, "Request options: %s", ({"x-api-key": KEY},), None)
    assert KEY[:12] not in record.getMessage() and MASK in record.getMessage()
    sink = io.StringIO()
    RedactingStream(sink).write(f"Authorization: Bearer {KEY}\n")
    assert sink.getvalue() == f"Authorization: Bearer {MASK}\n"
