"""`dispatch_mode` 4 and 5 and `bind()` (issue 16), as Swoole documents them: mode 4 sends
every request of one client IP to the same worker; mode 5 sends the connections `bind()`
gave one uid to the same worker (`uid % worker_num`), and an unbound connection by its fd;
a connection is bound once, to a non-zero uid, and getClientInfo() shows the uid."""
import json
from contextlib import ExitStack

import httpx
from websockets.sync.client import connect

from harness import Server

WEBSOCKET = {"websocket": {"enable": True, "handler": "App\\Services\\EchoWebSocket"}}


def pid_from(source_ip: str, url: str) -> int:
    # A new connection each time, from `source_ip`: mode 4 follows the address, not the connection.
    transport = httpx.HTTPTransport(local_address=source_ip)
    with httpx.Client(transport=transport) as client:
        return client.get(url + "/pid").json()["pid"]


def test_dispatch_mode_4_sends_each_client_ip_to_one_worker(laravel_app):
    with Server(laravel_app, overrides={"swoole": {"dispatch_mode": 4}}) as s:
        first = {pid_from("127.0.0.1", s.url) for _ in range(6)}
        second = {pid_from("127.0.0.2", s.url) for _ in range(6)}
        assert len(first) == 1, first
        assert len(second) == 1, second
        # 127.0.0.1 and 127.0.0.2 differ by one: with 2 workers, one each.
        assert first != second
        assert set(s.worker_pids()) >= first | second


def command(ws, text: str) -> str:
    ws.send(text)
    return ws.recv(timeout=10)


def test_dispatch_mode_5_sends_the_connections_of_one_uid_to_one_worker(laravel_app):
    overrides = {**WEBSOCKET, "swoole": {"dispatch_mode": 5}}
    with Server(laravel_app, overrides=overrides) as s:
        ws_url = s.url.replace("http://", "ws://") + "/ws?greet=0"
        with ExitStack() as stack:
            conns = [stack.enter_context(connect(ws_url)) for _ in range(6)]
            uids = [7, 8, 7, 8, 7, 8]
            for ws, uid in zip(conns, uids):
                assert json.loads(command(ws, f"!bind {uid}")) == {"bound": True, "uid": uid}
            # Every later message goes by uid: one worker per uid, the two uids apart.
            pids = {uid: {int(command(ws, "!pid")) for ws, u in zip(conns, uids) if u == uid for _ in range(3)} for uid in (7, 8)}
            assert len(pids[7]) == 1 and len(pids[8]) == 1, pids
            assert pids[7] != pids[8]
            # Bound once; uid 0 is refused; getClientInfo shows the uid.
            assert json.loads(command(conns[0], "!bind 9")) == {"bound": False, "uid": 7}
            fresh = stack.enter_context(connect(ws_url))
            conns.append(fresh)
            assert json.loads(command(fresh, "!bind 0")) == {"bound": False, "uid": None}
            assert json.loads(command(conns[1], "!info"))["uid"] == 8


def test_bind_in_another_mode_records_the_uid(laravel_app):
    with Server(laravel_app, overrides=WEBSOCKET) as s:
        with connect(s.url.replace("http://", "ws://") + "/ws?greet=0") as ws:
            assert json.loads(command(ws, "!bind 5")) == {"bound": True, "uid": 5}
            assert json.loads(command(ws, "!info"))["uid"] == 5


def test_modes_6_and_7_stop_start_up_naming_the_key(laravel_app):
    result = Server(laravel_app, overrides={"swoole": {"dispatch_mode": 7}}).command("start")
    assert result.returncode != 0
    assert "swoole.dispatch_mode" in result.stdout + result.stderr
