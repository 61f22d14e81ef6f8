"""``uppdragsbot serve`` with WORKERS > 1: several processes behind one port.

gunicorn runs the workers (aiohttp's ``GunicornWebWorker``), each with its own app, container
and database connections, sharing the port with SO_REUSEPORT so that the kernel spreads the
connections. The database is migrated once, in the master, before the workers start (each
worker's start-up then finds it current). On SIGTERM gunicorn stops accepting, lets the turns
in flight finish (GRACEFUL_SECONDS) and runs each app's shutdown: pending delivered marks are
written and connections closed. The notification scheduler may run in every worker: the
outbox claims each message for one sender, so nothing is sent twice.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from bot.app import create_app
from bot.settings import Settings
from domain.clock import Clock

GRACEFUL_SECONDS = 30  # Teams waits about 15 s for an answer; a turn finishes well within this


class WorkerServer(BaseApplication):
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", [f"{self.settings.bind_host}:{self.settings.port}"])
        self.cfg.set("workers", self.settings.workers)
        self.cfg.set("worker_class", "aiohttp.GunicornWebWorker")
        self.cfg.set("reuse_port", True)
        self.cfg.set("graceful_timeout", GRACEFUL_SECONDS)
        self.cfg.set("timeout", GRACEFUL_SECONDS)  # a worker silent this long is restarted
        self.cfg.set("proc_name", "uppdragsbot")

    def load(self):
        """In each worker: its own app (and so its own database engine and connector sessions)."""
        return create_app(self.settings, clock=self.clock)


def serve_workers(settings: Settings, clock: Clock | None = None) -> None:
    WorkerServer(settings, clock).run()
