"""Microsoft Teams: the Bot Framework endpoint, Adaptive Cards, and the messenger."""
