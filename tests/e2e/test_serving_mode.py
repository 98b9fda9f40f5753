"""serving_mode 'worker': each HTTP worker accepts and serves its own connections."""
import json
import os
import signal
import threading
import time

import httpx
import pytest

from harness import Server, free_port
from test_nginx import NGINX, check_through, nginx
from test_tls import certs, curl, tls_settings  # noqa: F401 (certs is a fixture)

WORKER_MODE = {"serving_mode": "worker"}


def worker_mode(laravel_app, **env):
    return Server(laravel_app, env={"LARAVELS_SERVING_MODE": "worker", **env}, overrides=WORKER_MODE)


def test_hello_and_a_post_body_are_served_by_the_workers(laravel_app):
    with worker_mode(laravel_app) as s:
        assert httpx.get(s.url + "/api/hello").status_code == 200
        r = httpx.post(s.url + "/echo?a=1", json={"name": "x" * 5000})
        assert r.status_code == 200
        assert r.json()["json"] == {"name": "x" * 5000}
        assert r.json()["query"] == {"a": "1"}
        # Several connections at once, spread over the workers.
        with httpx.Client(base_url=s.url) as a, httpx.Client(base_url=s.url) as b:
            assert {a.get("/api/hello").status_code, b.get("/api/hello").status_code} == {200}


def test_a_fatal_error_answers_500_and_the_worker_is_replaced(laravel_app):
    with worker_mode(laravel_app, LARAVELS_WORKER_NUM="1") as s:
        before = httpx.get(s.url + "/pid").json()["pid"]
        r = httpx.get(s.url + "/memory-exhaust", timeout=30)
        assert r.status_code == 500
        deadline = time.time() + 15
        while True:
            try:
                after = httpx.get(s.url + "/pid", timeout=5).json()["pid"]
                break
            except httpx.TransportError:
                assert time.time() < deadline, "no worker came back"
                time.sleep(0.1)
        assert after != before
        assert "fatal error" in s.read_log()


def test_max_request_recycles_a_worker(laravel_app):
    with worker_mode(laravel_app, LARAVELS_WORKER_NUM="1", LARAVELS_MAX_REQUEST="3") as s:
        pids = []
        for _ in range(7):
            # A fresh connection each time: a retiring worker closes its own.
            deadline = time.time() + 15
            while True:
                try:
                    pids.append(httpx.get(s.url + "/pid", timeout=5).json()["pid"])
                    break
                except httpx.TransportError:
                    assert time.time() < deadline
                    time.sleep(0.05)
    assert pids[0] == pids[1] == pids[2]
    assert pids[3] != pids[2] and pids[3] == pids[4] == pids[5]
    assert pids[6] != pids[5]


def test_reload_replaces_the_workers_and_runs_new_code(laravel_app):
    with worker_mode(laravel_app) as s:
        before = set(s.worker_pids())
        assert httpx.get(s.url + "/api/hello").json() == {"message": "hello"}
        controller = s.app / "app" / "Http" / "Controllers" / "ResponseController.php"
        controller.write_text(controller.read_text().replace("'hello'", "'hello again'", 1))
        reload = s.command("reload")
        assert reload.returncode == 0 and "reloaded in" in reload.stdout, reload.stdout + reload.stderr
        assert not before & set(s.worker_pids())
        assert httpx.get(s.url + "/api/hello").json() == {"message": "hello again"}


def test_a_slow_request_in_one_worker_does_not_stall_the_other_workers_connections(laravel_app):
    with worker_mode(laravel_app) as s:
        # Two keep-alive connections, each owned by a different worker.
        clients, pids = [], set()
        for _ in range(200):
            if len(pids) == 2:
                break
            c = httpx.Client(base_url=s.url, timeout=10)
            pid = c.get("/pid").json()["pid"]
            if pid in pids:
                c.close()
                continue
            pids.add(pid)
            clients.append(c)
        assert len(pids) == 2, "200 connections all went to one worker"
        busy, free = clients
        slow = threading.Thread(target=lambda: busy.get("/sleep/1500"))
        slow.start()
        time.sleep(0.2)
        started = time.time()
        for _ in range(5):
            assert free.get("/api/hello").status_code == 200
        assert time.time() - started < 1.0, "the other worker's connection was not held up"
        slow.join()
        for c in clients:
            c.close()


