"""Platform adapters: the only place that knows a chat platform."""
