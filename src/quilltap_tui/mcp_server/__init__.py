"""``quilltap-tui mcp``: the image profiles served to any Model Context Protocol client.

Only :mod:`quilltap_tui.mcp_server.server` and :mod:`~quilltap_tui.mcp_server.transports` import the
``mcp`` SDK, and only this command imports them: every other command starts without paying for it.
The rest (the profile catalogue, previews, result texts, client configuration) is plain Python.
"""
