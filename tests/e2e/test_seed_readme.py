"""Every PHP snippet of the seed README (LaravelS's README-CN), as written there, in a copy of
the example app, and what the README says it does, checked with real clients.

seed_snippets.py reads the snippets from the README and says where each goes; each test
here installs one README section's snippets, starts the server and checks that section's
documented effect. A snippet that cannot run here is skipped with the reason, which
docs/migrating-from-laravels.md repeats.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from apollo import Apollo, dotenv_values
from harness import APP_LOG, EXTENSION, FRAMEWORK, IS_LUMEN, RUNTIME_EXEC, Server, free_port, start_foreground
from seed_snippets import PLACES, SEED_README, SeedApp, prometheus_steps, snippets

pytestmark = [
    pytest.mark.laravel_only,
    pytest.mark.skipif(not SEED_README.exists(), reason=f"the seed README is not at {SEED_README} (LARAVELS_SEED_README)"),
]
LARAVEL = int(re.sub(r"\D", "", FRAMEWORK) or 0)


def seed_app(app, *indices, routes: str = "", laravels: str = "") -> SeedApp:
    seed = SeedApp(app, LARAVEL).install(*indices)
    if laravels:
        seed.laravels.append(laravels)
    return seed.finish(routes)


def route(path: str, snippet_file: str, before: str = "") -> str:
    """A route whose closure runs a fragment of the README as written (its output is the response)."""
    return f"Route::any('{path}', function () {{ {before} require base_path('routes/{snippet_file}.php'); }});\n"


def app_log(app) -> str:
    path = app / "storage" / "logs" / APP_LOG
    return path.read_text() if path.exists() else ""


def wait_for(check, timeout=15.0, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    return check()


def run(coro, timeout=30):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def recv_until(sock: socket.socket, marker: bytes, timeout: float = 10) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while marker not in data:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


def test_every_php_block_of_the_readme_has_a_place():
    found = snippets()
    assert len(found) == len(PLACES) == 46, "the README's ```php blocks and the table in seed_snippets.py differ"
    for s in found:
        assert PLACES[s.index][0] in s.heading, (s.index, s.heading)


@pytest.mark.parametrize("index", [i for i, place in PLACES.items() if place[1] == "skip"])
def test_snippets_that_cannot_run_here(index):
    pytest.skip(f"seed README snippet {index} ({PLACES[index][0]}): {PLACES[index][3]}")


def test_install_registers_the_service_provider(laravel_app):
    """安装: the provider listed in config/app.php (snippet 0) beside the discovered one."""
    seed_app(laravel_app, 0, routes="Route::get('/seed/providers', function () {"
             " return ['listed' => in_array(Hhxsv5\\LaravelS\\Illuminate\\LaravelSServiceProvider::class, config('app.providers')),"
             " 'loaded' => count(app()->getProviders(LaravelS\\ServiceProvider::class))]; });")
    with Server(laravel_app) as s:
        assert httpx.get(s.url + "/seed/providers").json() == {"listed": True, "loaded": 1}


def test_websocket_server(laravel_app):
    """启用WebSocket服务器: the handler (2), its config (3), the heartbeat (4), a push from a controller (5)."""
    seed_app(laravel_app, 2, 3, 4, 5, routes="Route::get('/seed/push', [App\\Http\\Controllers\\TestController::class, 'push']);\n"
             "Route::get('/seed/setting', function () { return app('swoole')->setting; });")
    with Server(laravel_app) as s:
        async def scenario():
            # First, so that it is fd 1, the fd the controller pushes to.
            async with connect(f"ws://127.0.0.1:{s.port}/ws") as ws:
                assert await ws.recv() == "Welcome to LaravelS"
                await ws.send("hello")
                assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", await ws.recv())
                async with httpx.AsyncClient() as client:
                    r = await client.get(s.url + "/seed/push")
                assert r.status_code == 200 and r.text == "bool(true)\n", r.text
                assert await ws.recv() == "Push data to fd#1 in Controller"
        run(scenario())
        assert "heartbeat" not in s.startup, "the heartbeat settings are LaravelS's and known here"
        setting = httpx.get(s.url + "/seed/setting").json()
        assert (setting["heartbeat_idle_time"], setting["heartbeat_check_interval"], setting["dispatch_mode"]) == (600, 60, 2)


def test_system_events_change_the_request_and_the_response(laravel_app):
    """系统事件: laravels.received_request (6) and laravels.generated_response (7)."""
    seed_app(laravel_app, 6, 7, routes="Route::post('/seed/request', function (Illuminate\\Http\\Request $r) {"
             " return ['get_key' => $r->query('get_key'), 'post_key' => $r->request->get('post_key')]; });")
    with Server(laravel_app) as s:
        r = httpx.post(s.url + "/seed/request?get_key=x", data={"post_key": "y"})
        assert r.json() == {"get_key": "hhxsv5", "post_key": "hhxsv5"}
        assert r.headers["header-key"] == "hhxsv5"


def test_asynchronous_events(laravel_app):
    """自定义的异步事件: TestEvent (8), TestListener1 (9) delivering TestTask (11), Event::fire (10)."""
    seed_app(laravel_app, 8, 9, 10, 11, routes=route("/seed/fire-event", "seed/fire-event"))
    with Server(laravel_app, overrides={"swoole": {"task_worker_num": 1}}) as s:
        started = time.time()
        r = httpx.get(s.url + "/seed/fire-event")
        assert r.text == "bool(true)\n" and time.time() - started < 1.5, "fire() returns at once"
        assert wait_for(lambda: 'TestListener1:handle start ["event data"]' in app_log(s.app))
        # The listener sleeps 2 s, then delivers TestTask, whose handle() sleeps 2 s too.
        assert wait_for(lambda: 'TestTask:handle start ["task data"]' in app_log(s.app), timeout=10)
        time.sleep(2.5)
        assert "TestTask:finish start" not in app_log(s.app), "no finish() for a task a listener delivers"


def test_task_queue(laravel_app):
    """异步的任务队列: TestTask (11) delivered by Task::deliver (12); finish() delivers TestTask2."""
    seed_app(laravel_app, 11, 12, routes=route("/seed/deliver-task", "seed/deliver-task"))
    with Server(laravel_app, overrides={"swoole": {"task_worker_num": 1}}) as s:
        started = time.time()
        r = httpx.get(s.url + "/seed/deliver-task")
        assert r.text == "bool(true)\n" and time.time() - started < 1.5, "deliver() returns at once"
        assert wait_for(lambda: 'TestTask:handle start ["task data"]' in app_log(s.app))
        assert wait_for(lambda: 'TestTask:finish start ["the result of task data"]' in app_log(s.app), timeout=10)
        assert wait_for(lambda: 'TestTask2:handle start ["task2"]' in app_log(s.app))


def test_millisecond_timer(laravel_app):
    """毫秒级定时任务: TestCronJob (13) registered in `timer` (14): every second, ten runs, then
    stop() and a task."""
    seed_app(laravel_app, 13, 14)
    with Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"}, overrides={"swoole": {"task_worker_num": 1}}) as s:
        assert wait_for(lambda: "TestCronJob::run" in app_log(s.app) and '["stop",10' in app_log(s.app), timeout=40, step=0.5)
        handled = s.app / "storage" / "app" / "tasks" / "task data.handled"
        assert wait_for(handled.exists, timeout=10), "the cron job's Task::deliver() ran"
        starts = [float(m) for m in re.findall(r'TestCronJob::run \["start",\d+,([\d.]+)\]', app_log(s.app))]
        assert len(starts) == 10, starts
        time.sleep(2.5)
        assert len(re.findall(r'TestCronJob::run \["start"', app_log(s.app))) == 10, "stop() ended the job"


@pytest.mark.skipif(LARAVEL >= 11, reason="Laravel 11+ has no app/Console/Kernel.php: the schedule lives in routes/console.php")
def test_laravel_schedule_job_runs_the_kernels_schedule(laravel_app):
    """毫秒级定时任务: the console kernel's schedule() (15) run by LaravelScheduleJob; every 500 ms
    instead of the README's every minute, so the test does not wait for one."""
    seed_app(laravel_app, 15)
    overrides = {"timer": {"enable": True, "jobs": [["Hhxsv5\\LaravelS\\Illuminate\\LaravelScheduleJob", [500, True]]]}}
    with Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"}, overrides=overrides) as s:
        log = s.app / "storage" / "app" / "test-command.log"
        assert wait_for(log.exists, timeout=20), "runInBackground() started TestCommand"


