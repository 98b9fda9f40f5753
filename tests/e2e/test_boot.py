"""A worker that cannot boot is reported, with its error, file and line, and never loops in silence.

Issue 12, item 3: nothing optional is built eagerly in a way that stops a worker from
booting; a server whose workers never boot stops with the error on the console and in
the log; a server that has served keeps retrying with a growing pause, so a fixed
deploy boots again.
"""
import json
import re
import time

import httpx
import pytest

from harness import IS_LUMEN, Server

HELLO = "/hello" if IS_LUMEN else "/api/hello"

# Code put at the top of routes/web.php, which every framework loads while it boots. It
# runs in the workers only: `bin/laravels start` itself boots the app as a console
# command to read its config, and workers boot with APP_RUNNING_IN_CONSOLE=false.
IN_WORKERS = "if (getenv('APP_RUNNING_IN_CONSOLE') === 'false') {{ {} }}\n"
THROWS = IN_WORKERS.format("throw new RuntimeException('boot failed on purpose');")
FATAL = IN_WORKERS.format("ini_set('memory_limit', '64M'); $grow = str_repeat('x', 256 << 20);")


def inject(app, code: str) -> str:
    """Puts `code` first in routes/web.php; returns the file's text before."""
    web = app / "routes" / "web.php"
    before = web.read_text()
    web.write_text(before.replace("<?php", "<?php\n" + code, 1))
    return before


def test_a_server_whose_workers_cannot_boot_stops_with_the_error(laravel_app):
    inject(laravel_app, THROWS)
    s = Server(laravel_app)
    started = time.time()
    run = s.command("start", timeout=120)
    took = time.time() - started
    out = run.stdout + run.stderr
    assert run.returncode != 0, out
    web = laravel_app / "routes" / "web.php"
    # The error, with its file and line, from each worker and each try.
    failures = re.findall(r"\[worker #([01])\] failed to boot: RuntimeException: boot failed on purpose in (\S+):(\d+)", out)
    assert failures, out
    assert {f[0] for f in failures} == {"0", "1"}, out
    assert all(f[1].endswith(str(web.relative_to(laravel_app))) and f[2] == "2" for f in failures), failures
    # A bounded number of tries, with growing pauses, then one line saying why it stopped.
    assert 10 <= len(failures) <= 12, out
    assert "trying again in 0.5s" in out and "trying again in 4.0s" in out, out
    assert "no worker could boot" in out, out
    # The manager gave up after 5 tries each (0.5 + 1 + 2 + 4 s of pauses), not forever.
    assert took < 60, took
    # Laravel's error page is not what the console shows.
    assert "<!DOCTYPE html>" not in out


def test_a_fatal_error_while_booting_is_reported_too(laravel_app):
    inject(laravel_app, FATAL)
    run = Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"}).command("start", timeout=120)
    out = run.stdout + run.stderr
    assert run.returncode != 0, out
    assert re.search(r"\[worker #0\] failed to boot: PHP fatal error: Allowed memory size of \d+ bytes exhausted.* in \S+web\.php:2", out), out
    assert "no worker could boot" in out, out


def test_a_daemon_that_cannot_boot_says_so_and_logs_the_error(laravel_app):
    inject(laravel_app, THROWS)
    s = Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"})
    run = s.command("start", "-d", timeout=120)
    assert run.returncode != 0, run.stdout + run.stderr
    assert "did not start" in run.stdout + run.stderr
    logs = "".join(p.read_text() for p in (laravel_app / "storage" / "logs").glob("*.log"))
    assert "failed to boot: RuntimeException: boot failed on purpose" in logs, logs[-3000:]
    assert "no worker could boot" in logs


def test_an_app_without_app_key_serves_what_needs_no_key(laravel_app):
    # LaravelS serves such an app: only a request that encrypts a cookie needs the key.
    env = laravel_app / ".env"
    env.write_text(re.sub(r"(?m)^APP_KEY=.*$", "APP_KEY=", env.read_text()))
    with Server(laravel_app, env={"APP_KEY": ""}) as s:
        r = httpx.get(s.url + HELLO)
        assert r.status_code == 200, r.text
        assert r.json() == {"message": "hello"}
        assert "failed to boot" not in s.read_log()


@pytest.mark.laravel_only
def test_an_app_without_session_config_serves_what_needs_no_session(laravel_app):
    # Laravel 11+ falls back to the framework's own session.php; before it, an app without
    # one fails only where the session is used (the web group, response()), as under php-fpm.
    session = laravel_app / "config" / "session.php"
    session.unlink()
    with open(laravel_app / "routes" / "api.php", "a") as api:
        api.write("\nRoute::get('/plain', function () { return 'plain'; });\n")
    with Server(laravel_app) as s:
        r = httpx.get(s.url + "/api/plain")
        assert r.status_code == 200, r.text
        assert r.text == "plain"
        assert "failed to boot" not in s.read_log()


def test_a_server_that_served_retries_a_broken_deploy_until_it_boots_again(laravel_app):
    with Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"}) as s:
        assert httpx.get(s.url + HELLO).status_code == 200
        before = inject(laravel_app, THROWS)
        # reload tells the deploy script that the release does not boot, once the new
        # worker failed, instead of waiting for a worker that never comes.
        started = time.time()
        reload = s.command("reload")
        assert reload.returncode == 1, reload.stdout + reload.stderr
        assert "worker #0 failed to boot" in reload.stdout + reload.stderr, reload.stdout + reload.stderr
        assert time.time() - started < 15
        status = json.loads(s.command("status", "--json").stdout)
        worker = status["processes"][0]
        assert worker["state"] == "failing to boot" and worker["boot_failures"] >= 1, worker
        deadline = time.time() + 30
        while s.read_log().count("failed to boot:") < 3 and time.time() < deadline:
            time.sleep(0.2)
        log = s.read_log()
        assert log.count("failed to boot:") >= 3, log
        assert "no worker could boot" not in log
        assert s.proc.poll() is None, "the master stays up while it retries"
        # The fix: the next try (at most 30 s later) boots, and requests are served again.
        (laravel_app / "routes" / "web.php").write_text(before)
        r = httpx.get(s.url + HELLO, timeout=40)
        assert r.status_code == 200, r.text
