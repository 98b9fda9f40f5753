"""Headless Chromium on a private profile, driven over the DevTools protocol (CDP).

Only what the browser tests need: open a page, navigate, evaluate JavaScript, wait for a
condition. The protocol runs over a WebSocket, spoken with Python's `websockets`.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from websockets.asyncio.client import connect

CHROMIUM = shutil.which("chromium")


class BrowserError(Exception):
    """Chromium did not start, or a DevTools call failed."""


class Chromium:
    """`with Chromium(profile_dir) as browser:` starts it; `browser.page()` opens the tab."""

    def __init__(self, profile: Path):
        self.profile = profile
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def __enter__(self) -> "Chromium":
        self.profile.mkdir(parents=True, exist_ok=True)
        argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--no-proxy-server",
                f"--user-data-dir={self.profile}", "--remote-debugging-port=0", "about:blank"]
        # Its own session: the browser's helper processes are ended with it.
        self.log = open(self.profile.parent / "chromium.log", "w")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        active = self.profile / "DevToolsActivePort"
        deadline = time.time() + 30
        while not (active.exists() and active.read_text().count("\n") >= 1):
            if self.proc.poll() is not None or time.time() > deadline:
                self.__exit__()
                raise BrowserError(f"chromium did not start: {(self.profile.parent / 'chromium.log').read_text()[-2000:]}")
            time.sleep(0.05)
        self.port = int(active.read_text().split("\n")[0])
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # helpers left in the browser's own group
        except ProcessLookupError:
            pass
        self.log.close()
        self.proc = None

    def page(self) -> "Page":
        """The browser's first tab."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{self.port}/json/list", timeout=10) as r:
            targets = json.load(r)
        pages = [t for t in targets if t["type"] == "page"]
        if not pages:
            raise BrowserError(f"no page target in {targets}")
        return Page(pages[0]["webSocketDebuggerUrl"])


class Page:
    """One tab over CDP; calls are sequential, events are not needed."""

    def __init__(self, url: str):
        self.url = url
        self.next_id = 0

    async def __aenter__(self) -> "Page":
        self.conn = await connect(self.url, max_size=None, proxy=None)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.conn.close()

    async def call(self, method: str, **params) -> dict:
        self.next_id += 1
        call_id = self.next_id
        await self.conn.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            reply = json.loads(await self.conn.recv())
            if reply.get("id") == call_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply["result"]

    async def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (JSON-serialisable values)."""
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 15):
        """Polls a JavaScript expression until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"still false after {timeout} s: {expression}; title: {await self.evaluate('document.title')!r}")
            await asyncio.sleep(0.05)

    async def navigate(self, url: str) -> None:
        """Loads `url` and waits until the page has loaded."""
        await self.call("Page.navigate", url=url)
        await self.wait_for(f"location.href === {json.dumps(url)} && document.readyState === 'complete'")
