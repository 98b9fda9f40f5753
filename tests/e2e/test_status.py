"""`php bin/laravels status [--json]`: each process of the running server, answered by the
master while every worker is busy (issue 13, item 5)."""
import json
import threading
import time

import httpx

from harness import IS_LUMEN, Server

HELLO = "/hello" if IS_LUMEN else "/api/hello"


def status(s: Server) -> dict:
    run = s.command("status", "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(run.stdout)


def test_status_lists_each_process_with_its_pid_requests_and_memory(laravel_app):
    s = Server(laravel_app, overrides={"swoole": {"task_worker_num": 1}})
    with s:
        for _ in range(20):
            assert httpx.get(s.url + HELLO).status_code == 200
        report = status(s)
        assert report["master"]["pid"] == s.master_pid()
        assert report["master"]["draining"] is False
        processes = report["processes"]
        assert [(p["id"], p["role"]) for p in processes] == [(0, "worker"), (1, "worker"), (2, "task worker")]
        assert sorted(p["pid"] for p in processes) == sorted(s.worker_pids())
        assert all(p["state"] == "idle" and p["current"] is None for p in processes)
        assert sum(p["served"] for p in processes[:2]) == 20
        assert all(10_000_000 < p["rss_bytes"] < 1_000_000_000 for p in processes)

        table = s.command("status")
        assert table.returncode == 0, table.stderr
        assert f"master pid {s.master_pid()}" in table.stdout
        assert "worker #0" in table.stdout and "task worker #2" in table.stdout and "idle" in table.stdout


def test_a_busy_worker_shows_its_request_and_for_how_long_without_its_query(laravel_app):
    with Server(laravel_app) as s:
        sleepers = [threading.Thread(target=httpx.get, args=(s.url + "/sleep/3000?token=secret",), kwargs={"timeout": 10}) for _ in range(2)]
        for t in sleepers:
            t.start()
        time.sleep(1)
        started = time.time()
        report = status(s)
        took = time.time() - started
        busy = [p for p in report["processes"] if p["state"] == "busy"]
        assert len(busy) == 2, report
        assert all(p["current"] == "GET /sleep/3000" for p in busy), busy
        assert all(500 <= p["busy_ms"] < 3000 for p in busy), busy
        assert "secret" not in json.dumps(report)
        # Every worker is busy, and still the master answered: the command took well
        # under the 2 s the sleepers have left.
        assert took < 2, took
        for t in sleepers:
            t.join()
        assert all(p["state"] == "idle" for p in status(s)["processes"])


def test_status_of_a_server_that_is_not_running_says_so(laravel_app):
    run = Server(laravel_app).command("status")
    assert run.returncode == 1
    assert "not running" in run.stdout + run.stderr