def clients_on_one_worker(s, n):
    """n keep-alive connections that one worker holds, and that worker's pid. A request
    that finds its worker's PHP thread still finishing an earlier one may be run by the
    other worker (README, "Serving modes"), so a connection counts as that worker's when
    two requests, a moment apart, both name it."""
    by_pid = {}
    for _ in range(200):
        c = httpx.Client(base_url=s.url, timeout=10)
        pids = set()
        for _ in range(2):
            time.sleep(0.02)
            pids.add(c.get("/pid").json()["pid"])
        if len(pids) > 1:
            c.close()
            continue
        pid = pids.pop()
        by_pid.setdefault(pid, []).append(c)
        if len(by_pid[pid]) == n:
            for other, cs in by_pid.items():
                if other != pid:
                    for extra in cs:
                        extra.close()
            wait_until_idle(s, pid)
            return pid, by_pid[pid]
    raise AssertionError(f"no worker took {n} connections: {sorted((p, len(c)) for p, c in by_pid.items())}")


def wait_until_idle(s, pid):
    """Until `bin/laravels status` shows worker `pid`'s PHP thread idle. A front whose PHP
    thread is still finishing its last request (the kernel's terminate, the cleaners)
    when the next request comes counts as held up, and offers that request to a free
    worker: a test that needs its next request run here waits for this first."""
    deadline = time.time() + 10
    while True:
        run = s.command("status", "--json")
        assert run.returncode == 0, run.stdout + run.stderr
        states = {p["pid"]: p.get("state") for p in json.loads(run.stdout)["processes"]}
        if states.get(pid) == "idle":
            return
        assert time.time() < deadline, f"worker {pid} never showed idle: {states}"
        time.sleep(0.05)


def test_requests_behind_a_slow_one_on_the_same_worker_are_answered_by_a_free_worker(laravel_app):
    # The issue 18 rule: a slow request must not stall the other connections of its worker.
    with worker_mode(laravel_app) as s:
        busy_pid, (slow_conn, waiting_conn) = clients_on_one_worker(s, 2)
        other_pids = set(s.worker_pids()) - {busy_pid}
        assert len(other_pids) == 1
        slow = threading.Thread(target=lambda: slow_conn.get("/sleep/2000"))
        slow.start()
        time.sleep(0.2)
        started = time.time()
        answered_by = [waiting_conn.get("/pid").json()["pid"] for _ in range(10)]
        # New connections go to the free worker too, rather than queueing behind the slow one.
        answered_by += [httpx.get(s.url + "/pid", timeout=10).json()["pid"] for _ in range(10)]
        took = time.time() - started
        assert took < 1.0, f"20 requests took {took:.2f} s while one request slept 2 s"
        assert set(answered_by) == other_pids, answered_by
        slow.join()
        # The held-up worker serves its own connection again once it is free.
        assert waiting_conn.get("/pid").json()["pid"] == busy_pid
        slow_conn.close()
        waiting_conn.close()


def test_a_request_waiting_behind_a_fatal_error_is_served_by_another_worker(laravel_app):
    with worker_mode(laravel_app) as s:
        dying_pid, (fatal_conn, waiting_conn) = clients_on_one_worker(s, 2)
        result = {}
        fatal = threading.Thread(target=lambda: result.update(r=fatal_conn.get("/memory-exhaust?after=600", timeout=30)))
        fatal.start()
        time.sleep(0.1)
        # Sent while the worker is still running the request that will kill it; with a
        # free worker beside it, this one is answered there, not with 502.
        pids = []
        for _ in range(3):
            r = waiting_conn.get("/pid")
            assert r.status_code == 200, r.text
            pids.append(r.json()["pid"])
        fatal.join()
        assert result["r"].status_code == 500
        assert dying_pid not in pids
        fatal_conn.close()
        waiting_conn.close()


def test_worker_mode_over_tls_refuses_websocket_naming_the_key(laravel_app, certs):  # noqa: F811
    # A TLS session cannot be handed to the master (README, "Serving modes").
    overrides = {**WORKER_MODE, **tls_settings(certs), "websocket": {"enable": True, "handler": "App\\Services\\EchoWebSocket"}}
    s = Server(laravel_app, env={"LARAVELS_SERVING_MODE": "worker"}, overrides=overrides)
    out = s.command("start", timeout=60)
    assert out.returncode != 0
    assert "websocket" in out.stdout + out.stderr


def test_a_worker_past_max_request_time_stops_accepting_and_the_next_request_is_served(laravel_app):
    # One worker: its front stops taking connections when its request passes the deadline;
    # the next client waits for the new worker instead of reaching the dying one.
    env = {"LARAVELS_SERVING_MODE": "worker", "LARAVELS_WORKER_NUM": "1"}
    with Server(laravel_app, env=env, overrides={**WORKER_MODE, "swoole": {"max_request_time": 1}}) as s:
        before = httpx.get(s.url + "/pid").json()["pid"]
        assert httpx.get(s.url + "/sleep/4000", timeout=10).status_code == 504
        r = httpx.get(s.url + "/pid", timeout=10)
        assert r.status_code == 200, r.text
        assert r.json()["pid"] != before


