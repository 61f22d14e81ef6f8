"""What one running bot holds: the database engine, the adapter and the bot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from botbuilder.core import ActivityHandler
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from sqlalchemy.engine import Engine

TIME_ZONE = ZoneInfo("Europe/Stockholm")


def today_in_sweden() -> date:
    return datetime.now(TIME_ZONE).date()


@dataclass
class Services:
    engine: Engine
    authentication: ConfigurationBotFrameworkAuthentication
    adapter: CloudAdapter
    bot: ActivityHandler

