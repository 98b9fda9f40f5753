"""Memory after a burst of WebSocket connections (issue 14): the master's resident set,
and the workers', come back to within a few MB of where they were once the connections
have closed.

N connections open (each through the handler's onOpen), each sends a few messages of
various sizes that the handler echoes, then all close. The master holds every
connection (its socket, tungstenite's buffers, its queue in the registry, its row in the
client list); the figures and why they come back are in docs/reliability.md.
"""
from __future__ import annotations

import asyncio
import os
import time

from websockets.asyncio.client import connect

from harness import Server

N = int(os.environ.get("LARAVELS_WS_MEMORY_N", "2000"))
# The master's RSS after the connections closed, over its RSS before them. Without the
# trim (src/reactor/trim.rs) it stayed 220 MB above at 2,000 connections.
MASTER_BOUND_MB = 8
# A worker's: it keeps the handler's state per fd only as long as the app does.
WORKER_BOUND_MB = 8
ECHO = {
    "websocket": {"enable": True, "handler": "App\\Services\\EchoWebSocket"},
    "swoole": {"dispatch_mode": 2, "max_connection": N + 100},
}
MESSAGES = [b"x" * 16, b"y" * 4096, b"z" * 65536]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def snapshot(server: Server) -> dict[str, float]:
    pids = {"master": server.master_pid(), **{f"worker{i}": p for i, p in enumerate(sorted(server.worker_pids()))}}
    return {name: rss_mb(pid) for name, pid in pids.items()}


async def burst(port: int, n: int, peak: dict[str, float], measure) -> None:
    """Opens `n` connections (200 handshakes at a time), echoes MESSAGES on each, takes
    the peak with all open, then closes them all."""
    opening = asyncio.Semaphore(200)
    clients = []

    async def one():
        async with opening:
            ws = await connect(f"ws://127.0.0.1:{port}/ws?greet=0", max_size=None, open_timeout=60)
            for m in MESSAGES:
                await ws.send(m)
                assert await ws.recv() == m
            clients.append(ws)

    await asyncio.gather(*(one() for _ in range(n)))
    peak.update(measure())
    await asyncio.gather(*(ws.close() for ws in clients))


def settle(server: Server, before: dict[str, float], seconds: float = 10) -> dict[str, float]:
    """The RSS once every connection is gone from the client list (each onClose ran)."""
    deadline = time.time() + seconds
    after = snapshot(server)
    while time.time() < deadline:
        time.sleep(0.5)
        after = snapshot(server)
        if after["master"] - before["master"] < MASTER_BOUND_MB:
            break
    return after


def test_memory_returns_after_many_websocket_connections_close(laravel_app):
    s = Server(laravel_app, overrides=ECHO).start()
    try:
        # A first, smaller burst warms what is made once (the runtime's threads, the
        # workers' opcache and handler), so the figures compare steady states.
        asyncio.run(burst(s.port, 200, {}, lambda: {}))
        time.sleep(2)
        before = snapshot(s)
        peak: dict[str, float] = {}
        asyncio.run(burst(s.port, N, peak, lambda: snapshot(s)))
        after = settle(s, before)
        figures = {k: (round(before[k], 1), round(peak[k], 1), round(after[k], 1)) for k in before}
        print(f"RSS MB before/peak/after with {N} connections: {figures}")
        assert peak["master"] - before["master"] > 5, f"the burst did not load the master: {figures}"
        assert after["master"] - before["master"] < MASTER_BOUND_MB, f"master: {figures}"
        for name in before:
            if name.startswith("worker"):
                assert after[name] - before[name] < WORKER_BOUND_MB, f"{name}: {figures}"
        # The server still serves.
        async def again():
            async with connect(f"ws://127.0.0.1:{s.port}/ws?greet=0") as ws:
                await ws.send("still here")
                assert await ws.recv() == "still here"
        asyncio.run(again())
    finally:
        s.stop()