def test_swoole_server_and_swoole_table(laravel_app):
    """SwooleServer (16) and SwooleTable (17, 18): uid<->fd in wsTable, broadcast, stats(), push()."""
    seed_app(laravel_app, 3, 16, 17, 18, routes=route("/seed/swoole-server", "seed/swoole-server", "$fd = (int) request('fd');")
             + "Route::get('/seed/ws-table', function () { $rows = []; foreach (app('swoole')->wsTable as $k => $row) { $rows[$k] = $row['value']; } return $rows; });")
    with Server(laravel_app) as s:
        async def scenario():
            async with connect(f"ws://127.0.0.1:{s.port}/ws") as a, connect(f"ws://127.0.0.1:{s.port}/ws") as b:
                fd_a = int(re.fullmatch(r"Welcome to LaravelS #(\d+)", await a.recv()).group(1))
                fd_b = int(re.fullmatch(r"Welcome to LaravelS #(\d+)", await b.recv()).group(1))
                async with httpx.AsyncClient() as client:
                    table = (await client.get(s.url + "/seed/ws-table")).json()
                    assert table[f"fd:{fd_a}"] >= 1000 and table[f"uid:{table[f'fd:{fd_a}']}"] == fd_a
                    assert table[f"uid:{table[f'fd:{fd_b}']}"] == fd_b
                    await a.send("hi")
                    expected = f'Broadcast: new message "hi" from #{fd_a}'
                    assert await a.recv() == expected and await b.recv() == expected
                    r = await client.get(s.url + f"/seed/swoole-server?fd={fd_b}")
                    assert r.status_code == 200 and r.text.startswith("array(") and '["connection_num"]' in r.text, r.text
                    assert await b.recv() == "Push WebSocket message"
                await b.close()
                await asyncio.sleep(0.5)
                async with httpx.AsyncClient() as client:
                    table = (await client.get(s.url + "/seed/ws-table")).json()
                assert f"fd:{fd_b}" not in table and fd_b not in table.values(), "onClose unbound the closed connection"
        run(scenario())


