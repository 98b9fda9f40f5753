"""Custom processes (`processes`): the README's TestProcess echoing through its pipe,
restarted when killed, onReload on reload and onStop on stop."""
import os
import signal
import subprocess
import time

import httpx

from harness import Server

PROCESSES = {"test": {"class": "App\\Processes\\TestProcess", "redirect": False, "pipe": 1, "restart_interval": 1}}


def process_pids(app):
    """The pid file as LaravelS writes it: one pid a line, nothing else (int() fails otherwise)."""
    path = app / "storage" / "laravels-custom-processes.pid"
    return [int(line) for line in path.read_text().splitlines()] if path.exists() else []


def parent(pid):
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])


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
        assert wait(lambda: len(process_pids(s.app)) == 1 and process_pids(s.app) != [first]), "restarted after restart_interval, the dead pid dropped"
        assert "TestProcess: TestController" in httpx.get(s.url + "/process/write").text

        second = process_pids(s.app)[-1]
        assert s.command("reload").returncode == 0
        assert wait(lambda: events.exists() and f"reload {second}" in events.read_text())
        assert wait(lambda: len(process_pids(s.app)) == 1 and process_pids(s.app) != [second])
        third = process_pids(s.app)[-1]
    assert f"stop {third}" in events.read_text()


def test_a_wrong_process_class_stops_start_up(laravel_app):
    bad = Server(laravel_app, overrides={"processes": {"x": {"class": "App\\Nope"}}}).command("start")
    assert bad.returncode == 1 and "laravels.processes.x.class" in bad.stderr


def test_the_pid_file_holds_pids_only_and_kill_takes_it_as_arguments(laravel_app):
    """LaravelS's storage/laravels-custom-processes.pid: `kill -USR1 $(cat ...)` reaches
    every custom process (each runs its onReload and is started again)."""
    processes = {"test": {**PROCESSES["test"], "num": 2}}
    s = Server(laravel_app, overrides={"processes": processes})
    events = laravel_app / "storage" / "app" / "process-events.log"
    path = laravel_app / "storage" / "laravels-custom-processes.pid"
    with s:
        assert wait(lambda: len(process_pids(s.app)) == 2)
        lines = path.read_text().splitlines()
        assert all(line.isdigit() for line in lines), lines
        for pid in map(int, lines):
            assert "laravels: custom process test#" in open(f"/proc/{pid}/cmdline").read()
            assert parent(parent(pid)) == s.master_pid(), "a child of our manager"
        killed = subprocess.run(["bash", "-c", f"kill -USR1 $(cat {path})"], capture_output=True, text=True)
        assert killed.returncode == 0, killed.stderr
        old = set(map(int, lines))
        assert wait(lambda: events.exists() and all(f"reload {pid}" in events.read_text() for pid in old))
        assert wait(lambda: len(process_pids(s.app)) == 2 and not old & set(process_pids(s.app))), "restarted, the file names the new ones only"


# The seed's TestProcess (README-CN, 自定义进程), as written there: a loop around
# Coroutine::sleep(1) that delivers a task each turn, ended by onReload/onStop setting $quit.
SEED_PROCESS = """<?php
namespace App\\Processes;
use App\\Tasks\\TestTask;
use Hhxsv5\\LaravelS\\Swoole\\Process\\CustomProcessInterface;
use Hhxsv5\\LaravelS\\Swoole\\Task\\Task;
use Swoole\\Coroutine;
use Swoole\\Http\\Server;
use Swoole\\Process;
class SeedProcess implements CustomProcessInterface
{
    private static $quit = false;

    public static function callback(Server $swoole, Process $process)
    {
        while (!self::$quit) {
            \\Log::info('Test process: running');
            Coroutine::sleep(1);
            $ret = Task::deliver(new TestTask('task data'));
            var_dump($ret);
        }
    }
    public static function onReload(Server $swoole, Process $process)
    {
        \\Log::info('Test process: reloading');
        file_put_contents(storage_path('app/process-events.log'), 'reload ' . getmypid() . "\\n", FILE_APPEND);
        self::$quit = true;
    }
    public static function onStop(Server $swoole, Process $process)
    {
        \\Log::info('Test process: stopping');
        file_put_contents(storage_path('app/process-events.log'), 'stop ' . getmypid() . "\\n", FILE_APPEND);
        self::$quit = true;
    }
}
"""


def test_the_seed_process_sleeping_in_coroutine_sleep_stops_at_once_on_reload_and_stop(laravel_app):
    """onReload runs while callback() sleeps in Coroutine::sleep(1): the sleep is cut short,
    the loop sees $quit and callback() returns, so `reload` returns as soon as the process
    is replaced (well under max_wait_time, after which it would be killed)."""
    (laravel_app / "app" / "Processes" / "SeedProcess.php").write_text(SEED_PROCESS)
    processes = {"seed": {"class": "App\\Processes\\SeedProcess", "redirect": False, "pipe": 0, "restart_interval": 1}}
    events = laravel_app / "storage" / "app" / "process-events.log"
    s = Server(laravel_app, overrides={"processes": processes, "swoole": {"task_worker_num": 1}})
    with s:
        assert wait(lambda: len(process_pids(s.app)) == 1)
        first = process_pids(s.app)[-1]
        time.sleep(1.3)  # inside its second Coroutine::sleep(1)
        started = time.time()
        reload = s.command("reload")
        took = time.time() - started
        assert reload.returncode == 0, reload.stdout + reload.stderr
        assert f"reload {first}" in events.read_text()
        assert took < 2.0, f"reload took {took:.2f}s"
        assert "did not stop" not in s.read_log()
        assert wait(lambda: len(process_pids(s.app)) == 1 and process_pids(s.app) != [first])
        second = process_pids(s.app)[-1]
        started = time.time()
    assert time.time() - started < 2.0, "stop did not wait for max_wait_time"
    assert f"stop {second}" in events.read_text()
