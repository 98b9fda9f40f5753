"""Liveness, readiness and the drain on stop (issue 13, item 3), through real HTTP clients.

Liveness is 200 while the master runs; readiness is 200 while an HTTP worker is booted
and the server is not stopping, else 503; on stop, readiness turns 503 first and the
server keeps serving for `health.drain_seconds` before its listeners close.
"""
import signal
import threading
import time

import httpx
import pytest

from harness import IS_LUMEN, Server
from test_boot import THROWS, inject

HELLO = "/hello" if IS_LUMEN else "/api/hello"
HEALTH = {"health": {"liveness_path": "/healthz", "readiness_path": "/readyz"}}


def test_off_by_default_the_paths_are_the_apps(laravel_app):
    with Server(laravel_app) as s:
        assert httpx.get(s.url + "/healthz").status_code == 404
        assert httpx.get(s.url + "/readyz").status_code == 404


def test_liveness_and_readiness_answer_without_php(laravel_app):
    with Server(laravel_app, overrides=HEALTH) as s:
        live = httpx.get(s.url + "/healthz")
        assert live.status_code == 200
        assert live.json() == {"status": "alive"}
        assert live.headers["content-type"] == "application/json"
        assert live.headers["cache-control"] == "no-store"
        ready = httpx.get(s.url + "/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "workers": 2}
        head = httpx.head(s.url + "/readyz")
        assert head.status_code == 200 and head.content == b""
        # Other methods and paths are the application's.
        assert httpx.post(s.url + "/readyz").status_code in (404, 405, 419)
        assert httpx.get(s.url + "/readyz/x").status_code == 404
        # Answered by the master: with every worker busy, a probe is answered at once.
        sleepers = [threading.Thread(target=httpx.get, args=(s.url + "/sleep/2000",), kwargs={"timeout": 10}) for _ in range(2)]
        for t in sleepers:
            t.start()
        time.sleep(0.3)
        started = time.time()
        assert httpx.get(s.url + "/readyz").status_code == 200
        assert time.time() - started < 0.5
        for t in sleepers:
            t.join()


@pytest.mark.parametrize("mode", ["master", "worker"])
def test_readiness_is_503_while_no_worker_can_serve_and_liveness_stays_200(laravel_app, mode):
    # serving_mode worker: with no worker's front left, the master answers the main port.
    env = {"LARAVELS_WORKER_NUM": "1", "LARAVELS_SERVING_MODE": mode}
    with Server(laravel_app, env=env, overrides={**HEALTH, "serving_mode": mode}) as s:
        assert httpx.get(s.url + "/readyz").status_code == 200
        before = inject(laravel_app, THROWS)
        # The release does not boot: reload says so (exit 1) once the new worker failed.
        assert s.command("reload").returncode == 1
        deadline = time.time() + 15
        ready = httpx.get(s.url + "/readyz")
        while ready.status_code == 200 and time.time() < deadline:
            time.sleep(0.1)
            ready = httpx.get(s.url + "/readyz")
        assert ready.status_code == 503, ready.text
        assert ready.json() == {"status": "no worker", "workers": 0}
        assert httpx.get(s.url + "/healthz").status_code == 200
        # Fixed: the next try boots and readiness is back.
        (laravel_app / "routes" / "web.php").write_text(before)
        deadline = time.time() + 40
        while httpx.get(s.url + "/readyz").status_code != 200 and time.time() < deadline:
            time.sleep(0.2)
        assert httpx.get(s.url + "/readyz").status_code == 200


@pytest.mark.parametrize("mode", ["master", "worker"])
def test_stop_turns_readiness_503_and_keeps_serving_for_the_drain(laravel_app, mode):
    # serving_mode worker: the workers' fronts answer readiness and serve through the drain.
    overrides = {"health": {**HEALTH["health"], "drain_seconds": 3}, "serving_mode": mode}
    s = Server(laravel_app, env={"LARAVELS_SERVING_MODE": mode}, overrides=overrides).start()
    try:
        results: list[tuple[float, int | str]] = []
        stop = threading.Event()

        def load():
            with httpx.Client(timeout=5) as client:
                while not stop.is_set():
                    try:
                        results.append((time.time(), client.get(s.url + HELLO).status_code))
                    except httpx.HTTPError as e:
                        results.append((time.time(), type(e).__name__))
                        time.sleep(0.05)

        worker = threading.Thread(target=load)
        worker.start()
        time.sleep(0.5)
        s.signal(signal.SIGTERM)
        signalled = time.time()
        deadline = signalled + 1
        ready = httpx.get(s.url + "/readyz")
        while ready.status_code == 200 and time.time() < deadline:
            ready = httpx.get(s.url + "/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "draining"
        assert time.time() - signalled < 1
        s.proc.wait(30)
        stop.set()
        worker.join()
        during = [r for t, r in results if signalled <= t < signalled + 2.5]
        assert len(during) > 20 and all(r == 200 for r in during), during[:20]
        # After the drain, the listener closed: connections are refused.
        after = [r for t, r in results if t > signalled + 4]
        assert all(r != 200 for r in after), after[:5]
        log = s.read_log()
        assert "draining: readiness answers 503" in log
        assert "drain period over" in log
    finally:
        s.stop()


def test_bin_laravels_stop_says_it_drains(laravel_app):
    overrides = {"health": {**HEALTH["health"], "drain_seconds": 1}}
    s = Server(laravel_app, overrides=overrides)
    assert s.command("start", "-d").returncode == 0
    try:
        assert httpx.get(s.url + "/readyz").status_code == 200
        started = time.time()
        run = s.command("stop")
        assert run.returncode == 0, run.stdout + run.stderr
        assert "draining: readiness answers 503 for 1s" in run.stdout + run.stderr
        assert time.time() - started >= 1
    finally:
        s.command("stop")
