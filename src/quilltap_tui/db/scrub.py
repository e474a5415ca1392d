"""Nothing the app writes to the database holds a key: every written text value is redacted on its way in.

Providers echo keys in error bodies and that text reaches messages, tool results and audit rows by
many roads. Rather than trust every road, the engine redacts each string parameter of every INSERT
and UPDATE just before it goes to the driver (JSON columns are already serialized text by then), with
the process's one redactor (:mod:`quilltap_tui.redaction`). With no key registered this costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, event

from quilltap_tui.redaction import known_count, redact

_WRITES = ("insert", "update", "replace")


def install(engine: Engine) -> None:
    """Redact the parameters of every write statement this engine executes."""
    event.listen(engine, "before_cursor_execute", _scrub, retval=True)


def _scrub(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool
) -> tuple[str, Any]:
    if not known_count() or not statement.lstrip()[:7].lower().startswith(_WRITES):
        return statement, parameters
    if executemany and isinstance(parameters, Sequence) and not isinstance(parameters, str | bytes):
        return statement, [_params(p) for p in parameters]
    return statement, _params(parameters)


def _params(parameters: Any) -> Any:
    if isinstance(parameters, Mapping):
        return {name: _value(value) for name, value in parameters.items()}
    if isinstance(parameters, tuple | list):
        return type(parameters)(_value(value) for value in parameters)
    return parameters


def _value(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value
