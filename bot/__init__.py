"""Inbreng: the platform-neutral core (conversation, services, configuration, CLI)."""
