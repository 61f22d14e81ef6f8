"""Authenticated mode end to end, offline: MicrosoftAppId set, as in production.

Both directions are checked with keys of the tests' own: Teams' calls to the bot carry tokens
the fake connector signs (the bot checks them against its OpenID keys), and the bot's calls to
the Bot Connector carry the bot's own token, which it gets from a local Entra ID (client secret
for SingleTenant and MultiTenant, App Service managed identity for UserAssignedMSI) and which
the fake connector checks on every call: a missing, expired, foreign or mis-addressed token
gets 401 and reaches nobody.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import subprocess
import sys
import uuid

import pytest

from bot.app import create_app
from bot.cli import main
from bot.settings import Settings
from storage import reporters
from storage.db import make_engine, session_scope
from tests.e2e.conftest import TENANT, TeamsUser
from tests.e2e.fake_entra import FakeEntra, Tls, make_tls
from tests.factories import CLOCK
from tests.seen import cards_of, visible_text

KINDS = ("SingleTenant", "MultiTenant", "UserAssignedMSI")
TRYGGHET = "Genomför trygghetsvandring på de områden/platser i kommunen"


@pytest.fixture(scope="session")
def tls(tmp_path_factory) -> Tls:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def entra(tls, monkeypatch):
    """A local Entra ID over HTTPS, its CA trusted as an administrator would trust a proxy's."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca_file))
    with FakeEntra(tls).serving() as fake:
        yield fake


def registration(kind: str, entra: FakeEntra, monkeypatch) -> dict[str, str]:
    """The bot's settings for an Azure Bot of ``kind``, registered with the local Entra ID (and,
    for a managed identity, the App Service identity endpoint in the environment)."""
    app_id = str(uuid.uuid4())
    env = {"MicrosoftAppId": app_id, "MicrosoftAppType": kind, "ALLOWED_TENANT_IDS": TENANT}
    if kind == "UserAssignedMSI":
        entra.register(app_id, tenant=TENANT)
        monkeypatch.setenv("IDENTITY_ENDPOINT", entra.identity_endpoint)
        monkeypatch.setenv("IDENTITY_HEADER", entra.identity_header)
        return env | {"MicrosoftAppTenantId": TENANT}
    directory = TENANT if kind == "SingleTenant" else "botframework.com"
    secret = secrets.token_urlsafe(24)
    entra.register(app_id, tenant=directory, secret=secret)
    env |= {"MicrosoftAppPassword": secret, "ToChannelFromBotLoginUrl": f"{entra.url}/{directory}"}
    return env | ({"MicrosoftAppTenantId": TENANT} if kind == "SingleTenant" else {})


async def start_bot(aiohttp_server, env: dict[str, str], connector, database_url) -> str:
    settings = Settings.from_mapping(env | {
        "DATABASE_URL": database_url, "SCHEDULER": "false",
        "ToBotFromChannelOpenIdMetadataUrl": connector.openid_url,  # Teams' side: the connector's keys
    })
    server = await aiohttp_server(create_app(settings, clock=CLOCK))
    return str(server.make_url("")).rstrip("/")


def signed_in(user: TeamsUser, app_id: str) -> TeamsUser:
    """The user's messages come with a token from the (fake) Bot Connector, for this bot."""
    user.headers["Authorization"] = "Bearer " + user.connector.keys[0].token(
        app_id, service_url=user.connector.base_url)
    return user


def make_reporter(database_url: str, principal: str, committee: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine, CLOCK) as session:
        reporters.add_reporter(session=session, principal=principal, committee=committee)
    engine.dispose()


