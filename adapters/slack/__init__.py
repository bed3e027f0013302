"""Slack: Events API, interactivity and slash commands through slack-bolt (async)."""