def test_multi_port_mixed_protocols(laravel_app):
    """多端口混合协议: TestTcpSocket (19), a handler's swoolePort (20), $swoole->ports (21),
    TCP (22, 23), UDP (24), HTTP (25) and WebSocket (26) ports beside the HTTP server (2, 3)."""
    ports = {n: free_port() for n in (5291, 5292, 5293, 5294)}
    extra = free_port()
    seed_app(laravel_app, 2, 3, 19, 20, 21, 22, 23, 24, 25, 26,
             routes="Route::get('/seed/ports', [App\\Http\\Controllers\\TestController::class, 'test']);",
             laravels="$config['sockets'][] = ['host' => '127.0.0.1', 'port' => %d, 'type' => SWOOLE_SOCK_TCP,"
                      " 'handler' => \\App\\Sockets\\SeedPortSocket::class];" % extra)
    env = {f"SEED_PORT_{n}": str(p) for n, p in ports.items()}
    with Server(laravel_app, env=env) as s:
        # TCP, as `telnet 127.0.0.1 5291` would.
        with socket.create_connection(("127.0.0.1", ports[5291])) as t:
            assert recv_until(t, b"LaravelS.") == b"Welcome to LaravelS."
            t.sendall(b"hello\r\n")
            assert recv_until(t, b"\r\n") == b"LaravelS: hello\r\n"
            t.sendall(b"quit\r\n")
            assert recv_until(t, b"bye\n") == b"LaravelS: quit\r\nLaravelS: bye\n"
            t.settimeout(5)
            assert t.recv(100) == b"", "close() in onReceive closed the connection"
        assert wait_for(lambda: "New TCP connection" in app_log(s.app) and "Close TCP connection" in app_log(s.app))

        # UDP, as `echo "Hello LaravelS" > /dev/udp/127.0.0.1/5292` would.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.settimeout(5)
            u.sendto(b"Hello LaravelS\n", ("127.0.0.1", ports[5292]))
            assert u.recvfrom(100)[0] == b"LaravelS: Hello LaravelS\n"

        r = httpx.get(f"http://127.0.0.1:{ports[5293]}/x?a=1")
        assert r.status_code == 201 and r.json()["get"] == {"a": "1"}

        async def ws_port():
            async with connect(f"ws://127.0.0.1:{ports[5294]}/") as ws:
                assert await ws.recv() == f"port {ports[5294]}"
                await ws.send("up")
                assert await ws.recv() == "UP"
        run(ws_port())

        # The handler that only reads $this->swoolePort: no reply, no error, still connected.
        with socket.create_connection(("127.0.0.1", extra)) as t:
            t.sendall(b"ping")
            t.settimeout(1)
            with pytest.raises(socket.timeout):
                t.recv(10)
        assert httpx.get(s.url + "/seed/ports").status_code == 200
        assert "ERROR" not in app_log(s.app), app_log(s.app)[-2000:]


