"""The bot's own token, sent with every call to the Bot Connector (the outgoing side of
authentication; bot/adapter.py checks the incoming side).

Which token depends on ``MicrosoftAppType``, as in the Bot Framework SDK:

- SingleTenant and MultiTenant: the client-secret flow (MSAL's ``ConfidentialClientApplication``)
  at the authority ``https://login.microsoftonline.com/{MicrosoftAppTenantId}`` (MultiTenant:
  ``.../botframework.com``), or at ``ToChannelFromBotLoginUrl`` when that is set - a sovereign
  or private cloud, or a test's local token endpoint. MSAL then reads that authority's OpenID
  configuration instead of asking login.microsoftonline.com whether it knows the authority.
- UserAssignedMSI: the managed identity whose client id is ``MicrosoftAppId``, from the host
  (Azure App Service's ``IDENTITY_ENDPOINT``, or a VM's instance metadata service).

The SDK's own factory builds the same clients, but without a timeout on the token request and
without a way to name the authority of a public-cloud app; this one differs only in that.
MSAL caches the tokens and renews them before they expire.
"""

from __future__ import annotations

import threading

import msal
import requests
from botframework.connector.auth import (
    AppCredentials,
    AuthenticationConstants,
    MicrosoftAppCredentials,
    ServiceClientCredentialsFactory,
)
from msrest.authentication import Authentication

from bot.settings import Settings

TOKEN_TIMEOUT = (5.0, 10.0)  # seconds to connect, to read: a token request never hangs a turn


class NoToken(PermissionError):
    """The bot got no token: nothing can be sent until the configuration (or Entra ID) is mended."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"no token for the bot from {source}: {reason}")
        self.source = source
        self.reason = reason


class _TimedSession(requests.Session):
    """A ``requests`` session whose every request has a timeout (requests has no session-wide one)."""

    def request(self, method, url, **kwargs):  # noqa: ANN001 - requests' own signature
        kwargs.setdefault("timeout", TOKEN_TIMEOUT)
        return super().request(method, url, **kwargs)


class _MsalCredentials(AppCredentials):
    """Credentials whose token comes from an MSAL client, made on first use: making one
    may read the authority's OpenID configuration over the network, which a turn does in
    a worker thread (bot/replies.py), never while the credentials are handed out."""

    def __init__(self, app_id: str, oauth_scope: str) -> None:
        super().__init__(app_id=app_id, oauth_scope=oauth_scope)
        self._client = None
        self._lock = threading.Lock()

    def _make_client(self):  # noqa: ANN202 - an MSAL client
        raise NotImplementedError

    def _acquire(self, client) -> dict:  # noqa: ANN001
        raise NotImplementedError

    def get_access_token(self, force_refresh: bool = False) -> str:
        try:
            with self._lock:
                if self._client is None:
                    self._client = self._make_client()
                client = self._client
            result = self._acquire(client)
        except Exception as exc:  # noqa: BLE001 - MSAL and requests raise many kinds
            raise NoToken(self.oauth_endpoint, str(exc).strip().splitlines()[0] if str(exc).strip()
                          else type(exc).__name__) from exc
        if "access_token" not in result:
            raise NoToken(self.oauth_endpoint, f"{result.get('error', 'unknown error')}: "
                                               f"{result.get('error_description', '')}".rstrip(": "))
        return result["access_token"]


class SecretCredentials(_MsalCredentials):
    """An app id and client secret, exchanged for a token at ``authority``."""

    def __init__(self, app_id: str, password: str, authority: str, oauth_scope: str, *, known: bool) -> None:
        super().__init__(app_id, oauth_scope)
        self.oauth_endpoint = authority
        self._password = password
        self._known = known

    def _make_client(self) -> msal.ConfidentialClientApplication:
        return msal.ConfidentialClientApplication(
            client_id=self.microsoft_app_id,
            client_credential=self._password,
            authority=self.oauth_endpoint,
            # An authority of Microsoft's is checked against Microsoft's list; one named in
            # the configuration is trusted as the administrator named it.
            instance_discovery=None if self._known else False,
            http_client=_TimedSession(),
        )

    def _acquire(self, client: msal.ConfidentialClientApplication) -> dict:
        scope = self.oauth_scope if self.oauth_scope.endswith("/.default") else self.oauth_scope + "/.default"
        return client.acquire_token_for_client(scopes=[scope])  # MSAL's cache first


class ManagedIdentityCredentials(_MsalCredentials):
    """A user-assigned managed identity (client id ``app_id``), from the host's identity endpoint."""

    def __init__(self, app_id: str, oauth_scope: str) -> None:
        super().__init__(app_id, oauth_scope)
        self.oauth_endpoint = "the managed identity"

    def _make_client(self) -> msal.ManagedIdentityClient:
        return msal.ManagedIdentityClient(
            msal.UserAssignedManagedIdentity(client_id=self.microsoft_app_id), http_client=_TimedSession()
        )

    def _acquire(self, client: msal.ManagedIdentityClient) -> dict:
        return client.acquire_token_for_client(resource=self.oauth_scope)  # MSAL's cache first


class CredentialsFactory(ServiceClientCredentialsFactory):
    """The bot's credentials for a given audience, from the settings (one client per audience,
    so that MSAL's cache serves every turn)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._made: dict[str, Authentication] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == self._settings.app_id

    async def is_authentication_disabled(self) -> bool:
        return self._settings.local_mode

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Authentication:
        if self._settings.local_mode:
            return MicrosoftAppCredentials.empty()
        if app_id != self._settings.app_id:
            raise PermissionError(f"the bot is {self._settings.app_id}, not {app_id}")
        return self.credentials(oauth_scope)

    def credentials(self, oauth_scope: str | None = None) -> Authentication:
        """The bot's credentials for ``oauth_scope`` (default: the Bot Connector's)."""
        scope = oauth_scope or AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
        made = self._made.get(scope)
        if made is None:
            made = self._make(scope)
            self._made[scope] = made
        return made

    def _make(self, scope: str) -> Authentication:
        settings = self._settings
        if settings.app_type == "UserAssignedMSI":
            return ManagedIdentityCredentials(settings.app_id, scope)
        return SecretCredentials(
            settings.app_id, settings.app_password, authority(settings), scope, known=not settings.login_url
        )


def authority(settings: Settings) -> str:
    """Where the bot's client secret is exchanged for a token."""
    if settings.login_url:
        return settings.login_url.rstrip("/")
    tenant = settings.app_tenant_id if settings.app_type == "SingleTenant" else "botframework.com"
    return AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX + tenant
