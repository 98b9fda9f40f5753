"""The master's runtime metrics (issue 15, item 2), read as Prometheus reads them: the text
exposition format (https://prometheus.io/docs/instrumenting/exposition_formats/), on
`metrics.path` of the main port or on `metrics.listen`, with the names, labels and
meanings the README's table gives them.
"""
import os
import re
import signal
import threading
import time

import httpx
import pytest
from websockets.sync.client import connect

from harness import IS_LUMEN, Server, free_port

HELLO = "/hello" if IS_LUMEN else "/api/hello"
PATH = "/laravels-metrics"
ON_MAIN_PORT = {"metrics": {"path": PATH}}
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


def scrape(url: str) -> dict[str, float]:
    """`name{labels}` -> value, after checking each line is a comment or a sample and each
    sample's family was declared by # TYPE."""
    r = httpx.get(url)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4"), r.headers
    samples, types = {}, {}
    for line in r.text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            types[name] = kind
            continue
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        name = m.group(1)
        family = re.sub(r"_(bucket|sum|count)$", "", name) if types.get(re.sub(r"_(bucket|sum|count)$", "", name)) == "histogram" else name
        assert family in types, f"{name} has no # TYPE"
        samples[name + (m.group(2) or "")] = float(m.group(3))
    return samples


def wait_for(url: str, key: str, want, timeout: float = 10) -> dict[str, float]:
    deadline = time.time() + timeout
    while True:
        got = scrape(url)
        if want(got.get(key, 0.0)) or time.time() > deadline:
            return got
        time.sleep(0.1)


def test_off_by_default_the_path_is_the_apps(laravel_app):
    with Server(laravel_app) as s:
        assert httpx.get(s.url + PATH).status_code == 404


def test_requests_by_class_duration_and_workers(laravel_app):
    with Server(laravel_app, overrides={**ON_MAIN_PORT, "swoole": {"task_worker_num": 1}}) as s:
        url = s.url + PATH
        before = scrape(url)
        for _ in range(10):
            assert httpx.get(s.url + HELLO).status_code == 200
        assert httpx.get(s.url + "/status/503").status_code == 503
        assert httpx.get(s.url + "/no-such-page").status_code == 404
        after = scrape(url)
    ok = 'laravels_requests_total{code="2xx"}'
    # The scrape before counts itself (a 2xx) once its response is out.
    assert after[ok] - before[ok] in (10, 11), (before[ok], after[ok])
    assert after['laravels_requests_total{code="5xx"}'] - before['laravels_requests_total{code="5xx"}'] == 1
    assert after['laravels_requests_total{code="4xx"}'] - before['laravels_requests_total{code="4xx"}'] == 1
    count = after["laravels_request_duration_seconds_count"]
    assert count == sum(v for k, v in after.items() if k.startswith("laravels_requests_total"))
    assert after['laravels_request_duration_seconds_bucket{le="+Inf"}'] == count
    assert 0 < after["laravels_request_duration_seconds_sum"] < count * 1.0
    assert after['laravels_workers{role="http"}'] == 2
    assert after['laravels_workers_connected{role="http"}'] == 2
    assert after['laravels_workers{role="task"}'] == 1
    assert after['laravels_workers_idle{role="http"}'] == 2
    for worker in range(3):
        role = "http" if worker < 2 else "task"
        assert 5e6 < after[f'laravels_worker_memory_bytes{{worker_id="{worker}",role="{role}"}}'] < 1e9
    assert after["laravels_master_memory_bytes"] > 1e6
    assert abs(after["laravels_start_time_seconds"] - time.time()) < 120


def test_busy_workers_queue_depth_and_queue_wait(laravel_app):
    with Server(laravel_app, overrides=ON_MAIN_PORT) as s:
        url = s.url + PATH
        # Two requests hold both workers for 1.5 s; two more wait in the queue.
        threads = [threading.Thread(target=httpx.get, args=(s.url + "/sleep/1500",), kwargs={"timeout": 10}) for _ in range(4)]
        for t in threads:
            t.start()
            time.sleep(0.05)
        held = wait_for(url, "laravels_queue_depth", lambda v: v == 2)
        assert held["laravels_queue_depth"] == 2, held
        assert held['laravels_workers_busy{role="http"}'] == 2
        assert held['laravels_workers_idle{role="http"}'] == 0
        for t in threads:
            t.join()
        done = scrape(url)
    assert done["laravels_queue_depth"] == 0
    # Taken from the queue: the two sleeps waited ~0 s, the two queued ones ~1.5 s each.
    assert done["laravels_queue_wait_seconds_count"] >= 4
    assert 2.5 < done["laravels_queue_wait_seconds_sum"] < 6, done["laravels_queue_wait_seconds_sum"]
    assert done['laravels_queue_wait_seconds_bucket{le="1"}'] <= done["laravels_queue_wait_seconds_count"] - 2


