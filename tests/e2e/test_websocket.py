"""WebSocket on the main port, end to end with Python's `websockets` client.

The handlers live in the example app: App\\Services\\EchoWebSocket (echo and test
commands), App\\Services\\WebSocketService (the README's uid binding and broadcast) and
App\\Services\\HandshakeWebSocket (a custom onHandShake).
"""
from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from harness import Server

ECHO = {"websocket": {"enable": True, "handler": "App\\Services\\EchoWebSocket"}, "swoole": {"dispatch_mode": 2}}


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def ws_url(server: Server, path: str = "/ws") -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


@pytest.fixture
def echo_server(laravel_app):
    s = Server(laravel_app, overrides=ECHO).start()
    yield s
    s.stop()


def test_open_message_order_and_opcodes(echo_server):
    async def scenario():
        async with connect(ws_url(echo_server, "/ws?q=hello")) as ws:
            opened = json.loads(await ws.recv())["open"]
            assert opened["query"] == "hello" and opened["route"] == "ws"
            assert opened["established"] is True, "isEstablished() holds in onOpen"
            # Messages reach the handler in order, even when one takes a while.
            await ws.send("!sleep 50")
            for i in range(20):
                await ws.send(f"m{i}")
            assert await ws.recv() == "slept 50"
            assert [await ws.recv() for _ in range(20)] == [f"m{i}" for i in range(20)]
            await ws.send(b"\x00\x01\xff")
            assert await ws.recv() == b"\x00\x01\xff"
            big = "x" * 200_000
            await ws.send(big)
            assert await ws.recv() == big
            # A fragmented message arrives whole.
            await ws.send(iter(["frag", "mented"]))
            assert await ws.recv() == "fragmented"
    run(scenario())


@pytest.mark.laravel_only  # Lumen has no session and no session guard to log in with
def test_open_goes_through_the_kernel_with_session_and_auth(echo_server):
    with httpx.Client(base_url=echo_server.url) as http:
        assert http.get("/login/2").json() == {"id": 2}
        http.get("/session/put/from-http")
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())

        async def scenario():
            async with connect(ws_url(echo_server), additional_headers={"Cookie": cookie}) as ws:
                return json.loads(await ws.recv())["open"]
        opened = run(scenario())
        assert opened["user"] == 2 and opened["session"] == "from-http"
        # onOpen wrote the session: the next HTTP request of the same session sees it.
        assert http.get("/ws/session").json() == {"ws_fd": opened["fd"]}


def test_push_from_controller_and_task_worker_and_connection_queries(laravel_app):
    overrides = {**ECHO, "swoole": {"dispatch_mode": 2, "task_worker_num": 1}}
    with Server(laravel_app, overrides=overrides) as server:
        async def scenario():
            async with connect(ws_url(server)) as ws:
                fd = json.loads(await ws.recv())["open"]["fd"]
                async with httpx.AsyncClient(base_url=server.url) as http:
                    r = (await http.get(f"/ws/push/{fd}/from-controller")).json()
                    assert r == {"pushed": True, "class": "LaravelS\\Server\\WebSocketServer", "is_ws_server": True}
                    assert await ws.recv() == "from-controller"
                    assert (await http.get(f"/ws/push-task/{fd}/from-task")).json() == {"delivered": True}
                    assert (await ws.recv()).startswith("from-task (from task worker pid ")
                    listing = (await http.get("/ws/connections")).json()
                    assert {"fd": fd, "established": True} in listing["connections"]
                    # The HTTP connection of this very request is listed, not established.
                    assert any(not c["established"] for c in listing["connections"])
                    assert listing["stats"]["connection_num"] >= 2 and listing["stats"]["accept_count"] >= 2
                    assert str(fd) in listing["client_list"] and listing["client_list"][str(fd)] == fd, "getClientList: fd => fd"
                    assert listing["ports"] == 1 and listing["pids"][0] == server.master_pid() and listing["pids"][3] in (0, 1)
                    await ws.send(f"!exists {fd}")
                    assert json.loads(await ws.recv()) == {"exists": True, "established": True}
                    await ws.send("!exists 999999")
                    assert json.loads(await ws.recv()) == {"exists": False, "established": False}
                    assert (await http.get("/ws/push/999999/nobody")).json()["pushed"] is False
                await ws.send("!info")
                info = json.loads(await ws.recv())
                assert info["websocket_status"] == 3 and info["remote_ip"] == "127.0.0.1" and info["server_port"] == server.port
                return fd
        fd = run(scenario())
        # After the close, onClose ran: its push failed and the connection info was still readable.
        closed = server.app / "storage" / "app" / "ws" / f"closed-{fd}"
        deadline = time.time() + 10
        while not closed.exists() and time.time() < deadline:
            time.sleep(0.05)
        record = json.loads(closed.read_text())
        assert record["push"] is False and record["info"]["websocket_status"] == 4


