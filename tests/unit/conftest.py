"""The fast tests' shared parts: a scripted fake Bot Connector over real HTTP."""

from __future__ import annotations

import time

import pytest
from aiohttp import web

from tests.e2e.fake_connector import FakeConnector


class ScriptedConnector(FakeConnector):
    """FakeConnector whose answers per conversation can be scripted; logs every request."""

    def __init__(self) -> None:
        super().__init__()
        self.script: dict[str, list[tuple[int, dict]]] = {}
        self.requests: list[tuple[float, int, str]] = []  # (monotonic time, client port, conversation)

    async def _send(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation_id"]
        peer = request.transport.get_extra_info("peername")
        self.requests.append((time.monotonic(), peer[1], conversation))
        steps = self.script.get(conversation)
        if steps:
            status, headers = steps.pop(0)
            code = {403: "BotNotInConversationRoster", 429: "TooManyRequests"}.get(status, "Error")
            return web.json_response(
                {"error": {"code": code, "message": f"scripted {status}"}}, status=status, headers=headers
            )
        return await super()._send(request)

    def times(self, conversation: str | None = None) -> list[float]:
        return [t for t, _, c in self.requests if conversation is None or c == conversation]

    def ports(self) -> set[int]:
        return {port for _, port, _ in self.requests}


@pytest.fixture
def fake():
    with ScriptedConnector().serving() as connector:
        yield connector
