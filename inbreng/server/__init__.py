"""`inbreng serve`: one aiohttp server for the platforms, the health check and the outbox."""