def test_broadcast_reaches_every_connection_across_workers(echo_server):
    async def scenario():
        clients = [await connect(ws_url(echo_server, "/ws?greet=0")) for _ in range(30)]
        try:
            await clients[0].send("!broadcast hello all")
            got = [await c.recv() for c in clients[1:]]
            assert got == ["hello all"] * 29
            assert await clients[0].recv() == "hello all"
            assert await clients[0].recv() == "broadcast sent to 30"
        finally:
            for c in clients:
                await c.close()
    run(scenario())


def test_server_disconnect_close_and_handler_errors(echo_server):
    async def scenario():
        async with connect(ws_url(echo_server, "/ws?greet=0")) as ws:
            await ws.send("!throw")
            await ws.send("still here")
            assert await ws.recv() == "still here", "an exception in onMessage leaves the connection open"
            await ws.send("!disconnect 4001 going")
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd.code == 4001 and closed.value.rcvd.reason == "going"
        async with connect(ws_url(echo_server, "/ws?greet=0")) as ws:
            await ws.send("!close")
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is None, "close() drops the connection without a close frame"
    run(scenario())


def test_fatal_error_in_a_handler_replaces_the_worker_and_keeps_the_connection(echo_server):
    async def scenario():
        async with connect(ws_url(echo_server, "/ws?greet=0")) as ws:
            await ws.send("!pid")
            before = await ws.recv()
            await ws.send("!fatal")
            await ws.send("!pid")
            after = await ws.recv()
            assert after != before, "a fresh worker took over after the fatal error"
            await ws.send("alive")
            assert await ws.recv() == "alive"
    run(scenario())


def test_reload_keeps_websocket_connections(echo_server):
    import signal

    async def scenario():
        async with connect(ws_url(echo_server, "/ws?greet=0")) as ws:
            await ws.send("!pid")
            before = await ws.recv()
            echo_server.signal(signal.SIGUSR1)
            deadline = time.time() + 15
            while time.time() < deadline:
                await ws.send("!pid")
                now = await ws.recv()
                if now != before:
                    break
                await asyncio.sleep(0.1)
            assert now != before, "the message after the reload was handled by a new worker"
    run(scenario())


def test_stop_closes_connections_with_going_away(laravel_app):
    server = Server(laravel_app, overrides=ECHO).start()

    async def scenario():
        async with connect(ws_url(server, "/ws?greet=0")) as ws:
            await ws.send("x")
            assert await ws.recv() == "x"
            loop = asyncio.get_running_loop()
            stopping = loop.run_in_executor(None, server.stop)
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd.code == 1001
            assert await stopping == 0
    run(scenario())


def test_heartbeat_closes_idle_connections(laravel_app):
    overrides = {**ECHO, "swoole": {"dispatch_mode": 2, "heartbeat_idle_time": 1, "heartbeat_check_interval": 1}}
    with Server(laravel_app, overrides=overrides) as server:
        async def scenario():
            async with connect(ws_url(server, "/ws?greet=0"), ping_interval=None) as ws:
                started = time.monotonic()
                with pytest.raises(ConnectionClosed):
                    await ws.recv()
                return time.monotonic() - started
        idle = run(scenario())
        assert 0.8 < idle < 5, idle


def test_custom_handshake_accepts_and_refuses(laravel_app):
    overrides = {"websocket": {"enable": True, "handler": "App\\Services\\HandshakeWebSocket"}}
    with Server(laravel_app, overrides=overrides) as server:
        async def scenario():
            with pytest.raises(InvalidStatus) as refused:
                await connect(ws_url(server, "/ws"))
            assert refused.value.response.status_code == 403
            async with connect(ws_url(server, "/ws?token=secret")) as ws:
                assert ws.response.headers["X-Handshake"] == "custom"
                opened = json.loads(await ws.recv())["open"]
                assert opened["established"] is True
        run(scenario())


def test_readme_uid_binding_and_broadcast(laravel_app):
    overrides = {
        "websocket": {"enable": True, "handler": "App\\Services\\WebSocketService"},
        "swoole_tables": {"ws": {"size": 1024, "column": [{"name": "value", "type": 1, "size": 8}]}},
    }
    with Server(laravel_app, overrides=overrides) as server:
        async def scenario():
            a = await connect(ws_url(server))
            b = await connect(ws_url(server))
            welcome_a, welcome_b = await a.recv(), await b.recv()
            assert welcome_a.startswith("Welcome to LaravelS #") and welcome_b.startswith("Welcome to LaravelS #")
            fd_a = int(welcome_a.rsplit("#", 1)[1])
            await a.send("hi")
            expected = f'Broadcast: new message "hi" from #{fd_a}'
            assert await a.recv() == expected and await b.recv() == expected
            await a.close()
            await b.close()
        run(scenario())


