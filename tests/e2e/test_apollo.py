"""The seed's Apollo component (常用组件 / Apollo): `bin/laravels start --enable-apollo
--apollo-server=... --apollo-app-id=...` pulls the app's configuration into .env before
it starts; `'processes' => Hhxsv5\\LaravelS\\Components\\Apollo\\Process::getDefinition()`
watches for releases and reloads, so the workers' env() follows a release without a failed
request. Against the Apollo-protocol server of tests/e2e/apollo.py.
"""
import re
import threading
import time

import httpx
import pytest

from apollo import Apollo, dotenv_values
from harness import IS_LUMEN, Server, free_port

pytestmark = pytest.mark.skipif(IS_LUMEN, reason="the route injected below is Laravel's; Lumen reads .env the same way")

APP_ID = "LARAVEL-S-TEST"
ROUTE = "\nRoute::get('/apollo/{key}', function ($key) { return response()->json(['value' => env($key)]); });\n"
# The seed's step 2, as written, in the app's config/laravels.php.
WITH_PROCESS = """<?php
$config = require __DIR__ . '/../laravels.published.php';
$config['processes'] = Hhxsv5\\LaravelS\\Components\\Apollo\\Process::getDefinition();
return $config;
"""


def app_with_route(app):
    with open(app / "routes" / "web.php", "a") as web:
        web.write(ROUTE)
    return app


def apollo_for(app, **extra) -> Apollo:
    """An Apollo whose `application` namespace holds the app's own .env values plus `extra`."""
    apollo = Apollo(APP_ID)
    apollo.publish("application", {**dotenv_values((app / ".env").read_text()), **extra})
    return apollo


