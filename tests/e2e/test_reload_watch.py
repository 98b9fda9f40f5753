"""Reload on code change (the seed's "修改代码后自动Reload"): `inotify_reload` watched by the
server itself (inotify, or polling with `poll_ms`), and the published `bin/inotify` and
`bin/fswatch` that watch from outside and run `php bin/laravels reload`."""
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from harness import EXTENSION, Server

# The watcher's line for each reload, and the master's line that follows it.
CHANGED = re.compile(r"\[master\] reloading: (\S+) changed \((\d+) more\)")
REPLACED = re.compile(r"\[master\] reloading: (\d+) worker\(s\) finish their current request and are replaced")


def controller(app: Path) -> Path:
    return app / "app" / "Http" / "Controllers" / "ResponseController.php"


def hello(s: Server) -> str:
    return httpx.get(s.url + "/api/hello", timeout=5).json()["message"]


def edit_hello(app: Path, answer: str) -> None:
    path = controller(app)
    text = re.sub(r"\['message' => '[^']*'\]", f"['message' => '{answer}']", path.read_text(), count=1)
    path.write_text(text)


def wait_for_answer(s: Server, answer: str, limit: float) -> float:
    """Seconds until /api/hello answers `answer`; fails after `limit`."""
    started = time.monotonic()
    seen = None
    while time.monotonic() - started < limit:
        try:
            seen = hello(s)
        except httpx.HTTPError as e:  # a request caught by the reload must not fail
            pytest.fail(f"request failed during the reload: {e!r}")
        if seen == answer:
            return time.monotonic() - started
        time.sleep(0.02)
    pytest.fail(f"still {seen!r} after {limit}s, not {answer!r}\nlog:\n{s.read_log()}")


def changes(s: Server) -> list[tuple[str, int]]:
    return [(m.group(1), int(m.group(2))) for m in CHANGED.finditer(s.read_log())]


def reloads(s: Server) -> list[int]:
    return [int(n) for n in REPLACED.findall(s.read_log())]


