"""The application context: resolved paths, settings, and lazily opened database and vault.

The command line and the TUI each build one :class:`AppContext` and pass it to every service call.
Opening the database and probing the keyring are deferred until first use so start-up stays fast
(the TUI draws its first screen before either has happened).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING

from quilltap_tui import caps, config, paths

if TYPE_CHECKING:
    from quilltap_tui.db.engine import Database
    from quilltap_tui.secrets import PassphraseProvider, Vault


class AppContext:
    """Everything a service needs. Thread-safe lazy opening: services run in worker threads."""

    def __init__(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        passphrase_provider: PassphraseProvider | None = None,
    ) -> None:
        self.environ: Mapping[str, str] = dict(os.environ if environ is None else environ)
        self.paths = paths.resolve(dict(self.environ)).ensure()
        self.settings = config.load(self.paths, dict(self.environ))
        # The caps are process-wide: every HTTP client's transport reads them at each request.
        caps.configure(caps.caps_from(self.settings))
        self.passphrase_provider = passphrase_provider
        # Rows this context's runs open are younger than this: a start-up sweep never settles them.
        self.started_at = time.time()
        self._lock = threading.Lock()

    @cached_property
    def db(self) -> Database:
        from quilltap_tui.db.engine import open_database

        with self._lock:
            return open_database(self.paths, self.settings)

    @cached_property
    def vault(self) -> Vault:
        from quilltap_tui.secrets import Vault

        with self._lock:
            return Vault(
                self.paths,
                self.settings,
                passphrase_provider=self.passphrase_provider,
                environ=self.environ,
            )

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.dispose()
