"""Extra ports (`sockets`): TCP with framing, UDP, an HTTP handler and a WebSocket port,
all served by the HTTP workers next to the Laravel app (the README's multi-port section)."""
from __future__ import annotations

import asyncio
import json
import re
import socket
import struct
import subprocess
import time

import httpx
import pytest
from websockets.asyncio.client import connect

from harness import APP_LOG, Server, free_port


def recv_until(sock: socket.socket, marker: bytes, timeout: float = 10) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while marker not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


@pytest.fixture
def ports_server(laravel_app):
    tcp, udp, http, ws, length = (free_port() for _ in range(5))
    overrides = {
        "websocket": {"enable": True, "handler": "App\\Services\\EchoWebSocket"},
        "swoole": {"dispatch_mode": 2},
        "sockets": [
            {"host": "127.0.0.1", "port": tcp, "type": 1, "settings": {"open_eof_check": True, "open_eof_split": True, "package_eof": "\r\n"}, "handler": "App\\Sockets\\TestTcpSocket"},
            {"host": "127.0.0.1", "port": udp, "type": 2, "settings": {"open_eof_check": True, "package_eof": "\r\n"}, "handler": "App\\Sockets\\TestUdpSocket"},
            {"host": "127.0.0.1", "port": http, "type": 1, "settings": {"open_http_protocol": True}, "handler": "App\\Sockets\\TestHttp"},
            {"host": "127.0.0.1", "port": 1, "type": 1, "handler": "App\\Sockets\\TestTcpSocket", "enable": False},
            {"host": "127.0.0.1", "port": ws, "type": 1, "settings": {"open_http_protocol": True, "open_websocket_protocol": True}, "handler": "App\\Sockets\\TestWebSocket"},
            {"host": "127.0.0.1", "port": length, "type": 1, "settings": {"open_length_check": True, "package_length_type": "N", "package_length_offset": 0, "package_body_offset": 4, "package_max_length": 1024}, "handler": "App\\Sockets\\LengthSocket"},
        ],
    }
    server = Server(laravel_app, overrides=overrides).start()
    server.ports = {"tcp": tcp, "udp": udp, "http": http, "ws": ws, "length": length}
    yield server
    server.stop()


def test_tcp_line_protocol_like_telnet(ports_server):
    with socket.create_connection(("127.0.0.1", ports_server.ports["tcp"])) as s:
        assert recv_until(s, b"LaravelS.") == b"Welcome to LaravelS."
        # One message split over packets, and two messages in one packet.
        s.sendall(b"hel")
        time.sleep(0.05)
        s.sendall(b"lo\r\nsecond\r\n")
        got = recv_until(s, b"second\r\n")
        assert got == b"LaravelS: hello\r\nLaravelS: second\r\n"
        s.sendall(b"port\r\n")
        assert b"has 1 connection(s); app " in recv_until(s, b"\r\n")
        s.sendall(b"quit\r\n")
        assert recv_until(s, b"bye") .endswith(b"LaravelS: quit\r\nLaravelS: bye\n")
        s.settimeout(5)
        assert s.recv(100) == b"", "close() from the handler closes the connection"
    log = (ports_server.app / "storage" / "logs" / APP_LOG).read_text()
    assert "New TCP connection" in log and "Received data" in log


def test_replies_reach_a_client_that_closed_its_sending_side(ports_server):
    """`printf 'x' | nc host port`: the client sends, shuts down its writing half and reads
    to the end. The handler's replies to what it sent still arrive before the close."""
    for _ in range(100):
        with socket.create_connection(("127.0.0.1", ports_server.ports["tcp"])) as s:
            assert recv_until(s, b"LaravelS.") == b"Welcome to LaravelS."
            s.sendall(b"one\r\ntwo\r\n")
            s.shutdown(socket.SHUT_WR)
            got = recv_until(s, b"never sent", timeout=10)
            assert got == b"LaravelS: one\r\nLaravelS: two\r\n", got


def test_telnet_client(ports_server):
    """The README's check: `telnet 127.0.0.1 5291` (with Python's telnet-like pipe if no telnet)."""
    script = b"hi there\r\nquit\r\n"
    nc = subprocess.run(["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{ports_server.ports['tcp']}; printf 'hi there\\r\\nquit\\r\\n' >&3; timeout 5 cat <&3"], capture_output=True, timeout=15)
    assert nc.stdout.startswith(b"Welcome to LaravelS.LaravelS: hi there\r\n"), nc.stdout
    assert script  # the bytes sent above


