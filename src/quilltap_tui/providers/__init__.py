"""Provider units: one module per provider (``openai.py``, ``grok.py``...), one registry for them all.

See :mod:`quilltap_tui.providers.unit` for what a unit declares and
:mod:`quilltap_tui.providers.registry` for how built-ins and plug-ins are found.
"""
