"""The timer process: millisecond cron jobs, failures logged, reload and stop."""
import time

import httpx

from harness import Server


def timer_server(app):
    s = Server(app, env={"LARAVELS_WORKER_NUM": "1"})
    s.set_overrides({"timer": {"enable": True, "max_wait_time": 5, "jobs": [
        ["App\\Jobs\\Timer\\CountJob", [100, True]],
        "App\\Jobs\\Timer\\FailingJob",
    ]}})
    return s


def runs(app):
    log = app / "storage" / "app" / "timer" / "count.log"
    if not log.exists():
        return []
    return [(float(t), int(p)) for t, p in (line.split() for line in log.read_text().splitlines())]


def test_a_100ms_job_runs_ten_times_a_second_and_failures_do_not_stop_it(laravel_app):
    with timer_server(laravel_app) as s:
        assert "timer" in s.startup
        pid_file = s.app / "storage" / "laravels-timer-process.pid"
        time.sleep(3.2)
        done = runs(s.app)
        first = done[0][0]
        in_3s = [t for t, _ in done if t - first < 3.0]
        assert 29 <= len(in_3s) <= 31, len(in_3s)
        gaps_ms = [(b - a) * 1000 for (a, _), (b, _) in zip(done, done[1:])]
        assert max(abs(g - 100) for g in gaps_ms) < 80, gaps_ms
        assert s.read_log().count("this cron job fails on purpose") >= 5
        timer_pid = int(pid_file.read_text())
        assert {p for _, p in done} == {timer_pid}
        assert "laravels: timer process" in open(f"/proc/{timer_pid}/cmdline").read()

        reload = s.command("reload")
        assert reload.returncode == 0, reload.stderr
        deadline = time.time() + 10
        while time.time() < deadline and (not pid_file.exists() or int(pid_file.read_text()) == timer_pid):
            time.sleep(0.1)
        new_pid = int(pid_file.read_text())
        assert new_pid != timer_pid, "reload replaced the timer process"
        time.sleep(0.5)
        assert runs(s.app)[-1][1] == new_pid
    assert not pid_file.exists(), "stop ends the timer process"


def test_laravel_schedule_job_runs_the_console_kernels_schedule(laravel_app):
    s = Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"})
    # Every 500 ms instead of every minute, so the test does not wait for one.
    s.set_overrides({"timer": {"enable": True, "jobs": [["Hhxsv5\\LaravelS\\Illuminate\\LaravelScheduleJob", [500, True]]]}})
    with s:
        log = s.app / "storage" / "app" / "timer" / "schedule.log"
        deadline = time.time() + 10
        while time.time() < deadline and not (log.exists() and len(log.read_text().splitlines()) >= 2):
            time.sleep(0.1)
        pids = set(log.read_text().split())
        assert len(log.read_text().splitlines()) >= 2 and pids == {(s.app / "storage" / "laravels-timer-process.pid").read_text().strip()}


def test_reload_waits_for_a_running_job_at_most_timer_max_wait_time(laravel_app):
    s = Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"})
    s.set_overrides({"timer": {"enable": True, "max_wait_time": 1, "jobs": ["App\\Jobs\\Timer\\SlowJob"]}})
    with s:
        pid_file = s.app / "storage" / "laravels-timer-process.pid"
        time.sleep(0.5)
        old = int(pid_file.read_text())
        started = time.time()
        assert s.command("reload").returncode == 0
        took = time.time() - started
        assert took < 2.8, f"reload waited {took:.1f}s for a 3 s job with max_wait_time 1"
        assert "did not stop within 1s" in s.read_log()
        deadline = time.time() + 5
        while time.time() < deadline and (not pid_file.exists() or int(pid_file.read_text()) == old):
            time.sleep(0.1)
        assert int(pid_file.read_text()) != old


def test_a_cron_job_can_deliver_tasks(laravel_app):
    s = Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"})
    s.set_overrides({"swoole": {"task_worker_num": 1}, "timer": {"enable": True, "jobs": ["App\\Jobs\\Timer\\DeliveringJob"]}})
    with s:
        handled = s.app / "storage" / "app" / "tasks" / "from-timer-1.handled"
        deadline = time.time() + 10
        while time.time() < deadline and not handled.exists():
            time.sleep(0.05)
        assert handled.exists()
        time.sleep(0.3)
        assert not (s.app / "storage" / "app" / "tasks" / "from-timer-1.finished").exists(), "no finish() for the timer's tasks"
