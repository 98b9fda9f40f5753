"""Timers in the processes that set them (issue 16, item 1): `app('swoole')->tick()`,
`after()`, `clearTimer()` and `Swoole\\Timer` as Swoole documents them. tick() and after()
return an int id; a tick's callback gets its timer id then the parameters, an after's only
the parameters. In an HTTP worker a timer fires in the worker that set it, while it is idle
between requests, never inside one. Timers work in custom processes and the timer process too."""
import json
import time

import httpx
import pytest

from harness import IS_LUMEN, Server

pytestmark = pytest.mark.skipif(IS_LUMEN, reason="the routes below are Laravel's")

ROUTES = r"""
Route::get('/timer/tick/{ms}', function ($ms) {
    $log = storage_path('app/timer-ticks.log');
    $id = app('swoole')->tick((int) $ms, function ($timerId, $tag) use ($log) {
        file_put_contents($log, json_encode(['id' => $timerId, 'tag' => $tag, 'pid' => getmypid(), 'at' => microtime(true)]) . "\n", FILE_APPEND);
    }, 'worker');
    return response()->json(['id' => $id, 'pid' => getmypid()]);
});
Route::get('/timer/clear/{id}', function ($id) {
    return response()->json(['cleared' => app('swoole')->clearTimer((int) $id), 'again' => app('swoole')->clearTimer((int) $id)]);
});
Route::get('/timer/after', function () {
    $log = storage_path('app/timer-after.log');
    $id = app('swoole')->after(100, function (...$args) use ($log) {
        file_put_contents($log, json_encode(['args' => $args, 'pid' => getmypid(), 'at' => microtime(true)]) . "\n", FILE_APPEND);
    }, 'a', 'b');
    return response()->json(['id' => $id, 'pid' => getmypid(), 'at' => microtime(true)]);
});
Route::get('/timer/busy/{ms}', function ($ms) {
    $started = microtime(true);
    usleep($ms * 1000);
    return response()->json(['pid' => getmypid(), 'from' => $started, 'to' => microtime(true)]);
});
Route::get('/timer/swoole', function () {
    $first = Swoole\Timer::tick(1000, function () {});
    $second = Swoole\Timer::after(2000, function () {});
    $out = [
        'first' => $first,
        'second' => $second,
        'info' => Swoole\Timer::info($first),
        'list' => iterator_to_array(Swoole\Timer::list()),
        'stats' => Swoole\Timer::stats(),
    ];
    $out['cleared'] = Swoole\Timer::clear($second);
    $out['info_cleared'] = Swoole\Timer::info($second);
    $out['clear_all'] = Swoole\Timer::clearAll();
    $out['after_all'] = Swoole\Timer::stats()['num'];
    return response()->json($out);
});
Route::get('/timer/deliver', function () {
    app('swoole')->after(50, function () {
        \Hhxsv5\LaravelS\Swoole\Task\Task::deliver(new \App\Tasks\TestTask('from-timer'));
    });
    return 'ok';
});
"""

TIMER_PROCESS = r"""<?php
namespace App\Processes;
use Hhxsv5\LaravelS\Swoole\Process\CustomProcessInterface;
use Swoole\Http\Server;
use Swoole\Process;
use Swoole\Timer;
class TickingProcess implements CustomProcessInterface
{
    public static function callback(Server $swoole, Process $process)
    {
        // callback() returns at once: the process stays for its timer, as under Swoole.
        Timer::tick(100, function ($id) {
            file_put_contents(storage_path('app/process-ticks.log'), getmypid() . "\n", FILE_APPEND);
        });
    }
    public static function onReload(Server $swoole, Process $process)
    {
        Timer::clearAll();
    }
}
"""