def test_custom_process(laravel_app):
    """自定义进程: TestProcess (27) registered in `processes` (28): runs, delivers tasks,
    onReload on reload and onStop on stop."""
    seed_app(laravel_app, 27, 28)
    s = Server(laravel_app, overrides={"swoole": {"task_worker_num": 1}})
    with s:
        assert wait_for(lambda: app_log(s.app).count("Test process: running") >= 2)
        handled = s.app / "storage" / "app" / "tasks" / "task data.handled"
        assert wait_for(handled.exists), "the process's Task::deliver() ran"
        assert s.command("reload").returncode == 0
        assert wait_for(lambda: "Test process: reloading" in app_log(s.app))
        # onReload ends callback(); the manager starts the process again after
        # restart_interval (5 s by default), and only a running process gets onStop.
        again = lambda: app_log(s.app).split("Test process: reloading", 1)[1].count("Test process: running") >= 1
        assert wait_for(again, timeout=20), "the process runs again after its reload"
    assert wait_for(lambda: "Test process: stopping" in app_log(s.app), timeout=5)


def test_custom_process_pipe(laravel_app):
    """自定义进程: writing to the process through its pipe (29, 30, 31)."""
    seed_app(laravel_app, 29, 30, 31, routes="Route::get('/seed/process-write', [App\\Http\\Controllers\\TestController::class, 'testProcessWrite']);")
    with Server(laravel_app) as s:
        before = int(time.time())
        body = httpx.get(s.url + "/seed/process-write").text
        m = re.fullmatch(r'string\(\d+\) "TestProcess: TestController: write data(\d+)"\n', body)
        assert m and int(m.group(1)) >= before, body
        assert "TestProcess: read data" in app_log(s.app)


@pytest.mark.parametrize("indices", [(32,), (27, 33)], ids=["alone", "beside-TestProcess"])
def test_apollo(laravel_app, indices):
    """Apollo: step 1's command line pulls .env, step 2's `processes` (32, or 33 beside
    the README's TestProcess 27) watches: a release reaches the workers' env()."""
    seed_app(laravel_app, *indices, routes="Route::get('/seed/env', function () { return (string) env('SEED_RELEASE'); });")
    with Apollo("LARAVEL-S-TEST") as apollo:
        apollo.publish("application", {**dotenv_values((laravel_app / ".env").read_text()), "SEED_RELEASE": "a"})
        s = Server(laravel_app)
        try:
            s.start("--enable-apollo", f"--apollo-server={apollo.url}", "--apollo-app-id=LARAVEL-S-TEST")
            assert httpx.get(s.url + "/seed/env").text == "a"
            assert wait_for(lambda: any(r.startswith("/notifications/v2") for r in apollo.requests), timeout=20)
            if 27 in indices:
                assert wait_for(lambda: "Test process: running" in app_log(s.app))
            time.sleep(0.5)
            apollo.publish("application", {**dotenv_values((laravel_app / ".env").read_text()), "SEED_RELEASE": "b"})
            assert wait_for(lambda: httpx.get(s.url + "/seed/env").text == "b", timeout=30)
        finally:
            s.stop()


def test_prometheus(laravel_app):
    """Prometheus: steps 2-4 (config, RequestMiddleware first, ServiceProvider), the
    CollectorProcess (34) and the /actuator/prometheus route (35), as written: every
    worker's requests are counted in one place, and a worker's death loses none."""
    prometheus_steps(laravel_app, LARAVEL)
    seed_app(laravel_app, 34, 35, routes="require base_path('routes/prometheus.php');")
    s = Server(laravel_app, env={"PROMETHEUS_COLLECT_METRICS_INTERVAL": "1"})
    with s:
        hello = "/api/hello"
        for _ in range(10):
            assert httpx.get(s.url + hello).status_code == 200
        assert httpx.get(s.url + "/no/such/page").status_code == 404
        for pid in s.worker_pids():
            os.kill(pid, signal.SIGKILL)
        # Waits in the master's queue until the new workers boot.
        assert httpx.get(s.url + hello, timeout=30).status_code == 200
        for _ in range(4):
            assert httpx.get(s.url + hello).status_code == 200

        def scrape() -> str:
            r = httpx.get(s.url + "/actuator/prometheus")
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=0.0.4"), r.text
            return r.text

        sample = 'http_server_requests_seconds_count{application="Laravel",method="GET",uri="/api/hello",status="200"} '
        assert wait_for(lambda: "swoole_idle_worker_num" in scrape(), timeout=20), scrape()
        text = scrape()
        counts = [line for line in text.splitlines() if line.startswith(sample)]
        # 10 before the kill, the one that waited for the new workers, and 4 after.
        assert counts == [sample + "15"], text
        assert "# TYPE http_server_requests_seconds summary" in text
        assert re.search(r'^http_server_requests_seconds_sum\{[^}]*uri="/api/hello"[^}]*\} [0-9.e-]+$', text, re.M), text
        assert 'uri="/no/such/page"' not in text, "404 is an ignored status by default"
        assert re.search(r'^swoole_worker_memory_usage\{application="Laravel",worker_id="[01]",worker_type="worker"\} \d+$', text, re.M), text
        assert re.search(r'^swoole_worker_num\{application="Laravel"\} 2$', text, re.M), text
        assert re.search(r'^system_load_average_1m\{application="Laravel"\} [0-9.]+$', text, re.M), text


