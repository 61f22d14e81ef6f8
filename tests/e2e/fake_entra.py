"""A small stand-in for Entra ID, where the bot gets its own token for the Bot Connector.

Served over HTTPS (MSAL accepts nothing else for an authority) with a certificate from a test
CA that the tests trust through ``REQUESTS_CA_BUNDLE``, as a municipality behind a
TLS-inspecting proxy would. It answers what MSAL asks of Entra ID:

- ``GET /{tenant}/v2.0/.well-known/openid-configuration`` (OpenID discovery; 400 for a tenant
  that does not exist);
- ``POST /{tenant}/oauth2/v2.0/token`` (client credentials: the app's id and secret, in the
  tenant the app is registered in), with Entra's error codes for a wrong secret or app;
- ``GET /msi/token`` (Azure App Service's managed identity endpoint: ``IDENTITY_ENDPOINT``,
  with ``IDENTITY_HEADER`` as ``X-IDENTITY-HEADER``).

Its tokens are RS256 JWTs for the audience ``https://api.botframework.com`` carrying the app's
id. ``verifier(app_id)`` checks one as the Bot Connector does (signature, audience, expiry,
app) for ``FakeConnector.token_check``; ``misissue`` makes it hand out tokens that check must
refuse.
"""

from __future__ import annotations

import datetime
import ipaddress
import secrets
import ssl
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.e2e.fake_connector import ThreadedServer

AUDIENCE = "https://api.botframework.com"  # the Bot Connector's; the bot asks for AUDIENCE/.default


@dataclass(frozen=True)
class Tls:
    ca_file: Path  # the test CA's certificate, for REQUESTS_CA_BUNDLE
    context: ssl.SSLContext  # the server's, with a certificate for 127.0.0.1 signed by the CA


def make_tls(directory: Path) -> Tls:
    """A test CA and a server certificate for 127.0.0.1 and localhost, valid for a day."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Uppdragsboten test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                    x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = directory / "test-ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file, key_file = directory / "server.pem", directory / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return Tls(ca_file, context)


@dataclass(frozen=True)
class App:
    tenant: str  # the directory the app is registered in: a tenant id, or botframework.com
    secret: str | None  # None: a managed identity


class FakeEntra:
    #: Tokens the connector must refuse, by what is wrong with them.
    MISISSUES = ("expired", "wrong-audience", "other-key", "other-app")

    def __init__(self, tls: Tls) -> None:
        self.tls = tls
        self.url = ""
        self.identity_header = secrets.token_hex(16)  # App Service's IDENTITY_HEADER
        self.apps: dict[str, App] = {}
        self.tenants: set[str] = {"botframework.com"}  # the directories that exist
        self.issued: list[dict] = []  # the claims of every token handed out
        self.refused: list[str] = []  # Entra's error code for every request refused
        self.misissue: str | None = None  # one of MISISSUES: hand out tokens that must be refused
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.app = web.Application()
        self.app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._discovery)
        self.app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        self.app.router.add_get("/msi/token", self._managed_identity)

    @contextmanager
    def serving(self) -> Iterator["FakeEntra"]:
        server = ThreadedServer(self.app, ssl_context=self.tls.context)
        self.url = server.start()
        try:
            yield self
        finally:
            server.stop()

    @property
    def identity_endpoint(self) -> str:
        return f"{self.url}/msi/token"

    def register(self, app_id: str, *, tenant: str = "botframework.com", secret: str | None = None) -> None:
        """An app registration with a client secret, or (``secret`` None) a managed identity."""
        self.apps[app_id] = App(tenant, secret)
        self.tenants.add(tenant)

    # -- the Bot Connector's side ----------------------------------------------------------

    def verifier(self, app_id: str) -> Callable[[str | None], str | None]:
        """What the Bot Connector checks on every call from the bot ``app_id``: why a token is
        refused, None when it is accepted."""

        def check(header: str | None) -> str | None:
            if not header:
                return "missing"
            scheme, _, token = header.partition(" ")
            if scheme != "Bearer" or not token:
                return f"not a bearer token: {scheme}"
            try:
                claims = jwt.decode(token, self._key.public_key(), algorithms=["RS256"], audience=AUDIENCE,
                                    options={"require": ["exp", "aud", "appid"]})
            except jwt.PyJWTError as exc:
                return f"{type(exc).__name__}: {exc}"
            if claims["appid"] != app_id:
                return f"a token for {claims['appid']}, not for {app_id}"
            return None

        return check

    # -- Entra ID's side -------------------------------------------------------------------

    def _refuse(self, status: int, error: str, description: str) -> web.Response:
        self.refused.append(error)
        return web.json_response({"error": error, "error_description": description}, status=status)

    async def _discovery(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        if tenant not in self.tenants:
            return self._refuse(400, "invalid_tenant", f"AADSTS90002: Tenant '{tenant}' not found.")
        base = f"{self.url}/{tenant}"
        return web.json_response({
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
        })

    async def _token(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return self._refuse(400, "unsupported_grant_type", "AADSTS70003: only client_credentials here")
        if form.get("scope") != f"{AUDIENCE}/.default":
            return self._refuse(400, "invalid_scope", f"AADSTS70011: the scope {form.get('scope')!r} is not valid")
        app_id = str(form.get("client_id", ""))
        app = self.apps.get(app_id)
        if app is None or app.secret is None or app.tenant != tenant:
            return self._refuse(400, "unauthorized_client",
                                f"AADSTS700016: Application with identifier '{app_id}' was not found in the "
                                f"directory '{tenant}'.")
        if not secrets.compare_digest(str(form.get("client_secret", "")), app.secret):
            return self._refuse(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        token, expires_in = self._issue(app_id, f"{self.url}/{tenant}/v2.0", tenant)
        return web.json_response({"token_type": "Bearer", "expires_in": expires_in, "access_token": token})

    async def _managed_identity(self, request: web.Request) -> web.Response:
        if request.headers.get("X-IDENTITY-HEADER") != self.identity_header:
            return self._refuse(401, "unauthorized", "the X-IDENTITY-HEADER is missing or wrong")
        if request.query.get("resource") != AUDIENCE:
            return self._refuse(400, "invalid_resource", f"the resource {request.query.get('resource')!r}")
        app_id = request.query.get("client_id", "")
        app = self.apps.get(app_id)
        if app is None or app.secret is not None:
            return self._refuse(400, "invalid_identity", f"no managed identity {app_id!r} is assigned to this app")
        token, expires_in = self._issue(app_id, f"{self.url}/msi", app.tenant)
        return web.json_response({"access_token": token, "expires_on": str(int(time.time()) + expires_in),
                                  "resource": AUDIENCE, "token_type": "Bearer", "client_id": app_id})

    def _issue(self, app_id: str, issuer: str, tenant: str) -> tuple[str, int]:
        now, lifetime = int(time.time()), 3600
        claims = {"iss": issuer, "aud": AUDIENCE, "appid": app_id, "azp": app_id, "tid": tenant,
                  "iat": now, "nbf": now, "exp": now + lifetime, "jti": str(uuid.uuid4())}
        key = self._key
        if self.misissue == "expired":
            claims["exp"] = now - 60
        elif self.misissue == "wrong-audience":
            claims["aud"] = "https://graph.microsoft.com"
        elif self.misissue == "other-key":
            key = self._other_key
        elif self.misissue == "other-app":
            claims["appid"] = claims["azp"] = str(uuid.uuid4())
        self.issued.append(claims)
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "entra-test"}), lifetime