def read_pid(path: Path) -> int:
    """The pid in a pid file; 0 while it is missing or being rewritten."""
    try:
        return int(path.read_text().split()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return 0


def inotify_fds(pid: int) -> int:
    fds = Path(f"/proc/{pid}/fd")
    return sum(1 for fd in fds.iterdir() if os.readlink(fd) == "anon_inode:inotify")


def watching(overrides: dict | None = None) -> dict:
    return {"inotify_reload": {"enable": True, **(overrides or {})}}


def one_worker(app: Path, overrides: dict | None = None) -> Server:
    """One HTTP worker, so the worker that answered "hello" is the only one: a worker that
    had not loaded the controller yet would answer the edit without any reload."""
    return Server(app, env={"LARAVELS_WORKER_NUM": "1"}, overrides=overrides)


def test_an_edited_controller_answers_anew_within_a_second(laravel_app):
    with one_worker(laravel_app, watching()) as s:
        assert f"watching {laravel_app} with inotify" in s.read_log()
        assert inotify_fds(s.master_pid()) == 1, "the master watches with inotify"
        assert hello(s) == "hello"
        before = set(s.worker_pids())

        edit_hello(s.app, "hello, edited")
        took = wait_for_answer(s, "hello, edited", 1.0)
        print(f"new answer after {took:.3f}s")

        assert changes(s) == [(str(controller(s.app)), 0)]
        # Every process was replaced: the one HTTP worker here.
        assert reloads(s) == [1]
        deadline = time.time() + 5
        while time.time() < deadline and set(s.worker_pids()) & before:
            time.sleep(0.05)
        assert not set(s.worker_pids()) & before, "the old workers left"
        # What the new workers wrote while booting (caches, logs) starts no second reload.
        time.sleep(1.0)
        assert len(changes(s)) == 1 and reloads(s) == [1], s.read_log()


def test_a_burst_of_200_files_is_one_reload_and_new_directories_are_watched(laravel_app):
    with Server(laravel_app, overrides=watching()) as s:
        burst = s.app / "app" / "Burst"
        burst.mkdir()
        for i in range(200):
            (burst / f"F{i}.php").write_text(f"<?php\nreturn {i};\n")
        deadline = time.time() + 3
        while time.time() < deadline and not reloads(s):
            time.sleep(0.05)
        time.sleep(1.0)
        found = changes(s)
        assert len(found) == 1 and len(reloads(s)) == 1, s.read_log()
        first, more = found[0]
        assert re.fullmatch(re.escape(str(burst)) + r"/F\d+\.php", first) and more == 199, found

        # Directories made after the start are watched, however deep.
        deep = burst / "Deep" / "Er"
        deep.mkdir(parents=True)
        time.sleep(0.3)
        (deep / "X.php").write_text("<?php\n")
        deadline = time.time() + 3
        while time.time() < deadline and len(changes(s)) < 2:
            time.sleep(0.05)
        assert changes(s)[1:] == [(str(deep / "X.php"), 0)], s.read_log()


def test_excluded_dirs_and_other_file_types_start_no_reload(laravel_app):
    overrides = watching({"excluded_dirs": ["storage", str(laravel_app / "app" / "Ignored")]})
    with Server(laravel_app, overrides=overrides) as s:
        ignored = s.app / "app" / "Ignored"
        ignored.mkdir()
        (ignored / "Skipped.php").write_text("<?php\n")
        (s.app / "storage" / "app" / "cached.php").write_text("<?php\n")
        (s.app / "app" / "notes.txt").write_text("not code\n")
        (s.app / "app" / "Http" / "Kernel.php.swp").write_text("an editor's swap file\n")
        time.sleep(1.0)
        assert changes(s) == [] and reloads(s) == [], s.read_log()

        # The watcher was alive all along: a .php file outside them reloads.
        (s.app / "app" / "Counted.php").write_text("<?php\n")
        deadline = time.time() + 3
        while time.time() < deadline and not reloads(s):
            time.sleep(0.05)
        assert changes(s) == [(str(s.app / "app" / "Counted.php"), 0)], s.read_log()


def test_a_file_change_reloads_task_workers_the_timer_and_custom_processes(laravel_app):
    overrides = {
        **watching(),
        "swoole": {"task_worker_num": 1},
        "timer": {"enable": True, "jobs": [["App\\Jobs\\Timer\\CountJob", [100, True]]]},
        "processes": {"test": {"class": "App\\Processes\\TestProcess", "redirect": False, "pipe": 1, "restart_interval": 1}},
    }
    with one_worker(laravel_app, overrides) as s:
        timer_pid_file = s.app / "storage" / "laravels-timer-process.pid"
        processes = s.app / "storage" / "laravels-custom-processes.pid"
        events = s.app / "storage" / "app" / "process-events.log"
        deadline = time.time() + 10
        while time.time() < deadline and not (timer_pid_file.exists() and processes.exists()):
            time.sleep(0.05)
        timer = read_pid(timer_pid_file)
        # The file holds pids only, one a line, as LaravelS writes it.
        custom = int(processes.read_text().split()[-1])

        (s.app / "app" / "Touched.php").write_text("<?php\n")
        deadline = time.time() + 10
        while time.time() < deadline and not (
            read_pid(timer_pid_file) not in (0, timer) and events.exists() and f"reload {custom}" in events.read_text()
        ):
            time.sleep(0.05)
        # One reload for all: the HTTP worker, the task worker, the timer and the process.
        assert reloads(s) == [4], s.read_log()
        assert read_pid(timer_pid_file) not in (0, timer), "the timer process was replaced"
        assert f"reload {custom}" in events.read_text(), "the custom process's onReload ran"


def test_polling_reloads_without_inotify(laravel_app):
    with one_worker(laravel_app, watching({"poll_ms": 100, "excluded_dirs": ["vendor", "storage"]})) as s:
        assert re.search(rf"watching {re.escape(str(laravel_app))} by polling every 100 ms \(\d+ files\)", s.read_log())
        assert inotify_fds(s.master_pid()) == 0, "polling opens no inotify instance"
        assert hello(s) == "hello"
        edit_hello(s.app, "hello, polled")
        took = wait_for_answer(s, "hello, polled", 1.5)
        print(f"new answer after {took:.3f}s")
        assert changes(s) == [(str(controller(s.app)), 0)]

        (s.app / "app" / "Http" / "Controllers" / "Gone.php").write_text("<?php\n")
        deadline = time.time() + 3
        while time.time() < deadline and len(changes(s)) < 2:
            time.sleep(0.05)
        (s.app / "app" / "Http" / "Controllers" / "Gone.php").unlink()
        deadline = time.time() + 3
        while time.time() < deadline and len(changes(s)) < 3:
            time.sleep(0.05)
        assert [c for c, _ in changes(s)[1:]] == [str(s.app / "app" / "Http" / "Controllers" / "Gone.php")] * 2, "new and deleted files count"


def test_log_false_reloads_without_naming_the_file(laravel_app):
    with one_worker(laravel_app, watching({"log": False})) as s:
        assert hello(s) == "hello"
        edit_hello(s.app, "hello, quietly")
        wait_for_answer(s, "hello, quietly", 1.5)
        assert changes(s) == [] and reloads(s) == [1]


@pytest.mark.parametrize("script,tool", [("inotify", "inotifywait"), ("fswatch", "fswatch")])
def test_the_published_outside_watcher_reloads_a_running_server(laravel_app, tmp_path, script, tool):
    assert shutil.which(tool), f"{tool} is installed by scripts/install-deps.sh"
    runner = laravel_app / "bin" / script
    # `php artisan laravels publish` (run when the example app was prepared) copied it.
    assert runner.is_file() and os.access(runner, os.X_OK)
    # The script runs `php bin/laravels reload`; this php loads the freshly built extension.
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "php").write_text(f"#!/bin/sh\nexec '{shutil.which('php')}' -d 'extension={EXTENSION}' \"$@\"\n")
    (shim / "php").chmod(0o755)
    with one_worker(laravel_app) as s:
        assert hello(s) == "hello"
        env = {**s.env, "PATH": f"{shim}:{os.environ['PATH']}"}
        watcher = subprocess.Popen(
            [f"./bin/{script}", "./app"], cwd=s.app, env=env, start_new_session=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        try:
            assert "watching ./app" in watcher.stdout.readline()
            time.sleep(1.0)  # the tool sets its watches up after it printed nothing yet
            (s.app / "app" / "notes.txt").write_text("not code\n")
            time.sleep(0.8)
            edit_hello(s.app, f"hello from {script}")
            wait_for_answer(s, f"hello from {script}", 10)
            assert reloads(s) == [1], "one reload, by `php bin/laravels reload` (SIGUSR1): the .txt file started none"
        finally:
            os.killpg(watcher.pid, signal.SIGTERM)
            out, _ = watcher.communicate(timeout=10)
        assert "ResponseController.php changed" in out and "notes.txt" not in out, out
