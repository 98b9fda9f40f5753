"""Custom processes (`processes`): the README's TestProcess echoing through its pipe,
restarted when killed, onReload on reload and onStop on stop."""
import os
import signal
import time

import httpx

from harness import Server

PROCESSES = {"test": {"class": "App\\Processes\\TestProcess", "redirect": False, "pipe": 1, "restart_interval": 1}}


def process_pids(app):
    path = app / "storage" / "laravels-custom-processes.pid"
    return [int(line.split()[1]) for line in path.read_text().splitlines()] if path.exists() else []


def wait(check, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_custom_process_echoes_restarts_reloads_and_stops(laravel_app):
    s = Server(laravel_app, env={"LARAVELS_WORKER_NUM": "2"}, overrides={"processes": PROCESSES})
    events = laravel_app / "storage" / "app" / "process-events.log"
    with s:
        assert "process" in s.startup
        body = httpx.get(s.url + "/process/write").text
        assert 'string(' in body and "TestProcess: TestController: write data" in body
        first = process_pids(s.app)[-1]
        assert "laravels: custom process test#0" in open(f"/proc/{first}/cmdline").read()

        os.kill(first, signal.SIGKILL)
        assert wait(lambda: len(process_pids(s.app)) == 2), "restarted after restart_interval"
        assert "TestProcess: TestController" in httpx.get(s.url + "/process/write").text

        second = process_pids(s.app)[-1]
        assert s.command("reload").returncode == 0
        assert wait(lambda: events.exists() and f"reload {second}" in events.read_text())
        assert wait(lambda: len(process_pids(s.app)) == 3)
        third = process_pids(s.app)[-1]
    assert f"stop {third}" in events.read_text()


def test_a_wrong_process_class_stops_start_up(laravel_app):
    bad = Server(laravel_app, overrides={"processes": {"x": {"class": "App\\Nope"}}}).command("start")
    assert bad.returncode == 1 and "laravels.processes.x.class" in bad.stderr