def test_tls_http11_and_http2_in_worker_mode(laravel_app, certs):  # noqa: F811
    cert, _ = certs
    overrides = {**WORKER_MODE, **tls_settings(certs)}
    with Server(laravel_app, env={"LARAVELS_SERVING_MODE": "worker"}, overrides=overrides) as s:
        url = f"https://127.0.0.1:{s.port}/echo?a=1"
        v1, status1, body1 = curl("--http1.1", "--cacert", str(cert), url)
        v2, status2, body2 = curl("--http2", "--cacert", str(cert), url)
        assert (v1, status1) == ("1.1", 200) and (v2, status2) == ("2", 200)
        for body in (body1, body2):
            echo = json.loads(body)
            assert echo["secure"] is True and echo["query"] == {"a": "1"}
        assert len(s.worker_pids()) == 2


@pytest.mark.skipif(NGINX is None, reason="nginx is installed by scripts/install-deps.sh")
def test_a_unix_socket_behind_nginx_in_worker_mode(laravel_app, tmp_path):
    sock = tmp_path / "laravels.sock"
    overrides = {**WORKER_MODE, "socket_type": 5, "listen_ip": str(sock)}
    with Server(laravel_app, env={"LARAVELS_SERVING_MODE": "worker"}, overrides=overrides) as s:
        assert f"listening on unix:{sock}" in s.startup
        with nginx(tmp_path, f"unix:{sock}", laravel_app / "public", free_port()) as front:
            check_through(front, laravel_app)


def test_new_connections_are_served_while_another_worker_is_stopped(laravel_app):
    # A worker the board still shows as accepting takes nothing while it is stopped
    # (SIGSTOP: hung, or not yet reaped); the other must not hold back for it.
    import os
    import signal

    with worker_mode(laravel_app) as s:
        pids = s.worker_pids()
        assert len(pids) == 2
        os.kill(pids[1], signal.SIGSTOP)
        try:
            clients, started = [], time.time()
            for _ in range(12):
                c = httpx.Client(base_url=s.url, timeout=10)
                clients.append(c)
                assert c.get("/pid").json()["pid"] == pids[0]
            took = time.time() - started
            assert took < 3, f"12 new connections took {took:.2f} s with one worker stopped"
        finally:
            os.kill(pids[1], signal.SIGCONT)
        for c in clients:
            c.close()


def test_a_killed_worker_closes_its_connections_and_the_next_client_is_served(laravel_app):
    # README, "Serving modes": the connections a worker holds end with it (no 502, unlike
    # master mode); it is replaced, and until then the master answers the main port.
    env = {"LARAVELS_SERVING_MODE": "worker", "LARAVELS_WORKER_NUM": "1"}
    with Server(laravel_app, env=env, overrides=WORKER_MODE) as s:
        victim = httpx.get(s.url + "/pid").json()["pid"]
        result = {}

        def sleeper():
            try:
                result["r"] = httpx.get(s.url + "/sleep/5000", timeout=10)
            except httpx.HTTPError as e:
                result["e"] = e

        t = threading.Thread(target=sleeper)
        started = time.monotonic()
        t.start()
        time.sleep(0.5)
        os.kill(victim, signal.SIGKILL)
        t.join()
        assert isinstance(result.get("e"), httpx.RemoteProtocolError), result
        assert time.monotonic() - started < 3, "the client learns at once"
        r = httpx.get(s.url + "/pid", timeout=15)
        assert r.status_code == 200 and r.json()["pid"] != victim


def test_a_connection_the_master_took_while_no_worker_served_ends_once_one_does(laravel_app):
    # README, "Serving modes": while no worker's front serves, the master answers the main
    # port; once one does again, the keep-alive connections it took end after their next
    # answer (`Connection: close`), so their clients reconnect to a front.
    env = {"LARAVELS_SERVING_MODE": "worker", "LARAVELS_WORKER_NUM": "1"}
    with Server(laravel_app, env=env, overrides=WORKER_MODE) as s:
        victim = httpx.get(s.url + "/pid").json()["pid"]
        os.kill(victim, signal.SIGKILL)
        # The master takes the port within 100 ms; the replacement boots well after.
        time.sleep(0.15)
        with httpx.Client(base_url=s.url, timeout=15) as c:
            answers = [c.get("/pid") for _ in range(3)]
        assert [r.status_code for r in answers] == [200, 200, 200]
        assert all(r.json()["pid"] != victim for r in answers)
        closes = [r.headers.get("connection") for r in answers]
        # The first answer may come while the master still covers; the close comes once,
        # and the request after it is on a connection a front holds, which stays open.
        assert closes.count("close") == 1 and closes[-1] != "close", closes