def env_value(s: Server, key: str):
    r = httpx.get(f"{s.url}/apollo/{key}", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["value"]


def test_start_pulls_every_namespace_into_env_before_the_app_boots(laravel_app):
    app = app_with_route(laravel_app)
    with apollo_for(app, GREETING="hello from apollo", ZETA="last") as apollo:
        apollo.publish("env", {"FEATURE_X": "on"})
        s = Server(app)
        try:
            s.start("--enable-apollo", f"--apollo-server={apollo.url}", f"--apollo-app-id={APP_ID}",
                    "--apollo-namespaces=application", "--apollo-namespaces=env", "--apollo-client-ip=10.2.1.83")
            assert "Apollo: namespace(s) application, env" in s.startup
            env = (app / ".env").read_text()
            assert env.startswith("# Namespace: application\n"), env
            assert "# Namespace: env\nFEATURE_X=on\n" in env
            keys = [line.split("=", 1)[0] for line in env.split("# Namespace: env")[0].splitlines()[1:]]
            assert keys == sorted(keys), "each namespace's keys are written in order"
            # A value with spaces is quoted so that Dotenv reads it back whole.
            assert env_value(s, "GREETING") == "hello from apollo"
            assert env_value(s, "FEATURE_X") == "on"
            pulls = [r for r in apollo.requests if r.startswith(f"/configs/{APP_ID}/default/")]
            assert any("ip=10.2.1.83" in r for r in pulls), pulls
        finally:
            s.stop()


def test_backup_old_env_keeps_the_replaced_file(laravel_app):
    before = (laravel_app / ".env").read_text()
    with apollo_for(laravel_app, EXTRA="1") as apollo:
        s = Server(laravel_app)
        try:
            s.start("--enable-apollo", f"--apollo-server={apollo.url}", f"--apollo-app-id={APP_ID}", "--apollo-backup-old-env")
        finally:
            s.stop()
    backups = [p for p in laravel_app.iterdir() if re.fullmatch(r"\.env\.\d{14}", p.name)]
    assert len(backups) == 1, sorted(p.name for p in laravel_app.iterdir())
    assert backups[0].read_text() == before
    assert "EXTRA=1" in (laravel_app / ".env").read_text()


def test_an_unreachable_apollo_stops_the_start_naming_the_server_and_the_option(laravel_app):
    before = (laravel_app / ".env").read_text()
    url = f"http://127.0.0.1:{free_port()}"
    run = Server(laravel_app).command("start", "--enable-apollo", f"--apollo-server={url}", f"--apollo-app-id={APP_ID}")
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert url in out and "--apollo-server" in out, out
    assert (laravel_app / ".env").read_text() == before, "nothing is written when the pull fails"


def test_missing_options_are_named_with_the_fix(laravel_app):
    s = Server(laravel_app)
    run = s.command("start", "--enable-apollo", "--apollo-server=http://127.0.0.1:8080")
    assert run.returncode == 1 and "--apollo-app-id" in run.stdout + run.stderr
    run = s.command("start", "--enable-apollo", "--apollo-server=127.0.0.1:8080", f"--apollo-app-id={APP_ID}")
    assert run.returncode == 1 and "is not an http:// or https:// URL" in run.stdout + run.stderr
    run = s.command("start", "--enable-apollo", "--apollo-server=http://x", f"--apollo-app-id={APP_ID}", "--apollo-pull-timeout=soon")
    assert run.returncode == 1 and "--apollo-pull-timeout" in run.stdout + run.stderr


def test_an_edited_env_reaches_the_workers_after_a_reload(laravel_app):
    """Not Apollo's alone: the master read .env once, yet a reloaded worker reads it again."""
    app = app_with_route(laravel_app)
    with open(app / ".env", "a") as env:
        env.write("\nRELEASE_NAME=first\n")
    with Server(app) as s:
        assert env_value(s, "RELEASE_NAME") == "first"
        (app / ".env").write_text((app / ".env").read_text().replace("RELEASE_NAME=first", "RELEASE_NAME=second"))
        assert s.command("reload").returncode == 0
        assert env_value(s, "RELEASE_NAME") == "second"
        # A key taken out of .env is gone too (the master's copy of it is not inherited).
        (app / ".env").write_text((app / ".env").read_text().replace("RELEASE_NAME=second", ""))
        assert s.command("reload").returncode == 0
        assert env_value(s, "RELEASE_NAME") is None


def test_a_release_reaches_every_worker_without_a_failed_request(laravel_app):
    app = app_with_route(laravel_app)
    (app / "config" / "laravels.php").write_text(WITH_PROCESS)
    with apollo_for(app, RELEASE_NAME="one") as apollo:
        s = Server(app)
        try:
            s.start("--enable-apollo", f"--apollo-server={apollo.url}", f"--apollo-app-id={APP_ID}")
            assert env_value(s, "RELEASE_NAME") == "one"
            # The apollo process is up and polling before the release.
            deadline = time.time() + 20
            while not any(r.startswith("/notifications/v2") for r in apollo.requests) and time.time() < deadline:
                time.sleep(0.1)
            time.sleep(0.5)
            failures, seen, stop = [], [], threading.Event()

            def loop():
                with httpx.Client(timeout=10) as client:
                    while not stop.is_set():
                        try:
                            r = client.get(f"{s.url}/apollo/RELEASE_NAME")
                            if r.status_code != 200:
                                failures.append(r.status_code)
                            else:
                                seen.append(r.json()["value"])
                        except httpx.HTTPError as e:
                            failures.append(repr(e))

            clients = [threading.Thread(target=loop) for _ in range(4)]
            for t in clients:
                t.start()
            application = {**dotenv_values((app / ".env").read_text()), "RELEASE_NAME": "two"}
            published = time.time()
            apollo.publish("application", application)
            while (not seen or seen[-1] != "two") and time.time() - published < 30:
                time.sleep(0.1)
            took = time.time() - published
            time.sleep(1)
            stop.set()
            for t in clients:
                t.join()
            assert failures == [], failures
            assert seen[-1] == "two", f"still {seen[-1]!r} {took:.1f}s after the release"
            # Once a worker answered with the release, no worker answers with the old value.
            assert "one" not in seen[seen.index("two") + 40:], "every worker follows the release"
            assert "RELEASE_NAME=two" in (app / ".env").read_text()
            assert "release of namespace(s) application" in s.read_log()
        finally:
            s.stop()


def test_apollo_options_without_enable_apollo_are_ignored_with_a_warning(laravel_app):
    s2 = Server(laravel_app)
    try:
        s2.start("--apollo-server=http://127.0.0.1:1")
        assert "ignored without --enable-apollo" in "".join(s2.output) + s2.read_log()
    finally:
        s2.stop()
