"""The state-leak detector (`leak_detector.enable`, a laravels-rs development mode): after
each request it names, once per offender, what the request left behind, with the route that
did it and a short diff, and `php bin/laravels info` sums it up. The classic leaks are
written here as an app developer would write them, into a copy of the example app."""
import json
import re
import time

import httpx
import pytest

from harness import IS_LUMEN, Server

LEAKS = {
    "app/Leaks/Registry.php": r"""<?php
namespace App\Leaks;
/** A static array that grows with every request: the classic resident-memory leak. */
class Registry
{
    public static $seen = [];
}
""",
    "app/Leaks/CurrentUser.php": r"""<?php
namespace App\Leaks;
/** A singleton that keeps the user of the request that first built it. */
class CurrentUser
{
    public $user;
    public function __construct($user)
    {
        $this->user = $user;
    }
}
""",
    "app/Leaks/Tally.php": r"""<?php
namespace App\Leaks;
/** A singleton built at boot whose counter each request moves. */
class Tally
{
    private $hits = 0;
    public function hit()
    {
        return ++$this->hits;
    }
}
""",
    "app/Http/Controllers/LeakyController.php": r"""<?php
namespace App\Http\Controllers;
use Illuminate\Auth\GenericUser;
use Illuminate\Support\Facades\Auth;
/** Laravel keeps a controller on its route: a property set in an action outlives it. */
class LeakyController extends Controller
{
    private $user;
    public function remember()
    {
        Auth::setUser(new GenericUser(['id' => 41, 'name' => 'alice']));
        $this->user = Auth::user();
        return ['id' => $this->user->getAuthIdentifier()];
    }
}
""",
}

LARAVEL_ROUTES = r"""
Route::get('/leaks/static/{v}', function ($v) { \App\Leaks\Registry::$seen[] = $v; return ['n' => count(\App\Leaks\Registry::$seen)]; });
Route::get('/leaks/config/{v}', function ($v) { config(['leaks.flag' => $v]); return ['v' => config('leaks.flag')]; });
Route::get('/leaks/singleton-user', function () {
    \Illuminate\Support\Facades\Auth::setUser(new \Illuminate\Auth\GenericUser(['id' => 7, 'name' => 'bob']));
    return ['id' => app(\App\Leaks\CurrentUser::class)->user->getAuthIdentifier()];
});
Route::get('/leaks/tally', function () { return ['hits' => app(\App\Leaks\Tally::class)->hit()]; });
Route::get('/leaks/controller-user', [\App\Http\Controllers\LeakyController::class, 'remember']);
Route::get('/leaks/clean', function () { return ['ok' => true]; });
"""

LUMEN_ROUTES = r"""
$router->get('/leaks/static/{v}', function ($v) { \App\Leaks\Registry::$seen[] = $v; return ['n' => count(\App\Leaks\Registry::$seen)]; });
$router->get('/leaks/config/{v}', function ($v) { config(['leaks.flag' => $v]); return ['v' => config('leaks.flag')]; });
$router->get('/leaks/tally', function () { return ['hits' => app(\App\Leaks\Tally::class)->hit()]; });
$router->get('/leaks/clean', function () { return ['ok' => true]; });
"""

# Bound at boot (routes are loaded at boot); CurrentUser is built on first use, in a request.
BINDINGS = r"""
app()->singleton(\App\Leaks\CurrentUser::class, function ($app) { return new \App\Leaks\CurrentUser($app['auth']->user()); });
app()->instance(\App\Leaks\Tally::class, new \App\Leaks\Tally());
"""


def leaky_app(app):
    for path, text in LEAKS.items():
        if IS_LUMEN and "Controller" in path:
            continue
        (app / path).parent.mkdir(parents=True, exist_ok=True)
        (app / path).write_text(text)
    routes = app / "routes" / "web.php"
    routes.write_text(routes.read_text() + BINDINGS + (LUMEN_ROUTES if IS_LUMEN else LARAVEL_ROUTES))
    return app


def findings(server):
    """The detector's lines in the server's log (the workers' stderr)."""
    return [line for line in server.read_log().splitlines() if "state leak: " in line]