def test_restarts_are_counted_by_cause(laravel_app):
    overrides = {**ON_MAIN_PORT, "swoole": {"max_request": 3, "max_request_time": 1}}
    with Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"}, overrides=overrides) as s:
        url = s.url + PATH
        # max_request 3: the third request retires the worker (scrapes are the master's, not counted).
        for _ in range(3):
            assert httpx.get(s.url + HELLO).status_code == 200
        got = wait_for(url, 'laravels_worker_restarts_total{cause="max_request"}', lambda v: v >= 1)
        assert got['laravels_worker_restarts_total{cause="max_request"}'] == 1
        # max_request_time 1: a 3 s request gets 504 and its worker is killed.
        assert httpx.get(s.url + "/sleep/3000", timeout=10).status_code == 504
        got = wait_for(url, 'laravels_worker_restarts_total{cause="deadline"}', lambda v: v >= 1)
        assert got['laravels_worker_restarts_total{cause="deadline"}'] == 1
        # exit() in a request ends the process.
        wait_for(url, 'laravels_workers_connected{role="http"}', lambda v: v == 1)
        httpx.get(s.url + "/exit")
        got = wait_for(url, 'laravels_worker_restarts_total{cause="exit"}', lambda v: v >= 1)
        assert got['laravels_worker_restarts_total{cause="exit"}'] == 1
        # A worker killed from outside is a crash.
        wait_for(url, 'laravels_workers_connected{role="http"}', lambda v: v == 1)
        os.kill(s.worker_pids()[0], signal.SIGKILL)
        got = wait_for(url, 'laravels_worker_restarts_total{cause="crash"}', lambda v: v >= 1)
        assert got['laravels_worker_restarts_total{cause="crash"}'] == 1
        # A reload replaces every worker.
        wait_for(url, 'laravels_workers_connected{role="http"}', lambda v: v == 1)
        assert s.command("reload").returncode == 0
        got = wait_for(url, 'laravels_worker_restarts_total{cause="reload"}', lambda v: v >= 1)
        assert got['laravels_worker_restarts_total{cause="reload"}'] == 1
        assert got['laravels_worker_restarts_total{cause="memory"}'] == 0
        assert got['laravels_worker_restarts_total{cause="max_request"}'] == 1


def test_websocket_and_client_connections(laravel_app):
    overrides = {**ON_MAIN_PORT, "websocket": {"enable": True, "handler": "App\\Services\\EchoWebSocket"}}
    with Server(laravel_app, overrides=overrides) as s:
        url = s.url + PATH
        assert scrape(url)["laravels_websocket_connections"] == 0
        ws_url = s.url.replace("http://", "ws://") + "/ws?greet=0"
        with connect(ws_url) as a, connect(ws_url) as b:
            got = wait_for(url, "laravels_websocket_connections", lambda v: v == 2)
            assert got["laravels_websocket_connections"] == 2
            # The two WebSocket connections, and the scrape's own.
            assert got["laravels_connections"] >= 3
            a.send("x")
            b.send("y")
            assert a.recv(timeout=5) and b.recv(timeout=5)
        got = wait_for(url, "laravels_websocket_connections", lambda v: v == 0)
        assert got["laravels_websocket_connections"] == 0


def test_a_port_of_their_own(laravel_app):
    port = free_port()
    with Server(laravel_app, overrides={"metrics": {"path": "/metrics", "listen": f"127.0.0.1:{port}"}}) as s:
        own = f"http://127.0.0.1:{port}"
        got = scrape(own + "/metrics")
        assert got['laravels_workers{role="http"}'] == 2
        assert httpx.get(own + "/other").status_code == 404
        assert httpx.post(own + "/metrics").status_code == 405
        # On the main port the path is the application's again.
        assert httpx.get(s.url + "/metrics").status_code == 404


def test_bad_settings_stop_start_up_naming_the_key(laravel_app):
    for metrics, key in [({"path": "metrics"}, "metrics.path"), ({"path": "/m", "listen": "localhost"}, "metrics.listen"), ({"listen": "127.0.0.1:9502"}, "metrics.listen")]:
        result = Server(laravel_app, overrides={"metrics": metrics}).command("start")
        assert result.returncode != 0, metrics
        assert key in result.stdout + result.stderr, (metrics, result.stdout + result.stderr)


def test_a_taken_metrics_port_stops_start_up(laravel_app):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = Server(laravel_app, overrides={"metrics": {"path": "/metrics", "listen": f"127.0.0.1:{port}"}}).command("start")
    assert result.returncode != 0
    assert f"127.0.0.1:{port}" in result.stdout + result.stderr, result.stdout + result.stderr


@pytest.mark.parametrize("method", ["HEAD"])
def test_head_gets_the_headers_only(laravel_app, method):
    with Server(laravel_app, overrides=ON_MAIN_PORT) as s:
        r = httpx.request(method, s.url + PATH)
        assert r.status_code == 200 and r.content == b""
        assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
