"""A real browser's WebSocket: headless Chromium (tests/e2e/browser.py) loads a page of
the app (examples/laravel8/public/ws-test.html) that connects to /ws. The handshake
carries the browser's Laravel session cookie, so onOpen sees who logged in."""
from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from browser import CHROMIUM, Chromium
from harness import Server

OVERRIDES = {
    "handle_static": True,  # serves public/ws-test.html
    "websocket": {"enable": True, "handler": "App\\Services\\EchoWebSocket"},
    "swoole": {"dispatch_mode": 2},
}


@pytest.mark.laravel_only  # logs in through the session, which Lumen lacks
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is installed by scripts/install-deps.sh")
def test_browser_websocket_with_session_and_push(laravel_app, tmp_path):
    with Server(laravel_app, overrides=OVERRIDES) as server, Chromium(tmp_path / "profile") as browser:
        page_url = server.url + "/ws-test.html"

        async def scenario():
            async with browser.page() as page:
                # Not logged in yet: the handshake reaches onOpen without a user.
                await page.navigate(page_url)
                welcome = json.loads(await page.wait_for("received[0]"))["open"]
                assert welcome["user"] is None

                # Logging in over HTTP sets the session cookie the next handshake sends.
                await page.navigate(server.url + "/login/1")
                assert json.loads(await page.evaluate("document.body.innerText")) == {"id": 1}
                await page.navigate(page_url)
                welcome = json.loads(await page.wait_for("received[0]"))["open"]
                assert welcome["user"] == 1 and welcome["route"] == "ws"

                # A push from an HTTP request reaches the page, and the page shows it.
                async with httpx.AsyncClient(base_url=server.url, trust_env=False) as http:
                    pushed = (await http.get(f"/ws/push/{welcome['fd']}/hello-browser")).json()
                assert pushed["pushed"] is True
                await page.wait_for("received.includes('hello-browser')")
                assert "hello-browser" in await page.evaluate("document.getElementById('messages').innerText")

                # And the other way: the page sends, the handler echoes.
                await page.evaluate("socket.send('from the browser ✓')")
                await page.wait_for("received.includes('from the browser ✓')")

                # The browser's close handshake completes with the code it sent.
                await page.evaluate("socket.close(4002, 'tab done')")
                assert await page.wait_for("document.title.startsWith('closed') && document.title") == "closed 4002"
        asyncio.run(asyncio.wait_for(scenario(), 60))
