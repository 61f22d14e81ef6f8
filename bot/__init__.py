"""Transport and wiring: the aiohttp app, the adapter, the router, the composition root, the
scheduler, notification delivery and the command line."""
