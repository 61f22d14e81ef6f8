"""A small stand-in for Microsoft's cloud: the Bot Connector service and the token keys.

It records what the bot sends (``POST /v3/conversations/{id}/activities[/{replyTo}]``) so
tests can assert what a user would see, and publishes an OpenID configuration with a
JWKS so that tests can sign Bot Framework tokens with a key of their own.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"


@dataclass
class SigningKey:
    kid: str
    private: Any = field(repr=False)

    @classmethod
    def generate(cls, kid: str) -> "SigningKey":
        return cls(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def jwk(self) -> dict:
        data = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        data.update({"kid": self.kid, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]})
        return data

    def token(self, audience: str, *, service_url: str, expires_in: int = 3600, **claims) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": audience,
            "serviceurl": service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + expires_in,
            **claims,
        }
        return jwt.encode(payload, self.private, algorithm="RS256", headers={"kid": self.kid})


class FakeConnector:
    def __init__(self) -> None:
        self.activities: list[dict] = []
        # conversation id -> [(HTTP status, headers), ...] answered instead of accepting
        self.faults: dict[str, list[tuple[int, dict]]] = {}
        self.refused: list[tuple[str, int]] = []
        self.keys = [SigningKey.generate("test-key-1")]
        self.key_delay = 0.0  # seconds the OpenID metadata and keys take to answer
        # Conversations whose requests are held unanswered (a connector that hangs), and the
        # requests that were held so far.
        self.hold: set[str] = set()
        self.send_delay = 0.0  # seconds each message takes to be accepted (a slow connector)
        self.held: list[str] = []
        self.base_url = ""
        # Authenticated mode: when set, every call to /v3/ must carry the bot's own token. It is
        # given the Authorization header and returns why the token is refused (None: accepted),
        # as the Bot Connector answers 401 to a missing, expired or foreign token.
        self.token_check: Callable[[str | None], str | None] | None = None
        self.authorized = 0  # calls whose token was accepted
        self.unauthorized: list[str] = []  # why each refused call was refused
        self._ids = itertools.count(1)
        self.app = web.Application(middlewares=[self._check_token])
        self.app.router.add_post("/v3/conversations/{conversation_id}/activities", self._send)
        self.app.router.add_post(
            "/v3/conversations/{conversation_id}/activities/{activity_id}", self._send
        )
        self.app.router.add_put(
            "/v3/conversations/{conversation_id}/activities/{activity_id}", self._send
        )
        self.app.router.add_get("/v3/conversations/{conversation_id}/members/{member_id}", self._member)
        # The SDK caches signing keys by metadata URL for the whole process; a later connector on
        # a reused port must not be served an earlier one's keys, so each has a path of its own.
        self._openid_path = f"/openid/{uuid.uuid4().hex}"
        self.app.router.add_get(f"{self._openid_path}/.well-known/openidconfiguration", self._openid)
        self.app.router.add_get(f"{self._openid_path}/keys", self._keys)

    @contextmanager
    def serving(self) -> Iterator["FakeConnector"]:
        """This connector on a server in its own thread, at ``base_url``, for the block."""
        server = ThreadedServer(self.app)
        self.base_url = server.start()
        try:
            yield self
        finally:
            server.stop()

    @property
    def openid_url(self) -> str:
        return f"{self.base_url}{self._openid_path}/.well-known/openidconfiguration"

    @web.middleware
    async def _check_token(self, request: web.Request, handler) -> web.StreamResponse:  # noqa: ANN001
        if self.token_check is None or not request.path.startswith("/v3/"):
            return await handler(request)
        refused = self.token_check(request.headers.get("Authorization"))
        if refused is not None:
            self.unauthorized.append(refused)
            return web.json_response({"message": "Authorization has been denied for this request."}, status=401)
        self.authorized += 1
        return await handler(request)

    async def _wait_while_held(self, request: web.Request) -> None:
        conversation_id = request.match_info["conversation_id"]
        if conversation_id in self.hold:
            self.held.append(conversation_id)
            while conversation_id in self.hold:
                await asyncio.sleep(0.05)

    async def _member(self, request: web.Request) -> web.Response:
        """A member of the conversation, as Teams describes one (with a UPN)."""
        await self._wait_while_held(request)
        member_id = request.match_info["member_id"]
        return web.json_response({"id": member_id, "name": "Medlem", "userPrincipalName": f"{member_id}@kommun.se"})

    async def _send(self, request: web.Request) -> web.Response:
        """Record the activity, or answer with a fault queued for this conversation."""
        await self._wait_while_held(request)
        await asyncio.sleep(self.send_delay)
        faults = self.faults.get(request.match_info["conversation_id"])
        if faults:
            status, headers = faults.pop(0)
            self.refused.append((request.match_info["conversation_id"], status))
            return web.json_response({"error": {"code": "Fault", "message": f"injected {status}"}},
                                     status=status, headers=headers)
        activity = await request.json()
        activity["_conversation_id"] = request.match_info["conversation_id"]
        activity["_method"] = request.method
        activity["_id"] = request.match_info.get("activity_id") if request.method == "PUT" else f"reply-{next(self._ids)}"
        self.activities.append(activity)
        return web.json_response({"id": activity["_id"]})

    async def _openid(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.key_delay)
        return web.json_response(
            {
                "issuer": ISSUER,
                "jwks_uri": f"{self.base_url}{self._openid_path}/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.key_delay)
        return web.json_response({"keys": [key.jwk() for key in self.keys]})


class ThreadedServer:
    """Runs an aiohttp app on its own event loop in a thread, like a separate service.

    The Bot Framework SDK fetches token keys with blocking ``requests`` calls, so a fake
    served from the test's own event loop would deadlock.
    """

    def __init__(self, app: web.Application, *, ssl_context: ssl.SSLContext | None = None):
        self._app = app
        self._ssl = ssl_context
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def start(self) -> str:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self.url

    async def _start(self) -> None:
        self._runner = web.AppRunner(self._app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001 - aiohttp has no public getter
        self.url = f"{'https' if self._ssl else 'http'}://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
