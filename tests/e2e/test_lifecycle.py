"""Start, stop, reload, restart and the runtime files, through bin/laravels."""
import os
import re
import shutil
import signal
import subprocess
import threading
import time

import httpx

from harness import IS_LUMEN, Server


def test_start_prints_address_and_processes_and_titles_them(server):
    assert f"listening on http://127.0.0.1:{server.port}" in server.startup
    for role in ("master", "manager", "worker #0", "worker #1"):
        assert role in server.startup
    pid = server.master_pid()
    assert str(pid) in server.startup
    titles = subprocess.run(["ps", "-o", "args=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    assert "laravels: manager process" in titles
    workers = server.worker_pids()
    assert len(workers) == 2
    for w in workers:
        assert "laravels: worker process #" in open(f"/proc/{w}/cmdline").read()
    assert (server.app / "storage" / "laravels.conf").is_file()
    r = httpx.get(server.url + "/api/hello")
    assert r.status_code == 200 and r.json() == {"message": "hello"}


def test_stop_lets_in_flight_requests_finish_and_removes_the_pid_file(server):
    result = {}

    def slow():
        result["r"] = httpx.get(server.url + "/sleep/1500", timeout=10)

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.4)
    stop = server.command("stop")
    t.join()
    assert stop.returncode == 0, stop.stderr
    assert "stopped" in stop.stdout
    assert result["r"].status_code == 200 and result["r"].json()["slept"] == 1500
    assert server.proc.wait(10) == 0
    assert not (server.app / "storage" / "laravels.pid").exists()


def test_a_second_start_is_refused_while_running(server):
    again = server.command("start", timeout=30)
    assert again.returncode != 0
    assert "already running" in again.stderr and str(server.master_pid()) in again.stderr


def test_reload_replaces_workers_without_failing_requests_and_runs_new_code(server):
    before = set(server.worker_pids())
    failures = []
    stop = threading.Event()

    def hammer():
        with httpx.Client(base_url=server.url, timeout=10) as c:
            while not stop.is_set():
                r = c.get("/api/hello")
                if r.status_code != 200:
                    failures.append(r.status_code)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    controller = server.app / "app" / "Http" / "Controllers" / "ResponseController.php"
    controller.write_text(controller.read_text().replace("'hello'", "'hello again'", 1))
    reload = server.command("reload")
    assert reload.returncode == 0 and "reloaded in" in reload.stdout, reload.stdout + reload.stderr
    deadline = time.time() + 10
    while time.time() < deadline and set(server.worker_pids()) & before:
        time.sleep(0.1)
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join()
    assert failures == []
    assert not set(server.worker_pids()) & before, "every worker was replaced"
    assert httpx.get(server.url + "/api/hello").json() == {"message": "hello again"}


def test_max_request_recycles_a_worker(laravel_app):
    with Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1", "LARAVELS_MAX_REQUEST": "3"}) as s:
        pids = [httpx.get(s.url + "/pid").json()["pid"] for _ in range(7)]
    assert pids[0] == pids[1] == pids[2]
    assert pids[3] != pids[2] and pids[3] == pids[4] == pids[5]
    assert pids[6] != pids[5]


def test_daemonize_returns_after_start_and_stop_ends_it(laravel_app):
    s = Server(laravel_app)
    started = s.command("start", "-d", timeout=30)
    try:
        assert started.returncode == 0, started.stderr
        assert "listening on" in started.stdout
        assert httpx.get(s.url + "/api/hello").status_code == 200
    finally:
        stopped = s.command("stop")
    assert stopped.returncode == 0
    try:
        httpx.get(s.url + "/api/hello", timeout=1)
        raise AssertionError("still serving after stop")
    except httpx.ConnectError:
        pass


def family(pid):
    """`pid` and every live process under it (a zombie has ended: it is not counted)."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = (fields[0], int(fields[1]))
    found, level = [], [pid]
    while level:
        found += [p for p in level if p in stats and stats[p][0] != "Z"]
        level = [p for p, (_, ppid) in stats.items() if ppid in level]
    return found


def test_restart_returns_once_the_old_processes_are_gone_and_the_new_master_serves(laravel_app):
    processes = {"test": {"class": "App\\Processes\\TestProcess", "redirect": False, "pipe": 1}}
    s = Server(laravel_app, overrides={"processes": processes, "swoole": {"task_worker_num": 1}})
    assert s.command("start", "-d").returncode == 0
    first = s.master_pid()
    old = family(first)
    assert len(old) >= 5, "master, manager, 2 workers, a task worker and a custom process"
    restarted = s.command("restart", "-d")
    try:
        assert restarted.returncode == 0, restarted.stderr
        assert [p for p in old if p in family(p)] == [], "no process of the old master is left"
        assert "waiting for the" in restarted.stdout and f"master pid {first}" in restarted.stdout
        assert s.master_pid() != first and f"restarted: master pid {s.master_pid()}" in restarted.stdout
        assert httpx.get(s.url + "/api/hello").status_code == 200, "serves at once, no retry"
    finally:
        s.command("stop")


def test_laravel_base_path_is_the_app_the_workers_boot(laravel_app, tmp_path):
    """The seed's laravel_base_path (LARAVEL_BASE_PATH in the published config): a release
    reached through a symbolic link is the application the workers serve."""
    release = tmp_path / "release-2"
    shutil.copytree(laravel_app, release, symlinks=True, ignore=shutil.ignore_patterns("vendor"))
    if (laravel_app / "vendor").exists():
        # One Composer install, as releases behind a link share in practice: the master
        # already loaded it, and its autoloader class cannot be declared twice.
        (release / "vendor").symlink_to((laravel_app / "vendor").resolve())
    env = re.sub(r"^APP_NAME=.*$", "APP_NAME=Release2", (release / ".env").read_text(), flags=re.M)
    (release / ".env").write_text(env)
    (tmp_path / "current").symlink_to(release)
    with Server(laravel_app, env={"LARAVEL_BASE_PATH": str(tmp_path / "current")}) as s:
        assert httpx.get(s.url + "/pid").json()["app_name"] == "Release2"
    bad = Server(laravel_app, env={"LARAVEL_BASE_PATH": str(tmp_path / "nowhere")}).command("start")
    assert bad.returncode == 1 and "laravel_base_path" in bad.stderr and "bootstrap/app.php" in bad.stderr


def test_x_version_and_env_options(laravel_app):
    env = re.sub(r"^APP_NAME=.*$", "APP_NAME=Staged", (laravel_app / ".env").read_text(), flags=re.M)
    (laravel_app / ".env.staging").write_text(env + "\nAPP_ENV=staging\n")
    with Server(laravel_app).start("-x", "v1.2.3", "--env=staging") as s:
        seen = httpx.get(s.url + "/echo").json()["x_version"]
        assert seen == {"server_global": "v1.2.3", "env_global": "v1.2.3", "request_server": "v1.2.3"}
        worker = httpx.get(s.url + "/pid").json()
        assert (worker["env"], worker["app_name"]) == ("staging", "Staged"), "workers read .env.staging"
        assert "starting Staged" in s.startup
        info = s.command("info")
    # LaravelS's labels: its console application's name with the environment, then the version.
    assert info.returncode == 0, info.stderr
    version = r"Lumen \(\d+\." if IS_LUMEN else r"\d+\.\d+\.\d+"
    app_env = re.search(r"^APP_ENV=(\w+)", (laravel_app / ".env").read_text(), re.M).group(1)  # info has no --env
    assert re.search(rf"Laravel Framework \[{app_env}\]\s*\|\s*" + version, info.stdout), info.stdout
    router = "Lumen Router" if IS_LUMEN else "Laravel Router"
    assert re.search(rf"Main HTTP\s*\|\s*On\s*\|\s*{router}\s*\|\s*http://127.0.0.1:{s.port}", info.stdout), info.stdout


def test_sigint_stops_gracefully(server):
    server.proc.send_signal(signal.SIGINT)
    assert server.proc.wait(15) == 0
    assert "stopped" in server.read_log()


def test_bad_config_stops_start_with_key_and_fix(laravel_app):
    bad = Server(laravel_app, env={"LARAVELS_WORKER_NUM": "lots"}).command("start")
    assert bad.returncode == 1
    assert "laravels.swoole.worker_num" in bad.stderr and "Fix:" in bad.stderr


def test_unimplemented_swoole_setting_warns_once(laravel_app):
    s = Server(laravel_app, overrides={"swoole": {"ssl_ciphers": "ALL", "worker_num": 1}})
    s.env["LARAVELS_WORKER_NUM"] = "1"
    with s.start():
        pass
    log = s.read_log()
    assert log.count("swoole.ssl_ciphers is not implemented") == 1, log


def test_reload_also_replaces_a_worker_that_was_booting_when_it_began(laravel_app):
    """A worker forked before the reload, still booting when it began (here: the
    replacement of a killed worker, whose boot takes 3 s), may have loaded the old code:
    the reload replaces it too, and returns once it is replaced, instead of waiting for
    a process that will never be replaced (found by the soak, bench/soak.py)."""
    from test_boot import IN_WORKERS, inject

    marker = laravel_app / "storage" / "slow-boot"
    inject(laravel_app, IN_WORKERS.format(f"if (file_exists('{marker}')) {{ sleep(3); }}"))
    with Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"}) as s:
        [old] = s.worker_pids()
        marker.write_text("")
        os.kill(old, signal.SIGKILL)
        deadline = time.time() + 5
        booting = []
        while not booting and time.time() < deadline:
            booting = [p for p in s.worker_pids() if p != old]
            time.sleep(0.05)
        assert booting, "the manager forks a replacement"
        time.sleep(0.5)
        marker.unlink()  # workers forked from now on boot at once
        started = time.time()
        run = s.command("reload", timeout=30)
        assert run.returncode == 0, run.stdout + run.stderr
        assert time.time() - started < 10
        assert booting[0] not in s.worker_pids(), "the worker booting at the reload was replaced"
        assert httpx.get(s.url + "/api/hello" if not IS_LUMEN else s.url + "/hello").status_code == 200