CRON_JOB = r"""<?php
namespace App\Jobs\Timer;
use Hhxsv5\LaravelS\Swoole\Timer\CronJob;
use Swoole\Timer;
class AfterJob extends CronJob
{
    private static $set = false;
    public function interval()
    {
        return 100;
    }
    public function isImmediate()
    {
        return true;
    }
    public function run()
    {
        if (self::$set) {
            return;
        }
        self::$set = true;
        Timer::after(150, function ($tag) {
            file_put_contents(storage_path('app/cron-after.log'), $tag . ' ' . getmypid() . "\n", FILE_APPEND);
        }, 'from-cron');
    }
}
"""


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def wait(check, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def timer_app(laravel_app):
    with open(laravel_app / "routes" / "web.php", "a") as web:
        web.write(ROUTES)
    return laravel_app


def test_a_tick_fires_in_its_worker_while_idle_and_never_inside_a_request(timer_app):
    with Server(timer_app, env={"LARAVELS_WORKER_NUM": "1"}) as s:
        ticks = s.app / "storage" / "app" / "timer-ticks.log"
        set_up = httpx.get(s.url + "/timer/tick/100").json()
        assert isinstance(set_up["id"], int) and set_up["id"] >= 1
        time.sleep(1.05)
        idle = lines(ticks)
        assert 9 <= len(idle) <= 11, f"a 100 ms tick fired {len(idle)} times in an idle second"
        assert {t["pid"] for t in idle} == {set_up["pid"]}, "in the worker that set it"
        assert {(t["id"], t["tag"]) for t in idle} == {(set_up["id"], "worker")}, "the timer id, then the parameters"

        busy = httpx.get(s.url + "/timer/busy/600", timeout=10).json()
        time.sleep(0.3)
        during = [t for t in lines(ticks) if busy["from"] < t["at"] < busy["to"]]
        assert during == [], "no tick runs while the worker serves a request"
        after = [t for t in lines(ticks) if t["at"] >= busy["to"]]
        assert after and after[0]["at"] - busy["to"] < 0.05, "the missed tick runs as soon as the request ended"

        cleared = httpx.get(s.url + f"/timer/clear/{set_up['id']}").json()
        assert cleared == {"cleared": True, "again": False}
        count = len(lines(ticks))
        time.sleep(0.4)
        assert len(lines(ticks)) == count, "clearTimer() stopped it"


def test_after_runs_once_with_the_parameters_only(timer_app):
    with Server(timer_app, env={"LARAVELS_WORKER_NUM": "1"}) as s:
        log = s.app / "storage" / "app" / "timer-after.log"
        set_up = httpx.get(s.url + "/timer/after").json()
        assert isinstance(set_up["id"], int)
        assert wait(lambda: len(lines(log)) == 1)
        time.sleep(0.3)
        [fired] = lines(log)
        assert fired["args"] == ["a", "b"] and fired["pid"] == set_up["pid"]
        assert 0.09 < fired["at"] - set_up["at"] < 0.3


def test_swoole_timer_ids_info_list_stats_and_clear(timer_app):
    with Server(timer_app, env={"LARAVELS_WORKER_NUM": "1"}) as s:
        out = httpx.get(s.url + "/timer/swoole").json()
        assert isinstance(out["first"], int) and out["second"] == out["first"] + 1
        assert out["info"]["interval"] == 1000 and out["info"]["exec_count"] == 0 and out["info"]["removed"] is False
        assert set(out["info"]) == {"exec_msec", "exec_count", "interval", "round", "removed"}
        assert out["list"] == [out["first"], out["second"]]
        assert out["stats"]["initialized"] is True and out["stats"]["num"] == 2
        assert out["cleared"] is True and out["info_cleared"] is None
        assert out["clear_all"] is True and out["after_all"] == 0


def test_a_timer_in_an_idle_worker_delivers_a_task(timer_app):
    s = Server(timer_app, env={"LARAVELS_WORKER_NUM": "1"}, overrides={"swoole": {"task_worker_num": 1}})
    with s:
        assert httpx.get(s.url + "/timer/deliver").text == "ok"
        handled = s.app / "storage" / "app" / "tasks" / "from-timer.handled"
        assert wait(lambda: handled.exists(), 5), s.read_log()
        # The worker still serves after speaking to the master while idle.
        assert httpx.get(s.url + "/timer/busy/1").status_code == 200
        assert "went away" not in s.read_log()


def test_timers_in_a_custom_process_and_in_the_timer_process(timer_app):
    (timer_app / "app" / "Processes" / "TickingProcess.php").write_text(TIMER_PROCESS)
    (timer_app / "app" / "Jobs" / "Timer").mkdir(parents=True, exist_ok=True)
    (timer_app / "app" / "Jobs" / "Timer" / "AfterJob.php").write_text(CRON_JOB)
    overrides = {
        "processes": {"ticking": {"class": "App\\Processes\\TickingProcess", "pipe": 0, "restart_interval": 1}},
        "timer": {"enable": True, "jobs": ["App\\Jobs\\Timer\\AfterJob"]},
    }
    with Server(timer_app, env={"LARAVELS_WORKER_NUM": "1"}, overrides=overrides) as s:
        ticks = s.app / "storage" / "app" / "process-ticks.log"
        cron = s.app / "storage" / "app" / "cron-after.log"
        assert wait(lambda: ticks.exists() and len(ticks.read_text().split()) >= 5)
        assert len(set(ticks.read_text().split())) == 1, "one process ticks, and stays"
        assert wait(lambda: cron.exists())
        timer_pid = int((s.app / "storage" / "laravels-timer-process.pid").read_text())
        assert cron.read_text().split() == ["from-cron", str(timer_pid)]
        started = time.time()
        reload = s.command("reload")
        assert reload.returncode == 0, reload.stdout + reload.stderr
        assert time.time() - started < 3, "the ticking process left on reload"
