"""The application layer: what chat, command line and web ask of the bot, and who may."""
