"""Interoperability with Node's `ws` library (tests/e2e/node/ws_client.mjs), both ways:
messages of each kind, fragmented ones, a ping, a push from an HTTP request, and a close
started by the client and one started by the server."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import Server

NODE = shutil.which("node")
PACKAGE = Path(__file__).parent / "node"
ECHO = {"websocket": {"enable": True, "handler": "App\\Services\\EchoWebSocket"}, "swoole": {"dispatch_mode": 2}}


@pytest.mark.skipif(NODE is None or not (PACKAGE / "node_modules" / "ws").is_dir(),
                    reason="nodejs and tests/e2e/node/node_modules are installed by scripts/install-deps.sh")
def test_node_ws_client_talks_to_the_server(laravel_app):
    with Server(laravel_app, overrides=ECHO) as server:
        run = subprocess.run([NODE, str(PACKAGE / "ws_client.mjs"), f"ws://127.0.0.1:{server.port}", server.url],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\nserver log:\n{server.read_log()[-3000:]}"
    seen = json.loads(run.stdout)
    assert seen["protocol"] == "chat", "the default handshake accepts the first subprotocol offered"
    assert seen["extensions"] == "", "permessage-deflate is offered by ws but not negotiated"
    assert seen["welcome"]["query"] == "node" and seen["welcome"]["route"] == "ws"
    assert seen["text"] == {"text": "hello from node ✓", "isBinary": False}
    assert seen["binary"] == {"hex": "000102fdfeff", "isBinary": True}
    assert seen["fragmented"] == {"text": "fragmented", "isBinary": False}
    assert seen["binaryFragmented"] == {"text": "bin-frag", "isBinary": True}
    assert seen["big"] == {"length": 300 * 1024, "same": True, "isBinary": True}
    assert seen["pong"] == "are you there"
    assert seen["pushResponse"]["pushed"] is True
    assert seen["push"] == {"text": "pushed-over-http", "isBinary": False}
    assert seen["clientClose"] == {"code": 4000, "reason": "node says bye"}, "the server echoes the client's close"
    assert seen["serverClose"] == {"code": 4001, "reason": "server says bye"}
