"""Chat: provider-neutral messages and stream events (:mod:`.spec`), providers, and the turn loop."""
