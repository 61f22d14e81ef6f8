"""What ``uppdragsbot check`` and ``serve`` look at before traffic arrives, and ``/readyz``.

Every problem is reported at once, each with the setting it is about: errors stop ``check``
(exit 1) and ``serve`` (before it binds), warnings are printed and let it go on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.credentials import CredentialsFactory, NoToken
from bot.settings import Settings
from domain.committees import CommitteeFileError, load_committees
from manifest.build import GUID, ManifestError, check_domain
from storage import reporters
from storage.db import schema_revisions
from storage.gateway import Database


@dataclass(frozen=True)
class Problem:
    error: bool  # False: a warning
    setting: str
    message: str

    def __str__(self) -> str:
        return f"{'error' if self.error else 'warning'}: {self.setting}: {self.message}"


def configuration(settings: Settings) -> list[Problem]:
    """The settings on their own (no database, no network)."""
    problems: list[Problem] = []

    def error(setting: str, message: str) -> None:
        problems.append(Problem(True, setting, message))

    def warning(setting: str, message: str) -> None:
        problems.append(Problem(False, setting, message))

    try:
        make_url(settings.database_url)
    except ArgumentError:
        error("DATABASE_URL", f"{settings.database_url!r} is not a database URL "
                              "(sqlite:///uppdragsbot.db, postgresql+psycopg://user:password@host/database)")
    if settings.openid_metadata_url and not _is_https_url(settings.openid_metadata_url):
        error("ToBotFromChannelOpenIdMetadataUrl", f"{settings.openid_metadata_url!r} is not an https:// URL")
    if settings.login_url and not _is_https_url(settings.login_url, path=True):
        error("ToChannelFromBotLoginUrl", f"{settings.login_url!r} is not an https:// URL with the tenant in its path "
                                          "(https://login.microsoftonline.com/<tenant id>)")
    if settings.bot_domain:
        try:
            check_domain(settings.bot_domain)
        except ManifestError as exc:
            error("BOT_DOMAIN", str(exc).removeprefix("BOT_DOMAIN "))
    try:
        load_committees(settings.committees_file)
    except CommitteeFileError as exc:
        error("COMMITTEES_FILE", str(exc))
    for tenant in _not_guids(settings.allowed_tenant_ids):
        error("ALLOWED_TENANT_IDS", f"{tenant!r} is not a tenant id (a GUID)")
    if settings.local_mode:
        return problems
    if not GUID.fullmatch(settings.app_id):
        error("MicrosoftAppId", f"{settings.app_id!r} is not an app id (a GUID from the Azure Bot registration)")
    if settings.app_type != "UserAssignedMSI" and not settings.app_password:
        error("MicrosoftAppPassword", f"MicrosoftAppType={settings.app_type} needs the app's client secret")
    if settings.app_type == "UserAssignedMSI" and settings.app_password:
        warning("MicrosoftAppPassword", "a managed identity (UserAssignedMSI) uses no secret; it is ignored")
    if settings.app_type != "MultiTenant" and settings.app_tenant_id and not GUID.fullmatch(settings.app_tenant_id):
        error("MicrosoftAppTenantId", f"{settings.app_tenant_id!r} is not a tenant id (a GUID)")
    if settings.app_type == "MultiTenant":
        warning("MicrosoftAppType", "new Azure Bot registrations are SingleTenant (or UserAssignedMSI); "
                                    "MultiTenant is kept for existing ones")
    if not settings.allowed_tenant_ids:
        warning("ALLOWED_TENANT_IDS", "empty: people in any Entra tenant may use the bot; set the municipality's")
    return problems


def database(settings: Settings, db: Database, *, schema: bool = True) -> list[Problem]:
    """The database: reachable, its schema current (``schema``; ``serve`` migrates it itself),
    and someone allowed to report in authenticated mode."""
    try:
        current, head = schema_revisions(db.engine)  # the engine's timeouts bound the wait
    except Exception as exc:  # noqa: BLE001 - whatever the driver says, the database is not usable
        return [Problem(True, "DATABASE_URL", f"the database does not answer: {_first_line(exc)}")]
    if current != head:
        if schema:
            return [Problem(True, "DATABASE_URL", f"the database schema is at {current or 'nothing'}, this version "
                                                  f"needs {head}: run `uppdragsbot migrate` (serve does it on start)")]
        return []
    if settings.local_mode:
        return []
    with db.session() as session:
        if not any(r.role == reporters.REPORTER for r in reporters.list_reporters(session=session)):
            return [Problem(False, "reporters", "nobody may update statuses yet: "
                                                "`uppdragsbot reporters add <UPN or object id> <committee or *>`")]
    return []


def bot_token(settings: Settings) -> list[Problem]:
    """Authenticated mode: whether the bot gets its own token (from Entra ID, or the managed
    identity), which every reply needs - a wrong secret or tenant shows here, not at the
    first message."""
    if settings.local_mode:
        return []
    credentials = CredentialsFactory(settings).credentials()
    try:
        credentials.get_access_token()
    except NoToken as exc:
        text = exc.reason
        if settings.app_type == "UserAssignedMSI":
            setting = "MicrosoftAppId"
        elif "invalid_client" in text or "AADSTS7000215" in text:
            setting = "MicrosoftAppPassword"
        elif "unauthorized_client" in text or "AADSTS700016" in text:
            setting = "MicrosoftAppId"
        elif "tenant" in text.lower() or "OIDC Discovery failed" in text:
            setting = "MicrosoftAppTenantId"
        else:
            setting = "ToChannelFromBotLoginUrl" if settings.login_url else "network"
        return [Problem(True, setting, f"the bot gets no token from {exc.source}: {text}")]
    return []


def _is_https_url(text: str, *, path: bool = False) -> bool:
    parts = urlsplit(text)
    return parts.scheme == "https" and bool(parts.hostname) and (not path or parts.path.strip("/") != "")


def _not_guids(values: Iterable[str]) -> list[str]:
    return sorted(v for v in values if not GUID.fullmatch(v))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