def wait_findings(server, count, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline and len(findings(server)) < count:
        time.sleep(0.1)
    return findings(server)


def test_each_classic_leak_is_named_once_with_its_route_and_a_diff(laravel_app):
    leaky_app(laravel_app)
    with Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"}, overrides={"leak_detector": {"enable": True}}) as s:
        with httpx.Client(base_url=s.url) as c:
            for _ in range(3):  # once per offender, however often it happens
                assert c.get("/leaks/clean").status_code == 200
            assert findings(s) == [], "a request that leaves nothing behind is not reported"
            for i in range(3):
                assert c.get(f"/leaks/static/v{i}").json() == {"n": i + 1}
                assert c.get(f"/leaks/config/on{i}").json() == {"v": f"on{i}"}
                assert c.get("/leaks/tally").json() == {"hits": i + 1}
                if not IS_LUMEN:
                    assert c.get("/leaks/singleton-user").json() == {"id": 7}
                    assert c.get("/leaks/controller-user").json() == {"id": 41}
        expected = 3 if IS_LUMEN else 5
        lines = wait_findings(s, expected)
        s.stop()
    log = "\n".join(lines)
    assert len(lines) == expected, log

    static = [line for line in lines if "static App\\Leaks\\Registry::$seen" in line]
    assert len(static) == 1, log
    assert "array(0) -> array(1)" in static[0] and "'v0'" in static[0] and "GET /leaks/static/v0" in static[0], static[0]

    config = [line for line in lines if "config leaks.flag" in line]
    assert len(config) == 1 and "NULL -> 'on0'" in config[0] and "GET /leaks/config/on0" in config[0], log

    tally = [line for line in lines if "binding App\\Leaks\\Tally" in line]
    assert len(tally) == 1 and "->hits changed: 0 -> 1" in tally[0] and "GET /leaks/tally" in tally[0], log

    if not IS_LUMEN:
        user = [line for line in lines if "binding App\\Leaks\\CurrentUser" in line]
        assert len(user) == 1, log
        assert "holds this request's user (Illuminate\\Auth\\GenericUser" in user[0] and "->user" in user[0], user[0]
        assert "GET /leaks/singleton-user" in user[0], user[0]

        controller = [line for line in lines if "controller App\\Http\\Controllers\\LeakyController" in line]
        assert len(controller) == 1, log
        assert "holds this request's user" in controller[0] and "->user" in controller[0], controller[0]
        assert "LeakyController@remember" in controller[0], controller[0]

    app_log = (laravel_app / "storage" / "logs" / ("lumen.log" if IS_LUMEN else "laravel.log")).read_text()
    assert "state leak: static App\\Leaks\\Registry::$seen" in app_log, "the app's log has the finding too"


def test_info_sums_up_the_running_servers_findings_and_ignore_silences_one(laravel_app):
    leaky_app(laravel_app)
    overrides = {"leak_detector": {"enable": True, "ignore": ["config:leaks"]}}
    with Server(laravel_app, overrides=overrides) as s:
        with httpx.Client(base_url=s.url) as c:
            for i in range(6):  # both workers
                c.get(f"/leaks/static/{i}")
                c.get(f"/leaks/config/{i}")
        wait_findings(s, 2)
        info = s.command("info")
        assert info.returncode == 0, info.stderr
        out = info.stdout
        assert re.search(r"Leak detector\s*\|?\s*on: 1 offender found", out), out
        assert "static App\\Leaks\\Registry::$seen" in out, out
        assert "config leaks.flag" not in out and not [line for line in findings(s) if "config leaks" in line]
        records = [json.loads(line) for line in (laravel_app / "storage" / "laravels-leaks.log").read_text().splitlines()]
        assert {r["master_pid"] for r in records} == {s.master_pid()}
        assert {r["kind"] for r in records} == {"static"}


def test_off_by_default(laravel_app):
    leaky_app(laravel_app)
    with Server(laravel_app) as s:
        for i in range(3):
            assert httpx.get(f"{s.url}/leaks/static/{i}").status_code == 200
        info = s.command("info").stdout
        assert re.search(r"Leak detector\s*\|?\s*off", info), info
    assert findings(s) == []
    assert not (laravel_app / "storage" / "laravels-leaks.log").exists()
