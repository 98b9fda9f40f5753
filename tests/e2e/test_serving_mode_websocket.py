"""serving_mode 'worker' with WebSocket and extra ports (README, "Serving modes").

Each HTTP worker's front hands a WebSocket handshake's connection to the master, which
serves it as in master mode; pushes from any process reach it there, and the master keeps
serving the extra ports of `sockets`. The README's WebSocket, RFC 6455 and extra-port tests
run here again with every server in worker mode, beside what only worker mode can get
wrong: connection numbers minted by several processes at once.
"""
from __future__ import annotations

import socket

import httpx

from harness import Server
from test_websocket import ECHO
# The README's tests, collected again in this module, where every server runs in worker mode.
from test_sockets import *  # noqa: F401,F403
from test_websocket import *  # noqa: F401,F403
from test_websocket_rfc6455 import *  # noqa: F401,F403


# conftest.py runs every server of this module in this serving_mode.
SERVING_MODE = "worker"


def test_every_connection_has_its_own_fd_across_workers(laravel_app):
    # Swoole's $fd is unique per server: `connections` lists each open connection once,
    # whichever worker accepted it.
    with Server(laravel_app, overrides=ECHO) as s:
        held = []
        for _ in range(8):
            c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            c.sendall(b"GET /api/hello HTTP/1.1\r\nHost: x\r\n\r\n")
            assert c.recv(4096).startswith(b"HTTP/1.1 200")
            held.append(c)
        r = httpx.get(f"{s.url}/ws/connections", timeout=10)
        assert r.status_code == 200, r.text
        body = r.json()
        fds = [c["fd"] for c in body["connections"]]
        # The 8 held connections and the one asking.
        assert body["count"] == 9 and len(set(fds)) == 9, body
        for c in held:
            c.close()
