"""`php bin/laravels status` (test_status.py) with every server in serving_mode 'worker'
(README, "Serving modes"): the master answers from the fronts' board what each HTTP
worker's PHP thread runs, since when, and how many requests it answered, though none of
those requests passed the master.
"""
from __future__ import annotations

import threading
import time


from harness import Server
# The README's tests, collected again in this module, where every server runs in worker mode.
from test_status import *  # noqa: F401,F403
from test_status import status
from test_serving_mode import clients_on_one_worker


# conftest.py runs every server of this module in this serving_mode.
SERVING_MODE = "worker"


def test_forwarded_requests_are_served_by_the_worker_that_ran_them(laravel_app):
    # Worker mode only: requests a held-up worker's front forwards run in the other
    # worker, whose count they join; the held-up one shows its slow request meanwhile.
    with Server(laravel_app) as s:
        busy_pid, (slow_conn, waiting_conn) = clients_on_one_worker(s, 2)
        before = {p["pid"]: p["served"] for p in status(s)["processes"]}
        ran = {}
        slow = threading.Thread(target=lambda: ran.update(on=slow_conn.get("/sleep/2000?key=secret").json()["pid"]))
        slow.start()
        time.sleep(0.2)
        for _ in range(10):
            waiting_conn.get("/pid")
        held = {p["pid"]: p for p in status(s)["processes"]}
        assert held[busy_pid]["state"] == "busy" and held[busy_pid]["current"] == "GET /sleep/2000", held
        slow.join()
        assert ran["on"] == busy_pid, "the slow request ran on the other worker"
        after = {p["pid"]: p for p in status(s)["processes"]}
        other = next(pid for pid in after if pid != busy_pid)
        assert after[other]["served"] - before[other] == 10, (before, after)
        assert after[busy_pid]["served"] - before[busy_pid] == 1, (before, after)
        assert all(p["state"] == "idle" for p in after.values())
        slow_conn.close()
        waiting_conn.close()
