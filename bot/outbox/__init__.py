"""Sending stored deliveries through the platforms' messengers."""
