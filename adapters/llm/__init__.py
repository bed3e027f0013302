"""The network's own language model, over an OpenAI-compatible HTTP API."""