def test_swoole_events(laravel_app):
    """配置Swoole事件: ServerStart (36) makes a cross-process Atomic, WorkerStart (37), config (38)."""
    seed_app(laravel_app, 36, 37, 38, routes="Route::get('/seed/atomic', function () {"
             " return [app('swoole')->atomicCount->get(), app('swoole')->atomicCount->add(1)]; });")
    with Server(laravel_app) as s:
        first = httpx.get(s.url + "/seed/atomic").json()
        assert first == [2233, 2234]
        # Shared by every worker: the next request, wherever it lands, sees the increment.
        assert [httpx.get(s.url + "/seed/atomic").json()[0] for _ in range(4)] == [2234, 2235, 2236, 2237]


def test_serverless_storage_path(laravel_app, tmp_path):
    """Serverless (39): the storage directory moved by useStoragePath(), as the README's
    laravels_bootstrap script prepares it."""
    storage = tmp_path / "fc-storage"
    for d in ("app/public", "framework/cache", "framework/sessions", "framework/testing", "framework/views", "logs"):
        (storage / d).mkdir(parents=True)
    seed_app(laravel_app, 39, routes="Route::get('/seed/log', function () { \\Log::info('seed: storage'); return storage_path(); });")
    with Server(laravel_app, env={"APP_STORAGE_PATH": str(storage)}) as s:
        assert httpx.get(s.url + "/seed/log").text == str(storage)
        assert "seed: storage" in (storage / "logs" / APP_LOG).read_text()
        assert (storage / "laravels.pid").exists(), "the runtime files follow the storage path"


def test_the_serverless_bootstrap_script_runs_as_written(laravel_app, tmp_path):
    """Serverless (39 and the `laravels_bootstrap` script): the platform runs the script
    from the app's root and sends its requests to the server it starts. The script is the
    README's bash block as written; the platform's port and the loaded extension come
    from the environment, as a custom runtime's do."""
    text = SEED_README.read_text()
    scripts = [b for b in re.findall(r"```bash\n(.*?)```", text, re.S) if "APP_STORAGE_PATH" in b and "bin/laravels start" in b]
    assert len(scripts) == 1, "the README's laravels_bootstrap block"
    bootstrap = laravel_app / "laravels_bootstrap"
    bootstrap.write_text(scripts[0])
    bootstrap.chmod(0o755)
    seed_app(laravel_app, 39, routes="Route::get('/seed/storage', function () { return storage_path(); });")
    # extension=... from an ini directory PHP scans besides its own (the leading ':').
    ini = tmp_path / "ini"
    ini.mkdir()
    (ini / "laravels.ini").write_text(f"extension={EXTENSION}\n")
    s = Server(laravel_app)
    env = {**s.env, "PHP_INI_SCAN_DIR": f":{ini}"}
    env.pop("APP_STORAGE_PATH", None)
    proc, out = start_foreground([*RUNTIME_EXEC, "./laravels_bootstrap"], laravel_app, env)
    pid_file = Path("/tmp/storage/laravels.pid")
    try:
        assert httpx.get(s.url + "/seed/storage").text == "/tmp/storage"
        assert pid_file.exists(), "the runtime files follow the storage path"
        os.kill(int(pid_file.read_text()), signal.SIGTERM)
        assert proc.wait(30) == 0, "".join(out)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_reading_the_request_and_writing_the_response(laravel_app):
    """读取请求 (40) and 输出响应 (41)."""
    seed_app(laravel_app, 40, 41, routes="Route::post('/seed/form', [App\\Http\\Controllers\\SeedController::class, 'form']);\n"
             "Route::get('/seed/json', [App\\Http\\Controllers\\SeedController::class, 'json']);")
    with Server(laravel_app) as s:
        r = httpx.post(s.url + "/seed/form", data={"name": "alice"}, files={"photo": ("p.png", b"\x89PNG", "image/png")},
                       cookies={"sessionId": "abc"})
        assert r.status_code == 200 and r.text == "", r.text
        before = int(time.time())
        r = httpx.get(s.url + "/seed/json")
        assert r.json()["time"] >= before and r.headers["header1"] == "value1"
        assert r.cookies["c1"] == "v1"


