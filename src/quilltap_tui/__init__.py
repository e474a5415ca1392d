"""quilltap-tui: chat with any tool-capable LLM, which can make images mid-conversation."""

__version__ = "0.1.0"
