"""Services: the use cases of the bot, on top of the storage ports."""
