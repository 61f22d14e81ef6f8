"""The composition root: everything a running bot or a CLI command needs, built once.

``serve`` and every ``uppdragsbot`` command build one ``Container`` from the settings and a
clock; nothing else creates engines, adapters, deliverers or clocks. Tests build it with a
``FixedClock``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from botbuilder.core import PrivateConversationState
from botbuilder.integration.aiohttp import CloudAdapter

from bot.adapter import TokenChecks, create_adapter, create_authentication
from bot.delivery import Deliverer, PooledBotFrameworkAuthentication
from bot.handler import UppdragsBot
from bot.notify import drain
from bot.replies import ReplySender
from bot.router import Router
from bot.settings import Settings
from dialogs.answers import Answers, ExportOptions
from dialogs.closing import Closing
from dialogs.state import SqlStorage
from domain.clock import Clock, SystemClock
from storage.bootstrap import prepare_database
from storage.gateway import Database


@dataclass
class Container:
    settings: Settings
    clock: Clock
    _notices: set = field(default_factory=set, init=False, repr=False)  # deliveries started after turns

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None) -> "Container":
        """The one place the machine's clock is chosen, unless a caller hands in another."""
        return cls(settings, clock or SystemClock())

    @cached_property
    def db(self) -> Database:
        return Database.connect(self.settings.database_url, self.clock, timeout=self.settings.database_timeout)

    def prepare_database(self, *, demo: bool | None = None) -> None:
        """Migrate, sync the committee list and (``LOAD_DEMO_DATA``) load the demo report."""
        prepare_database(self.db, committees_file=self.settings.committees_file,
                         demo_data=self.settings.load_demo_data if demo is None else demo)

    @cached_property
    def authentication(self) -> PooledBotFrameworkAuthentication:
        return create_authentication(self.settings)

    @cached_property
    def token_checks(self) -> TokenChecks:
        return TokenChecks(self.authentication)

    @cached_property
    def replies(self) -> ReplySender:
        return ReplySender()

    @cached_property
    def adapter(self) -> CloudAdapter:
        return create_adapter(self.settings, self.authentication, self.replies)

    @cached_property
    def deliverer(self) -> Deliverer:
        return Deliverer(self.adapter, self.settings.app_id, rate_per_second=self.settings.notify_rate,
                         clock=self.clock)

    @cached_property
    def answers(self) -> Answers:
        settings = self.settings
        return Answers(self.db, self.clock, ExportOptions(settings.municipality, settings.public_url,
                                                          settings.export_link_minutes))

    @cached_property
    def bot(self) -> UppdragsBot:
        # Per person and conversation: two people in a group chat each have their own dialog.
        dialog_state = PrivateConversationState(SqlStorage(self.db))
        closing = Closing(self.db, self.clock, open_reporting=self.settings.open_reporting,
                          committees=self.answers.committees)
        router = Router(self.answers, self.db, dialog_state=dialog_state, open_reporting=self.settings.open_reporting,
                        closing=closing, send_notices=self.send_notices_soon)
        return UppdragsBot(self.answers, router, self.db, dialog_state=dialog_state,
                           lease=timedelta(seconds=self.settings.turn_lease_seconds))

    def send_notices_soon(self) -> None:
        """Deliver what a turn queued in the outbox (a report ready, one sent back) right after
        the turn, in the background; what fails is retried by the scheduler."""
        task = asyncio.get_running_loop().create_task(
            drain(self.db, self.deliverer, lease=self.settings.notify_lease))
        self._notices.add(task)
        task.add_done_callback(self._notices.discard)

    async def close_connections(self) -> None:
        """Close the reply session (bound to the running event loop; reopened when needed)."""
        if "replies" in self.__dict__:
            await self.replies.close()

    async def aclose(self) -> None:
        """Close what the running bot opened: pending delivery marks, the reply session, pooled
        clients, the engine."""
        if self._notices:  # let deliveries under way finish; the scheduler retries the rest
            await asyncio.wait(self._notices, timeout=5)
        if "bot" in self.__dict__:
            await self.bot.close()
        await self.close_connections()
        if "token_checks" in self.__dict__:
            self.token_checks.close()
        if "authentication" in self.__dict__:
            self.authentication.close()
        self.close()

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.dispose()
