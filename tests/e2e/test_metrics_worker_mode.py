"""The README's metrics (test_metrics.py) with every server in serving_mode 'worker'
(README, "Serving modes"): each HTTP worker's front answers its own connections, and the
master still answers the scrape with one exposition. The counters live in shared memory,
so the fronts' responses, durations and queue waits are counted there; the gauges read
the fronts' board (busy and idle workers, requests waiting at the fronts); a worker that
leaves says why on the board, so restarts keep their cause.
"""
from __future__ import annotations

import json
import threading
import time

import httpx

from harness import IS_LUMEN, Server
# The README's tests, collected again in this module, where every server runs in worker mode.
from test_metrics import *  # noqa: F401,F403
from test_metrics import ON_MAIN_PORT, PATH, scrape, wait_for
from test_serving_mode import clients_on_one_worker

HELLO = "/hello" if IS_LUMEN else "/api/hello"


# conftest.py runs every server of this module in this serving_mode.
SERVING_MODE = "worker"


def test_a_request_a_held_up_worker_forwards_is_counted_once(laravel_app):
    # Worker mode only: a front held up by a slow request hands the requests waiting for
    # it to a free worker's front, which runs them; each response is counted once, and
    # the held-up worker shows busy meanwhile.
    with Server(laravel_app, overrides=ON_MAIN_PORT) as s:
        url = s.url + PATH
        busy_pid, (slow_conn, waiting_conn) = clients_on_one_worker(s, 2)
        before = scrape(url)
        ran = {}
        slow = threading.Thread(target=lambda: ran.update(on=slow_conn.get("/sleep/1500").json()["pid"]))
        slow.start()
        time.sleep(0.2)
        held = scrape(url)
        assert held['laravels_workers_busy{role="http"}'] == 1, held
        assert held['laravels_workers_idle{role="http"}'] == 1, held
        started = time.time()
        answered_by = {waiting_conn.get("/pid").json()["pid"] for _ in range(10)}
        took = time.time() - started
        slow.join()
        assert ran["on"] == busy_pid, "the slow request ran on the other worker"
        assert busy_pid not in answered_by, (answered_by, f"{took:.2f} s")
        after = wait_for(url, 'laravels_workers_busy{role="http"}', lambda v: v == 0)
        slow_conn.close()
        waiting_conn.close()
    ok = 'laravels_requests_total{code="2xx"}'
    # 10 forwarded + the slow one, and the scrapes before the last (each counted once
    # its response is made): `before`, `held`, and any extra round of `wait_for`.
    assert 13 <= after[ok] - before[ok] <= 15, (before[ok], after[ok])
    count = after["laravels_request_duration_seconds_count"]
    assert count == sum(v for k, v in after.items() if k.startswith("laravels_requests_total"))
    # Each request the PHP threads took was observed once in the queue wait.
    took = after["laravels_queue_wait_seconds_count"] - before["laravels_queue_wait_seconds_count"]
    assert took == 11, took
    assert after['laravels_workers_idle{role="http"}'] == 2
    assert after["laravels_queue_depth"] == 0


def test_a_workers_503s_are_counted_in_queue_rejected_and_status(laravel_app):
    # Worker mode only: the overload policy answers in the worker's front, whose count
    # the master reads from the board for the metrics and `shed` of status.
    overrides = {**ON_MAIN_PORT, "queue": {"max_wait_seconds": 1}}
    with Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"}, overrides=overrides) as s:
        url = s.url + PATH
        assert scrape(url)["laravels_queue_rejected_total"] == 0
        sleeper = threading.Thread(target=httpx.get, args=(s.url + "/sleep/3000",), kwargs={"timeout": 10})
        sleeper.start()
        time.sleep(0.3)
        started = time.time()
        r = httpx.get(s.url + HELLO, timeout=10)
        assert r.status_code == 503 and r.headers["retry-after"], (r, f"{time.time() - started:.2f} s")
        got = scrape(url)
        assert got["laravels_queue_rejected_total"] == 1, got
        assert got['laravels_requests_total{code="5xx"}'] == 1
        run = s.command("status", "--json")
        assert json.loads(run.stdout)["master"]["shed"] == 1, run.stdout
        sleeper.join()