def test_persistent_connections(laravel_app, tmp_path):
    """持久连接: a MySQL connection (42) and Redis (43), both persistent, on real servers; the
    connection lives as long as the worker, and a restarted server is reconnected to."""
    from services import MariaDB, Redis
    db = MariaDB(tmp_path / "mariadb").start()
    redis = Redis(tmp_path / "redis").start()
    try:
        seed_app(laravel_app, 42, 43, routes="Route::get('/seed/db', function () {"
                 " $c = DB::connection('my_conn'); return ['id' => $c->select('select connection_id() as id')[0]->id,"
                 " 'persistent' => $c->getPdo()->getAttribute(PDO::ATTR_PERSISTENT)]; });\n"
                 "Route::get('/seed/redis', function () { Illuminate\\Support\\Facades\\Redis::set('k', 'v');"
                 " return ['id' => Illuminate\\Support\\Facades\\Redis::connection()->client()->client('id'), 'v' => Illuminate\\Support\\Facades\\Redis::get('k')]; });")
        env = {"LARAVELS_WORKER_NUM": "1", "DB_MY_CONN_HOST": "127.0.0.1", "DB_MY_CONN_PORT": str(db.port), "DB_MY_CONN_DATABASE": db.database,
               "DB_MY_CONN_USERNAME": db.user, "DB_MY_CONN_PASSWORD": db.password, "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis.port),
               "REDIS_CLIENT": "phpredis"}
        with Server(laravel_app, env=env) as s:
            before = redis.info("total_connections_received")
            dbs = [httpx.get(s.url + "/seed/db").json() for _ in range(20)]
            assert all(d["persistent"] is True for d in dbs)
            assert len({d["id"] for d in dbs}) == 1, "one connection for the worker's life"
            rs = [httpx.get(s.url + "/seed/redis").json() for _ in range(20)]
            assert len({r["id"] for r in rs}) == 1 and {r["v"] for r in rs} == {"v"}
            # the worker's one connection, and the connection of the INFO call itself
            assert redis.info("total_connections_received") - before <= 2

            db.restart()
            # "连接断开后会自动重连": the next query reconnects.
            r = httpx.get(s.url + "/seed/db")
            assert r.status_code == 200 and r.json()["id"] != dbs[0]["id"], r.text[:500]
            redis.restart()
            # "连接断开后不会立即自动重连，会抛出一个关于连接断开的异常，下次会自动重连".
            statuses = [httpx.get(s.url + "/seed/redis").status_code for _ in range(3)]
            assert statuses[-1] == 200 and statuses[1:] == [200, 200], statuses
    finally:
        db.stop()
        redis.stop()


def test_memory_leak_section(laravel_app):
    """关于内存泄露: a static array that grows per request (44), and /debug-memory-leak (45) on
    one worker, as the README's steps say (worker_num=1, max_request=1000000)."""
    seed_app(laravel_app, 44, 45, routes="Route::get('/seed/leak', [App\\Http\\Controllers\\SeedController::class, 'test']);\n"
             "Route::get('/seed/leak-size', function () { return [count(Test::$array), strlen(Test::$string)]; });")
    with Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"}, overrides={"swoole": {"max_request": 1000000}}) as s:
        for _ in range(5):
            assert httpx.get(s.url + "/seed/leak?param1=a&param2=bc").status_code == 200
        assert httpx.get(s.url + "/seed/leak-size").json() == [5, 10], "the static array keeps growing: the worker is resident"
        stats = [httpx.get(s.url + "/debug-memory-leak").json() for _ in range(40)]
        assert stats[0]["prev_mem"] is None or stats[0]["prev_mem"] > 0
        assert all(b["prev_mem"] == a["curr_mem"] for a, b in zip(stats, stats[1:])), "the global survives between requests"
        assert any(st["diff_mem"] <= 0 for st in stats[1:]), "diff_mem reaches zero or below: no leak in the framework"
