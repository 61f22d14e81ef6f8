"""Configuration from the environment and an optional ``.env`` file.

Variables already set in the environment win over ``.env``. The Bot Framework names
(MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppType, MicrosoftAppTenantId) are kept so
that configuration from Azure Bot Service and the samples carries over unchanged.
"""

from __future__ import annotations

import os
from datetime import timedelta
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace

from dotenv import dotenv_values

from storage.db import DEFAULT_DATABASE_URL


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    app_id: str = ""
    app_password: str = ""
    app_type: str = "MultiTenant"
    app_tenant_id: str = ""
    database_url: str = DEFAULT_DATABASE_URL
    host: str = ""
    port: int = 3978
    allowed_tenant_ids: frozenset[str] = field(default_factory=frozenset)
    committees_file: str | None = None
    load_demo_data: bool = True
    max_request_bytes: int = 256 * 1024
    # Where inbound tokens' signing keys are published. Only tests and sovereign clouds
    # change it; the default is the public Bot Framework metadata.
    openid_metadata_url: str | None = None
    # Where the bot exchanges its client secret for its own token (the authority). Empty: Entra
    # ID's, https://login.microsoftonline.com/ and the tenant (botframework.com for
    # MultiTenant). Only sovereign or private clouds, and tests, set it (bot/credentials.py).
    login_url: str | None = None
    # Who may update statuses: reporters and admins (``uppdragsbot reporters add``). In local
    # mode everyone may, so that the bot can be tried out, unless REQUIRE_REPORTERS=true.
    require_reporters: bool = False
    # Notifications: the global send rate (Teams allows about 50 requests/s per app and
    # tenant), days before the deadline for the reminder, and when the daily run happens.
    notify_rate: float = 30.0
    reminder_days: int = 5
    notify_at: str = "08:00"
    scheduler: bool = True
    # How long a notification claimed for sending is taken to be in flight: a sender renews its
    # claims while working; those of one that died are sent again after this.
    notify_lease_seconds: float = 60.0
    # How long a claimed turn is taken to be running: a resend after that (the instance that
    # took it died) is handled again. Teams resends after 15 s without an answer.
    turn_lease_seconds: float = 12.0
    # The Teams app package (``uppdragsbot manifest``): the host the bot is served from, the
    # Teams app's id (derived from the bot's when empty) and a suffix for the app's name.
    # Worker processes behind the port (gunicorn); 1 = one process, no gunicorn.
    workers: int = 1
    # Log lines as text, or as one JSON object each (LOG_FORMAT=json) for a log collector.
    log_format: str = "text"
    bot_domain: str = ""
    teams_app_id: str = ""
    app_name_suffix: str = ""
    # Seconds any one wait on the database may take before the turn gives up politely.
    database_timeout: float = 5.0
    # How long handled activity ids are kept to recognise Teams' resends (pruned nightly).
    activity_retention_days: int = 7
    # How long the names (and Entra ids) of those who reported are kept with their reports;
    # None: as long as the reports. Forgotten nightly.
    author_retention_days: int | None = None
    # The municipality's name, on exported reports.
    municipality: str = "Östersunds kommun"
    # Minutes a download link of an exported report may be used in (once).
    export_link_minutes: int = 15

    @property
    def notify_lease(self) -> timedelta:
        return timedelta(seconds=self.notify_lease_seconds)

    @property
    def local_mode(self) -> bool:
        """No app id: the bot accepts unauthenticated requests (Bot Framework Emulator style)."""
        return not self.app_id

    @property
    def open_reporting(self) -> bool:
        return self.local_mode and not self.require_reporters

    @property
    def public_url(self) -> str:
        """Where a browser reaches the bot (download links): BOT_DOMAIN over HTTPS, else this machine."""
        return f"https://{self.bot_domain}" if self.bot_domain else f"http://localhost:{self.port}"

    @property
    def bind_host(self) -> str:
        """Local mode is unauthenticated, so it never listens beyond loopback."""
        if self.local_mode:
            return "127.0.0.1"
        return self.host or "0.0.0.0"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, env_file: str | None = ".env") -> "Settings":
        values: dict[str, str] = {}
        if env_file and os.path.exists(env_file):
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> "Settings":
        def get(name: str, default: str = "") -> str:
            return (values.get(name) or default).strip()

        def number(name: str, default: float, kind: type = int):
            written = get(name, str(default))
            try:
                return kind(written)
            except ValueError:
                what = "a whole number" if kind is int else "a number"
                raise SettingsError(f"{name} must be {what}, not {written!r}") from None

        port = number("PORT", 3978)
        max_bytes = number("MAX_REQUEST_BYTES", 256 * 1024)
        reminder_days = number("REMINDER_DAYS", 5)
        notify_rate = number("NOTIFY_RATE", 30.0, float)
        retention_days = number("ACTIVITY_RETENTION_DAYS", 7)
        database_timeout = number("DATABASE_TIMEOUT", 5.0, float)
        turn_lease = number("TURN_LEASE_SECONDS", 12.0, float)
        notify_lease = number("NOTIFY_LEASE_SECONDS", 60.0, float)
        if not 1 <= notify_lease <= 3600:
            raise SettingsError(f"NOTIFY_LEASE_SECONDS must be between 1 and 3600 seconds, not {notify_lease}")
        if not 0 < turn_lease <= 300:
            raise SettingsError(f"TURN_LEASE_SECONDS must be between 0 and 300 seconds, not {turn_lease}")
        if not 0 < database_timeout <= 60:
            raise SettingsError(f"DATABASE_TIMEOUT must be between 0 and 60 seconds, not {database_timeout}")
        author_retention = number("AUTHOR_RETENTION_DAYS", 0) if get("AUTHOR_RETENTION_DAYS") else None
        if author_retention is not None and author_retention < 1:
            raise SettingsError(f"AUTHOR_RETENTION_DAYS must be at least 1 (or empty: kept), not {author_retention}")
        if retention_days < 1:
            raise SettingsError(f"ACTIVITY_RETENTION_DAYS must be at least 1, not {retention_days}")
        notify_at = get("NOTIFY_AT", "08:00")
        if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", notify_at):
            raise SettingsError(f"NOTIFY_AT must be a time like 08:00, not {notify_at!r}")
        app_type = get("MicrosoftAppType", "MultiTenant")
        if app_type not in ("MultiTenant", "SingleTenant", "UserAssignedMSI"):
            raise SettingsError(
                f"MicrosoftAppType must be MultiTenant, SingleTenant or UserAssignedMSI, not {app_type!r}"
            )
        if app_type != "MultiTenant" and not get("MicrosoftAppTenantId"):
            raise SettingsError(f"MicrosoftAppType={app_type} needs MicrosoftAppTenantId")
        workers = number("WORKERS", 1)
        if not 1 <= workers <= 32:
            raise SettingsError(f"WORKERS must be between 1 and 32, not {workers}")
        log_format = get("LOG_FORMAT", "text").lower()
        if log_format not in ("text", "json"):
            raise SettingsError(f"LOG_FORMAT must be text or json, not {log_format!r}")
        export_minutes = number("EXPORT_LINK_MINUTES", 15)
        if not 1 <= export_minutes <= 24 * 60:
            raise SettingsError(f"EXPORT_LINK_MINUTES must be between 1 and 1440, not {export_minutes}")
        tenants = frozenset(t.strip() for t in get("ALLOWED_TENANT_IDS").split(",") if t.strip())
        return cls(
            app_id=get("MicrosoftAppId"),
            app_password=get("MicrosoftAppPassword"),
            app_type=app_type,
            app_tenant_id=get("MicrosoftAppTenantId"),
            database_url=get("DATABASE_URL", DEFAULT_DATABASE_URL),
            host=get("HOST"),
            port=port,
            allowed_tenant_ids=tenants,
            committees_file=get("COMMITTEES_FILE") or None,
            load_demo_data=get("LOAD_DEMO_DATA", "true").lower() not in ("0", "false", "no", "nej"),
            max_request_bytes=max_bytes,
            openid_metadata_url=get("ToBotFromChannelOpenIdMetadataUrl") or None,
            login_url=get("ToChannelFromBotLoginUrl") or None,
            require_reporters=get("REQUIRE_REPORTERS", "false").lower() in ("1", "true", "yes", "ja"),
            notify_rate=notify_rate,
            reminder_days=reminder_days,
            notify_at=notify_at,
            scheduler=get("SCHEDULER", "true").lower() not in ("0", "false", "no", "nej"),
            activity_retention_days=retention_days,
            author_retention_days=author_retention,
            database_timeout=database_timeout,
            turn_lease_seconds=turn_lease,
            notify_lease_seconds=notify_lease,
            workers=workers,
            log_format=log_format,
            bot_domain=get("BOT_DOMAIN"),
            teams_app_id=get("TEAMS_APP_ID"),
            app_name_suffix=values.get("APP_NAME_SUFFIX") or "",  # kept as written: " (test)"
            municipality=get("MUNICIPALITY_NAME", "Östersunds kommun"),
            export_link_minutes=export_minutes,
        )

    def bot_framework_config(self) -> SimpleNamespace:
        """The attribute names botbuilder's configuration classes read."""
        config = SimpleNamespace(
            APP_ID=self.app_id,
            APP_PASSWORD=self.app_password,
            APP_TYPE=self.app_type,
            APP_TENANTID=self.app_tenant_id,
        )
        if self.openid_metadata_url:
            # Overriding one endpoint switches botbuilder to its parameterised
            # authentication, which then needs every public-cloud value spelled out.
            from botframework.connector.auth import (
                AuthenticationConstants,
                CallerIdConstants,
            )

            config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = self.openid_metadata_url
            config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
            config.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = (
                AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
            )
            config.TO_CHANNEL_FROM_BOT_LOGIN_URL = AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL
            config.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
            config.OAUTH_URL = AuthenticationConstants.OAUTH_URL
            config.CALLER_ID = CallerIdConstants.public_azure_channel
        return config