def test_length_framing_joins_and_splits_packets(ports_server):
    with socket.create_connection(("127.0.0.1", ports_server.ports["length"])) as s:
        wire = b"".join(struct.pack(">I", len(b)) + b for b in [b"abc", b"", b"hello world"])
        for i in range(0, len(wire), 3):
            s.sendall(wire[i:i + 3])
            time.sleep(0.01)
        expected = b"".join(struct.pack(">I", len(b)) + b for b in [b"cba", b"", b"dlrow olleh"])
        s.settimeout(10)
        got = b""
        while len(got) < len(expected):
            got += s.recv(4096)
        assert got == expected
        # A length beyond package_max_length closes the connection.
        s.sendall(struct.pack(">I", 5000))
        assert s.recv(100) == b""


def test_udp_round_trip_and_dev_udp(ports_server):
    port = ports_server.ports["udp"]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(10)
        s.sendto(b"ping\r\n", ("127.0.0.1", port))
        data, _ = s.recvfrom(1024)
        assert data == b"LaravelS: ping\r\n"
    # The README's check: echo "Hello LaravelS" > /dev/udp/127.0.0.1/5292
    subprocess.run(["bash", "-c", f'echo "Hello LaravelS" > /dev/udp/127.0.0.1/{port}'], check=True)
    log = ports_server.app / "storage" / "app" / "sockets" / "udp.log"
    deadline = time.time() + 10
    while not (log.exists() and b"Hello LaravelS\n" in log.read_bytes()) and time.time() < deadline:
        time.sleep(0.05)
    assert b"Hello LaravelS\n" in log.read_bytes()


DEFAULT_SENDTO = r"""<?php

namespace App\Sockets;

use Hhxsv5\LaravelS\Swoole\Socket\UdpSocket;
use Swoole\Server;

/** Answers with Swoole's three-argument sendto, after trying a $serverSocket that names no UDP port. */
class DefaultSendtoSocket extends UdpSocket
{
    public function onPacket(Server $server, $data, array $clientInfo)
    {
        $warning = null;
        set_error_handler(function ($level, $message) use (&$warning) {
            $warning = [$level, $message];

            return true;
        });
        $sent = $server->sendto($clientInfo['address'], $clientInfo['port'], 'nowhere', 7);
        restore_error_handler();
        $server->sendto($clientInfo['address'], $clientInfo['port'], json_encode(['got' => $data, 'sent' => $sent, 'warning' => $warning]));
    }
}
"""


def test_sendto_with_swooles_default_server_socket_reaches_the_client(laravel_app):
    """Swoole's `sendto($ip, $port, $data)`: $serverSocket defaults to -1, the UDP port.
    A $serverSocket naming no UDP port is an E_USER_WARNING naming it, not a silent false."""
    (laravel_app / "app" / "Sockets" / "DefaultSendtoSocket.php").write_text(DEFAULT_SENDTO)
    udp = free_port()
    sockets = [
        {"host": "127.0.0.1", "port": free_port(), "type": 1, "handler": "App\\Sockets\\TestTcpSocket"},
        {"host": "127.0.0.1", "port": udp, "type": 2, "handler": "App\\Sockets\\DefaultSendtoSocket"},
    ]
    with Server(laravel_app, overrides={"sockets": sockets}):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(10)
            s.sendto(b"ping", ("127.0.0.1", udp))
            data, sender = s.recvfrom(4096)
    reply = json.loads(data)
    assert sender == ("127.0.0.1", udp), "sent from the UDP port"
    assert reply["got"] == "ping" and reply["sent"] is False
    level, message = reply["warning"]
    assert level == 512 and "sendto()" in message and "$serverSocket" in message and "7" in message  # E_USER_WARNING


def test_http_handler_on_its_own_port(ports_server):
    r = httpx.post(f"http://127.0.0.1:{ports_server.ports['http']}/anything?a=1", data={"b": "2"}, headers={"X-Test": "yes"})
    assert r.status_code == 201 and r.cookies["port"] == str(ports_server.ports["http"])
    body = r.json()
    assert body["method"] == "POST" and body["uri"] == "/anything" and body["get"] == {"a": "1"}
    assert body["post"] == {"b": "2"} and body["header"] == "yes" and body["app"]
    # The main port is still the Laravel app.
    assert httpx.get(ports_server.url + "/ws").text == "websocket"


