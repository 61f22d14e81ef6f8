"""Configuration: environment over .env, local mode, validation."""

from __future__ import annotations

import pytest

from bot.credentials import authority
from bot.settings import Settings, SettingsError


def test_defaults_are_local_mode_on_loopback():
    settings = Settings.from_mapping({})
    assert settings.local_mode and settings.bind_host == "127.0.0.1"
    assert settings.port == 3978 and settings.database_url.startswith("sqlite:///")


def test_local_mode_never_listens_beyond_loopback():
    assert Settings.from_mapping({"HOST": "0.0.0.0"}).bind_host == "127.0.0.1"
    secured = Settings.from_mapping({"MicrosoftAppId": "id", "MicrosoftAppPassword": "pw"})
    assert not secured.local_mode and secured.bind_host == "0.0.0.0"


def test_environment_wins_over_dotenv(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=4000\nDATABASE_URL=sqlite:///from-dotenv.db\nALLOWED_TENANT_IDS=a, b,,\n")
    settings = Settings.from_env({"PORT": "5000"}, env_file=str(env_file))
    assert settings.port == 5000
    assert settings.database_url == "sqlite:///from-dotenv.db"
    assert settings.allowed_tenant_ids == frozenset({"a", "b"})


@pytest.mark.parametrize(
    "values, message",
    [
        ({"PORT": "abc"}, "PORT must be a whole number, not 'abc'"),
        ({"ACTIVITY_RETENTION_DAYS": "en vecka"}, "ACTIVITY_RETENTION_DAYS must be a whole number, not 'en vecka'"),
        ({"DATABASE_TIMEOUT": "0"}, "DATABASE_TIMEOUT must be between 0 and 60 seconds, not 0.0"),
        ({"DATABASE_TIMEOUT": "120"}, "DATABASE_TIMEOUT must be between 0 and 60 seconds, not 120.0"),
        ({"ACTIVITY_RETENTION_DAYS": "0"}, "ACTIVITY_RETENTION_DAYS must be at least 1, not 0"),
        ({"ACTIVITY_RETENTION_DAYS": "-3"}, "ACTIVITY_RETENTION_DAYS must be at least 1, not -3"),
        ({"MicrosoftAppType": "Personal"}, "MultiTenant, SingleTenant or UserAssignedMSI"),
        ({"MicrosoftAppType": "SingleTenant"}, "needs MicrosoftAppTenantId"),
        ({"AUTHOR_RETENTION_DAYS": "0"}, r"AUTHOR_RETENTION_DAYS must be at least 1 \(or empty: kept\), not 0"),
        ({"WORKERS": "0"}, "WORKERS must be between 1 and 32, not 0"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be text or json, not 'xml'"),
    ],
)
def test_bad_configuration_is_a_clear_error(values, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_mapping(values)


def test_bot_framework_names_are_passed_to_botbuilder():
    config = Settings.from_mapping(
        {"MicrosoftAppId": "id", "MicrosoftAppPassword": "pw", "MicrosoftAppType": "SingleTenant",
         "MicrosoftAppTenantId": "tenant"}
    ).bot_framework_config()
    assert (config.APP_ID, config.APP_PASSWORD, config.APP_TYPE, config.APP_TENANTID) == (
        "id", "pw", "SingleTenant", "tenant")


def test_author_retention_days_are_kept_forever_unless_set():
    assert Settings.from_mapping({}).author_retention_days is None
    assert Settings.from_mapping({"AUTHOR_RETENTION_DAYS": ""}).author_retention_days is None
    assert Settings.from_mapping({"AUTHOR_RETENTION_DAYS": "730"}).author_retention_days == 730


def test_activity_retention_days():
    assert Settings.from_mapping({}).activity_retention_days == 7
    assert Settings().activity_retention_days == 7
    assert Settings.from_mapping({"ACTIVITY_RETENTION_DAYS": "30"}).activity_retention_days == 30
    assert Settings.from_mapping({"ACTIVITY_RETENTION_DAYS": "1"}).activity_retention_days == 1


@pytest.mark.parametrize("name", ["PORT", "MAX_REQUEST_BYTES", "REMINDER_DAYS", "NOTIFY_RATE",
                                  "ACTIVITY_RETENTION_DAYS", "DATABASE_TIMEOUT", "TURN_LEASE_SECONDS",
                                  "NOTIFY_LEASE_SECONDS", "AUTHOR_RETENTION_DAYS", "WORKERS"])
def test_a_setting_that_is_not_a_number_is_named(name):
    with pytest.raises(SettingsError, match=f"^{name} must be a (whole )?number, not 'fem'$"):
        Settings.from_mapping({name: "fem"})


def test_notify_lease():
    assert Settings.from_mapping({}).notify_lease_seconds == 60.0
    assert Settings.from_mapping({"NOTIFY_LEASE_SECONDS": "5"}).notify_lease.total_seconds() == 5
    with pytest.raises(SettingsError, match="NOTIFY_LEASE_SECONDS must be between 1 and 3600 seconds, not 0.5"):
        Settings.from_mapping({"NOTIFY_LEASE_SECONDS": "0.5"})


def test_turn_lease():
    assert Settings.from_mapping({}).turn_lease_seconds == 12.0
    assert Settings.from_mapping({"TURN_LEASE_SECONDS": "30"}).turn_lease_seconds == 30.0
    with pytest.raises(SettingsError, match="TURN_LEASE_SECONDS must be between 0 and 300 seconds, not 0.0"):
        Settings.from_mapping({"TURN_LEASE_SECONDS": "0"})


def test_database_timeout():
    assert Settings.from_mapping({}).database_timeout == 5.0
    assert Settings.from_mapping({"DATABASE_TIMEOUT": "2.5"}).database_timeout == 2.5


@pytest.mark.parametrize("values, expected", [
    ({"MicrosoftAppType": "SingleTenant", "MicrosoftAppTenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47"},
     "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47"),
    ({"MicrosoftAppType": "MultiTenant"}, "https://login.microsoftonline.com/botframework.com"),
    ({"MicrosoftAppType": "SingleTenant", "MicrosoftAppTenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
      "ToChannelFromBotLoginUrl": "https://login.microsoftonline.us/72f988bf-86f1-41af-91ab-2d7cd011db47/"},
     "https://login.microsoftonline.us/72f988bf-86f1-41af-91ab-2d7cd011db47"),
])
def test_the_bots_token_comes_from_its_tenant_or_the_configured_authority(values, expected):
    settings = Settings.from_mapping({"MicrosoftAppId": "2b5b1c3e-8a7f-4d2e-9c1a-0f3e6d7b8a90", **values})
    assert authority(settings) == expected
