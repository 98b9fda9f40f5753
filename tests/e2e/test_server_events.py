"""event_handlers: ServerStart in the master before the fork, WorkerStart/WorkerStop in
each worker, ServerStop in the master after it stopped; bad entries stop start-up."""
import httpx

from harness import Server

HANDLERS = {
    "ServerStart": ["App\\ServerEvents\\ServerStartEvent"],
    "WorkerStart": ["App\\ServerEvents\\WorkerStartEvent"],
    "WorkerStop": ["App\\ServerEvents\\WorkerStopEvent"],
    "ServerStop": ["App\\ServerEvents\\ServerStopEvent"],
}


def test_server_and_worker_events_run_where_the_readme_says(laravel_app):
    s = Server(laravel_app, overrides={"event_handlers": HANDLERS})
    with s:
        master = s.master_pid()
        seen = {httpx.get(s.url + "/pid").json()["server_started_by"] for _ in range(4)}
        assert seen == {master}, "what ServerStart attached in the master is seen in every worker"
        workers = set(s.worker_pids())
    lines = [line.split() for line in (laravel_app / "storage" / "app" / "server-events.log").read_text().splitlines()]
    starts = {(w, int(p)) for e, w, p in (l for l in lines if l[0] == "WorkerStart")}
    stops = {(w, int(p)) for e, w, p in (l for l in lines if l[0] == "WorkerStop")}
    assert starts == stops and {p for _, p in starts} == workers and {w for w, _ in starts} == {"0", "1"}
    assert ["ServerStop", str(master)] == lines[-1]


def test_a_wrong_event_handler_stops_start_up_with_the_key(laravel_app):
    bad = Server(laravel_app, overrides={"event_handlers": {"WorkerStart": ["App\\Nope"]}}).command("start")
    assert bad.returncode == 1
    assert "laravels.event_handlers.WorkerStart.0" in bad.stderr and "App\\Nope" in bad.stderr
    typo = Server(laravel_app, overrides={"event_handlers": {"WorkerStarted": []}}).command("start")
    assert typo.returncode == 1 and "WorkerStarted is not an event" in typo.stderr


def test_worker_error_reports_a_killed_worker_and_a_fatal_error(laravel_app):
    import os
    import signal
    import time

    s = Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"},
               overrides={"event_handlers": {"WorkerError": ["App\\ServerEvents\\WorkerErrorEvent"]}})
    log = laravel_app / "storage" / "app" / "server-events.log"

    def wait_lines(n):
        deadline = time.time() + 10
        while time.time() < deadline:
            if log.exists() and len(log.read_text().splitlines()) >= n:
                return [line.split() for line in log.read_text().splitlines()]
            time.sleep(0.05)
        raise AssertionError(log.read_text() if log.exists() else "no WorkerError")

    with s:
        victim = httpx.get(s.url + "/pid").json()["pid"]
        os.kill(victim, signal.SIGKILL)
        assert wait_lines(1)[0] == ["WorkerError", "0", str(victim), "0", "9"]
        time.sleep(1.2)  # past the quick-death pause, so the next worker is up
        second = httpx.get(s.url + "/pid").json()["pid"]
        assert httpx.get(s.url + "/memory-exhaust", timeout=30).status_code == 500
        assert wait_lines(2)[1] == ["WorkerError", "0", str(second), "255", "0"]