def test_websocket_port_has_its_own_handler(ports_server):
    async def scenario():
        async with connect(f"ws://127.0.0.1:{ports_server.ports['ws']}/") as ws:
            assert await ws.recv() == f"port {ports_server.ports['ws']}"
            await ws.send("shout")
            assert await ws.recv() == "SHOUT"
    asyncio.run(asyncio.wait_for(scenario(), 20))
    assert httpx.get(f"http://127.0.0.1:{ports_server.ports['ws']}/").status_code == 400


def test_controller_walks_port_connections_and_sends(ports_server):
    a = socket.create_connection(("127.0.0.1", ports_server.ports["tcp"]))
    b = socket.create_connection(("127.0.0.1", ports_server.ports["tcp"]))
    try:
        recv_until(a, b"LaravelS."), recv_until(b, b"LaravelS.")
        r = httpx.get(ports_server.url + "/ports/broadcast/news").json()
        assert r["port"] == ports_server.ports["tcp"] and len(r["sent"]) == 2 and r["ports"] == 6
        assert recv_until(a, b"news\r\n").endswith(b"news\r\n") and recv_until(b, b"news\r\n").endswith(b"news\r\n")
    finally:
        a.close()
        b.close()


def test_on_close_runs_after_the_client_leaves(ports_server):
    with socket.create_connection(("127.0.0.1", ports_server.ports["tcp"])) as s:
        recv_until(s, b"LaravelS.")
        s.sendall(b"port\r\n")
        recv_until(s, b"\r\n")
    closed = list((ports_server.app / "storage" / "app" / "sockets").glob("closed-*")) if (ports_server.app / "storage" / "app" / "sockets").exists() else []
    deadline = time.time() + 10
    while not closed and time.time() < deadline:
        time.sleep(0.05)
        d = ports_server.app / "storage" / "app" / "sockets"
        closed = list(d.glob("closed-*")) if d.exists() else []
    assert closed, "onClose ran"


def test_start_and_info_list_the_extra_ports(ports_server):
    assert f"extra port #1: tcp://127.0.0.1:{ports_server.ports['tcp']} (App\\Sockets\\TestTcpSocket)" in ports_server.startup
    assert f"udp://127.0.0.1:{ports_server.ports['udp']}" in ports_server.startup
    info = ports_server.command("info").stdout
    # LaravelS's Protocols table: the entry's key in `sockets`, its type, handler and address.
    row = lambda *cells: re.search(r"\s*\|\s*".join(map(re.escape, cells)), info)  # noqa: E731
    assert row("Port#1 UDP IPV4 Socket", "On", "App\\Sockets\\TestUdpSocket", f"127.0.0.1:{ports_server.ports['udp']}"), info
    assert row("Port#2 TCP IPV4 Socket", "On", "App\\Sockets\\TestHttp", f"127.0.0.1:{ports_server.ports['http']}"), info
    assert row("Main WebSocket", "On", "App\\Services\\EchoWebSocket", f"ws://127.0.0.1:{ports_server.port}"), info


def test_bad_socket_config_stops_start(laravel_app):
    server = Server(laravel_app, overrides={"sockets": [{"host": "127.0.0.1", "port": free_port(), "type": 1, "handler": "App\\Sockets\\Nope"}]})
    result = server.command("start")
    assert result.returncode != 0 and "sockets.0.handler" in result.stdout + result.stderr
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        server = Server(laravel_app, overrides={"sockets": [{"host": "127.0.0.1", "port": busy.getsockname()[1], "type": 1, "handler": "App\\Sockets\\TestTcpSocket"}]})
        result = server.command("start")
        assert result.returncode != 0 and str(busy.getsockname()[1]) in result.stdout + result.stderr
    finally:
        busy.close()
    server = Server(laravel_app, overrides={"sockets": [{"host": "127.0.0.1", "port": 5, "type": 1, "handler": "App\\Sockets\\TestTcpSocket", "settings": {"open_length_check": True, "package_length_type": "Q"}}]})
    result = server.command("start")
    assert result.returncode != 0 and "sockets.0.settings.package_length_type" in result.stdout + result.stderr
