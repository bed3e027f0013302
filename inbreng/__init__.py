"""The composition root: the command line and the server read the settings and build the
database, the adapters and the scheduler around the core in `bot/`."""
