"""The platform-neutral conversation: events in, neutral messages out."""
