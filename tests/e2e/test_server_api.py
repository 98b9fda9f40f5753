"""The rest of app('swoole')'s worker API (issue 16, item 1), in Swoole's documented call
forms: getWorkerStatus() (SWOOLE_WORKER_BUSY 1, SWOOLE_WORKER_IDLE 2, false for no such
worker), stop() (the calling worker leaves after its request and is replaced; another
worker's id warns and fails), heartbeat() (the connections silent past
heartbeat_idle_time; false with a warning without it) and shutdown() (the server stops)."""
import socket
import time

import httpx
import pytest

from harness import Server

pytestmark = pytest.mark.laravel_only


def test_get_worker_status(laravel_app):
    with Server(laravel_app) as s:
        r = httpx.get(s.url + "/swoole/worker-status").json()
        assert r["self"] == 1, "the caller is busy: it runs this request"
        assert r["other"] == 2, "the other worker is idle"
        assert r["none"] is False


def test_stop_replaces_the_calling_worker_and_refuses_another(laravel_app):
    with Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"}) as s:
        [before] = s.worker_pids()
        r = httpx.get(s.url + "/swoole/stop").json()
        assert r == {"stopped": True, "pid": before, "warnings": []}
        deadline = time.time() + 10
        while time.time() < deadline and (s.worker_pids() in ([before], [])):
            time.sleep(0.1)
        [after] = s.worker_pids()
        assert after != before
        assert httpx.get(s.url + "/pid").json()["pid"] == after
        other = httpx.get(s.url + "/swoole/stop?worker=5").json()
        assert other["stopped"] is False
        assert "stop(): $workerId" in other["warnings"][0]
        assert s.worker_pids() == [after]


def test_heartbeat_lists_silent_connections(laravel_app):
    with Server(laravel_app, overrides={"swoole": {"heartbeat_idle_time": 2}}) as s:
        silent = socket.create_connection(("127.0.0.1", s.port))
        try:
            time.sleep(0.5)
            # Checked by the master too (it closes them after 2 s); heartbeat(false) only lists.
            assert httpx.get(s.url + "/swoole/heartbeat").json() == {"silent": [], "warnings": []}
        finally:
            silent.close()
    # The published config sets both (600 and 60, as LaravelS's): turned off here.
    with Server(laravel_app, overrides={"swoole": {"heartbeat_idle_time": 0, "heartbeat_check_interval": 0}}) as s:
        r = httpx.get(s.url + "/swoole/heartbeat").json()
        assert r["silent"] is False
        assert "heartbeat_idle_time" in r["warnings"][0]


def test_shutdown_stops_the_server(laravel_app):
    s = Server(laravel_app).start()
    try:
        assert httpx.get(s.url + "/swoole/shutdown").json() == {"shutdown": True}
        s.proc.wait(timeout=30)
        assert s.proc.returncode == 0
    finally:
        s.stop()