def test_bad_handshakes_get_4xx(echo_server):
    import socket

    def raw(request: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", echo_server.port), timeout=5) as s:
            s.sendall(request)
            return s.recv(4096)
    base = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    assert raw((base + "Sec-WebSocket-Version: 13\r\n\r\n").encode()).startswith(b"HTTP/1.1 400"), "no key"
    assert raw((base + "Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()).startswith(b"HTTP/1.1 400")
    reply = raw((base + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n").encode())
    assert reply.startswith(b"HTTP/1.1 426") and b"sec-websocket-version: 13" in reply.lower()
    reply = raw(b"POST /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400")
    key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    reply = raw((base + key + "\r\n").encode())
    assert reply.startswith(b"HTTP/1.1 426") and b"sec-websocket-version: 13" in reply.lower(), "no version"
    no_connection = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n"
    assert raw((no_connection + key + "Sec-WebSocket-Version: 13\r\n\r\n").encode()).startswith(b"HTTP/1.1 400")
    http10 = "GET /ws HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    assert b" 400 " in raw((http10 + key + "Sec-WebSocket-Version: 13\r\n\r\n").encode()).split(b"\r\n")[0]
    # Header values are case-insensitive and Connection may list other tokens (as Firefox sends).
    firefox = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
    assert raw((firefox + key + "Sec-WebSocket-Version: 13\r\n\r\n").encode()).startswith(b"HTTP/1.1 101")
    ok = raw((base + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    assert ok.startswith(b"HTTP/1.1 101") and b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in ok
    # Plain HTTP on the same path still reaches the route.
    assert httpx.get(echo_server.url + "/ws").text == "websocket"


def test_bad_handler_config_stops_start(laravel_app):
    server = Server(laravel_app, overrides={"websocket": {"enable": True, "handler": "App\\Services\\Missing"}})
    result = server.command("start")
    assert result.returncode != 0
    assert "websocket.handler" in result.stdout + result.stderr


def test_timer_and_custom_processes_push_too(laravel_app):
    overrides = {
        **ECHO,
        "timer": {"enable": True, "jobs": ["App\\Jobs\\Timer\\PushJob"]},
        "processes": {"pusher": {"class": "App\\Processes\\PushProcess", "redirect": False, "pipe": 0}},
    }
    with Server(laravel_app, overrides=overrides) as server:
        async def scenario():
            async with connect(ws_url(server, "/ws?greet=0")) as ws:
                seen = set()
                deadline = time.monotonic() + 15
                while seen != {"tick from timer", "tick from process"} and time.monotonic() < deadline:
                    seen.add(await asyncio.wait_for(ws.recv(), 15))
                return seen
        assert run(scenario()) == {"tick from timer", "tick from process"}


LIMIT = 256 * 1024  # swoole.package_max_length of the limit test's server


def test_message_size_limit_is_package_max_length(laravel_app):
    """Swoole bounds a WebSocket message, fragments together, by package_max_length: a
    message of exactly that size reaches onMessage whole and is answered; one byte more
    fails the connection with 1009 (RFC 6455 7.4.1), as soon as its frame header (or the
    fragment that passes the limit) arrives, and the connection's onClose runs and its
    row leaves the client list. Other connections go on."""
    overrides = {**ECHO, "swoole": {**ECHO["swoole"], "package_max_length": LIMIT, "buffer_output_size": 2 * LIMIT}}

    async def too_big(ws, message) -> int:
        await ws.send(message)
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        return closed.value.rcvd.code if closed.value.rcvd else None

    async def scenario(port: int):
        url = f"ws://127.0.0.1:{port}/ws?greet=0"
        async with connect(url, max_size=None) as bystander:
            # Exactly the limit, text and binary, in one frame or in fragments: echoed whole.
            async with connect(url, max_size=None) as ws:
                text = "é" * (LIMIT // 2)
                await ws.send(text)
                assert await ws.recv() == text
                data = bytes(range(256)) * (LIMIT // 256)
                await ws.send(data)
                assert await ws.recv() == data
                await ws.send(iter([data[:100_000], data[100_000:200_000], data[200_000:]]))
                assert await ws.recv() == data
            # One byte more: 1009, in one frame or as fragments each under the limit.
            async with connect(url, max_size=None) as ws:
                assert await too_big(ws, "x" * (LIMIT + 1)) == 1009
            async with connect(url, max_size=None) as ws:
                assert await too_big(ws, iter([b"y" * (LIMIT // 2), b"y" * (LIMIT // 2), b"y"])) == 1009
            # The others were not touched.
            await bystander.send("still here")
            assert await bystander.recv() == "still here"
            # The failed connections' rows are gone once their onClose ran.
            for _ in range(50):
                await bystander.send("!stats")
                stats = json.loads(await bystander.recv())
                if stats["connection_num"] == 1:
                    break
                await asyncio.sleep(0.1)
            assert stats["connection_num"] == 1, stats

    with Server(laravel_app, overrides=overrides) as s:
        run(scenario(s.port))
        # Four connections (the bystander, the exact one, the two too big), all closed by
        # now: each one's onClose runs, the bystander's a moment after the scenario ends.
        ws_dir = laravel_app / "storage" / "app" / "ws"
        for _ in range(50):
            closed = sorted(p.name for p in ws_dir.glob("closed-*"))
            if len(closed) >= 4:
                break
            time.sleep(0.1)
        assert len(closed) == 4, f"onClose ran for each connection: {closed}"