def notify(env: dict[str, str], database_url: str) -> subprocess.CompletedProcess:
    """``uppdragsbot notify`` in a process of its own, configured as the server is."""
    command = [sys.executable, "-m", "bot.cli", "--env-file", "", "notify", "--period", "T1 2022"]
    return subprocess.run(command, env={**os.environ, **env, "DATABASE_URL": database_url, "SCHEDULER": "false"},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("kind", KINDS)
async def test_status_update_subscription_and_notification_with_the_bots_own_token(
        kind, entra, connector, database_url, aiohttp_server, monkeypatch):
    env = registration(kind, entra, monkeypatch)
    connector.token_check = entra.verifier(env["MicrosoftAppId"])
    user = signed_in(TeamsUser(await start_bot(aiohttp_server, env, connector, database_url), connector),
                     env["MicrosoftAppId"])

    replies = await user.say("status för TN-uppdrag")
    assert len(cards_of(replies)) == 1 and "Utred nya lösningar på dagvattenhantering" in visible_text(replies)

    make_reporter(database_url, user.aad_object_id, "TN")
    assert "Vilken status har uppdraget?" in visible_text(await user.say("uppdatera trygghetsvandringen"))
    assert "Skriv en kommentar" in visible_text(await user.say("genomfört"))
    assert "Stämmer det här?" in visible_text(await user.say("Vandringen genomfördes i maj."))
    shown = visible_text(await user.say("ja"))
    assert "Sparat!" in shown and "Rapporterad av Anna Andersson" in shown

    assert "Klart!" in visible_text(await user.say("prenumerera på TN"))
    # The server asked Entra ID once; every later call reused the token.
    assert len(entra.issued) == 1

    run = await asyncio.to_thread(notify, env | {k: os.environ[k] for k in ("IDENTITY_ENDPOINT", "IDENTITY_HEADER")
                                                 if k in os.environ}, database_url)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "1 queued, 1 sent" in run.stdout
    [notification] = [a for a in connector.activities
                      if a["_conversation_id"] == user.conversation_id and "Sista dag att rapportera" in visible_text([a])]
    assert TRYGGHET in visible_text([notification])

    assert connector.unauthorized == []
    # Every call carried an accepted token: the replies (sent on the bot's aiohttp session) and
    # the reporter's member lookup (on the SDK's connector client).
    assert connector.authorized == len(connector.activities) + 1 and len(connector.activities) >= 6
    assert len(entra.issued) == 2  # one for the server, one for the notify process
    assert {claims["appid"] for claims in entra.issued} == {env["MicrosoftAppId"]}


@pytest.mark.parametrize("misissue", FakeEntra.MISISSUES)
async def test_a_token_the_connector_refuses_reaches_nobody(misissue, entra, connector, database_url,
                                                            aiohttp_server, monkeypatch, caplog):
    env = registration("SingleTenant", entra, monkeypatch)
    connector.token_check = entra.verifier(env["MicrosoftAppId"])
    entra.misissue = misissue
    user = signed_in(TeamsUser(await start_bot(aiohttp_server, env, connector, database_url), connector),
                     env["MicrosoftAppId"])
    with caplog.at_level(logging.ERROR):
        status, replies = await user.post(user.activity(text="status för TN-uppdrag", textFormat="plain"))
    assert status < 500
    assert replies == [] and connector.activities == []
    assert connector.unauthorized and connector.authorized == 0
    assert "refused the bot's token (401)" in caplog.text and "Traceback" not in caplog.text


async def test_a_bot_without_a_token_is_refused_by_the_connector(entra, connector, bot_url):
    """The local-mode bot sends no token: against a connector that wants one, nothing arrives."""
    connector.token_check = entra.verifier(str(uuid.uuid4()))
    user = TeamsUser(bot_url, connector)
    status, replies = await user.post(user.activity(text="status för TN-uppdrag", textFormat="plain"))
    assert status < 500 and replies == []
    assert connector.unauthorized and set(connector.unauthorized) == {"missing"}


@pytest.mark.parametrize("wrong, setting", [
    ("secret", "MicrosoftAppPassword"),
    ("app", "MicrosoftAppId"),
    ("tenant", "MicrosoftAppTenantId"),
])
async def test_a_wrong_secret_app_or_tenant_sends_nothing_and_check_names_the_setting(
        wrong, setting, entra, connector, database_url, aiohttp_server, monkeypatch, caplog, capsys):
    env = registration("SingleTenant", entra, monkeypatch)
    connector.token_check = entra.verifier(env["MicrosoftAppId"])
    if wrong == "secret":
        env["MicrosoftAppPassword"] = "fel-hemlighet"
    elif wrong == "app":
        entra.apps.pop(env["MicrosoftAppId"])
    else:
        other = str(uuid.uuid4())
        env |= {"MicrosoftAppTenantId": other, "ToChannelFromBotLoginUrl": f"{entra.url}/{other}"}
    user = signed_in(TeamsUser(await start_bot(aiohttp_server, env, connector, database_url), connector),
                     env["MicrosoftAppId"])
    with caplog.at_level(logging.ERROR):
        status, replies = await user.post(user.activity(text="status för TN-uppdrag", textFormat="plain"))
    assert status < 500 and replies == []
    assert connector.activities == [] and connector.unauthorized == []  # nothing was sent without a token
    assert "no token for the bot" in caplog.text and "Traceback" not in caplog.text

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["--env-file", "", "migrate"], clock=CLOCK) == 0
    capsys.readouterr()
    assert main(["--env-file", "", "check"], clock=CLOCK) == 1
    err = capsys.readouterr().err
    assert f"error: {setting}: the bot gets no token" in err and "Traceback" not in err


@pytest.mark.parametrize("kind", KINDS)
async def test_check_passes_when_the_bot_gets_its_token(kind, entra, database_url, monkeypatch, capsys):
    env = registration(kind, entra, monkeypatch)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BOT_DOMAIN", "uppdrag.kommun.se")
    assert main(["--env-file", "", "migrate"], clock=CLOCK) == 0
    assert main(["--env-file", "", "reporters", "add", "anna.andersson@kommun.se", "*"], clock=CLOCK) == 0
    capsys.readouterr()
    assert main(["--env-file", "", "check"], clock=CLOCK) == 0
    out = capsys.readouterr().out
    warnings = 1 if kind == "MultiTenant" else 0  # new registrations are SingleTenant
    assert f"{kind} {env['MicrosoftAppId']}: 0 error(s), {warnings} warning(s)" in out
    assert len(entra.issued) == 1
