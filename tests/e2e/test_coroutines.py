"""Coroutines on PHP Fibers where the seed allows them (issue 16, item 2): a custom
process's callback runs in a coroutine (README-CN, 自定义进程: "Swoole>=2.1 已自动为callback()
方法创建了协程"), as do the timer process's jobs and timers' callbacks. Swoole's documented
examples are the expected behaviour: go() and Coroutine::sleep() overlap, a Channel carries
a producer's values to a consumer, a WaitGroup waits for three coroutines sleeping 100 ms
in about 100 ms, Coroutine\\run() returns once every coroutine ended."""
import json
import time

import httpx
import pytest

from harness import IS_LUMEN, Server

PROCESS = r"""<?php
namespace App\Processes;
use Hhxsv5\LaravelS\Swoole\Process\CustomProcessInterface;
use Swoole\Coroutine;
use Swoole\Coroutine\Channel;
use Swoole\Coroutine\WaitGroup;
use Swoole\Http\Server;
use Swoole\Process;
class CoroutineProcess implements CustomProcessInterface
{
    private static $quit = false;

    public static function callback(Server $swoole, Process $process)
    {
        $out = ['cid' => Coroutine::getCid(), 'pcid' => Coroutine::getPcid()];

        // Swoole's WaitGroup example: three coroutines sleeping 100 ms.
        $started = microtime(true);
        $wg = new WaitGroup();
        $results = [];
        foreach (['a', 'b', 'c'] as $name) {
            $wg->add();
            go(function () use ($wg, &$results, $name) {
                Coroutine::sleep(0.1);
                $results[] = $name;
                $wg->done();
            });
        }
        $out['waited'] = $wg->wait(1.0);
        $out['wait_group_s'] = microtime(true) - $started;
        sort($results);
        $out['results'] = $results;

        // N coroutines sleeping 100 ms.
        $started = microtime(true);
        $wg = new WaitGroup();
        for ($i = 0; $i < 200; $i++) {
            $wg->add();
            Coroutine::create(function () use ($wg) {
                Coroutine::sleep(0.1);
                $wg->done();
            });
        }
        $wg->wait();
        $out['n200_s'] = microtime(true) - $started;

        // Swoole's Channel example: a producer and a consumer.
        $chan = new Channel(1);
        $consumed = [];
        $done = new WaitGroup(1);
        go(function () use ($chan) {
            for ($i = 0; $i < 5; $i++) {
                Coroutine::sleep(0.01);
                $chan->push(['rand' => rand(1000, 9999), 'index' => $i]);
            }
            $chan->close();
        });
        go(function () use ($chan, &$consumed, $done, &$out) {
            $out['consumer_pcid'] = Coroutine::getPcid();
            defer(fn () => $done->done());
            while (($data = $chan->pop(1.0)) !== false) {
                $consumed[] = $data['index'];
            }
            $consumed[] = $chan->errCode;
        });
        $done->wait();
        $out['consumed'] = $consumed;
        file_put_contents(storage_path('app/coroutines.json'), json_encode($out));

        // The seed's loop, until onReload/onStop.
        while (!self::$quit) {
            Coroutine::sleep(1);
        }
    }
    public static function onReload(Server $swoole, Process $process)
    {
        self::$quit = true;
    }
    public static function onStop(Server $swoole, Process $process)
    {
        self::$quit = true;
    }
}
"""

CRON_JOB = r"""<?php
namespace App\Jobs\Timer;
use Hhxsv5\LaravelS\Swoole\Timer\CronJob;
use Swoole\Coroutine;
class SleepyJob extends CronJob
{
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
        // Each run sleeps 350 ms: the other jobs go on meanwhile.
        $started = microtime(true);
        Coroutine::sleep(0.35);
        file_put_contents(storage_path('app/sleepy.log'), json_encode(['cid' => Coroutine::getCid(), 'from' => $started, 'to' => microtime(true)]) . "\n", FILE_APPEND);
    }
}
"""

ROUTES = r"""
Route::get('/coroutine/run', function () {
    $started = microtime(true);
    $cids = [];
    $ran = Swoole\Coroutine\run(function () use (&$cids) {
        for ($i = 0; $i < 3; $i++) {
            go(function () use (&$cids) {
                Swoole\Coroutine::sleep(0.1);
                $cids[] = Swoole\Coroutine::getCid();
            });
        }
    });
    return response()->json(['ran' => $ran, 'cids' => $cids, 'took' => microtime(true) - $started, 'outside' => Swoole\Coroutine::getCid()]);
});
"""


def wait(check, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_a_custom_process_runs_swooles_coroutine_examples(laravel_app):
    (laravel_app / "app" / "Processes" / "CoroutineProcess.php").write_text(PROCESS)
    processes = {"co": {"class": "App\\Processes\\CoroutineProcess", "pipe": 0, "restart_interval": 1}}
    out_file = laravel_app / "storage" / "app" / "coroutines.json"
    with Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"}, overrides={"processes": processes}) as s:
        assert wait(out_file.exists), s.read_log()
        out = json.loads(out_file.read_text())
        assert out["cid"] >= 1 and out["pcid"] == -1, "callback() runs in a coroutine of its own"
        assert out["waited"] is True and out["results"] == ["a", "b", "c"]
        assert out["wait_group_s"] < 0.2, out
        assert 0.099 <= out["n200_s"] < 0.3, out
        assert out["consumed"] == [0, 1, 2, 3, 4, -2], "every value in order, then SWOOLE_CHANNEL_CLOSED"
        assert out["consumer_pcid"] == out["cid"]
        started = time.time()
        assert s.command("reload").returncode == 0
        assert time.time() - started < 2.0


def test_the_timer_process_runs_each_job_in_a_coroutine(laravel_app):
    """A job that sleeps in Coroutine::sleep() (the seed's TestCronJob does) lets the other
    jobs keep their schedule; its own runs follow each other without overlapping."""
    (laravel_app / "app" / "Jobs" / "Timer").mkdir(parents=True, exist_ok=True)
    (laravel_app / "app" / "Jobs" / "Timer" / "SleepyJob.php").write_text(CRON_JOB)
    log = laravel_app / "storage" / "app" / "sleepy.log"
    count = laravel_app / "storage" / "app" / "timer" / "count.log"
    overrides = {"timer": {"enable": True, "jobs": ["App\\Jobs\\Timer\\SleepyJob", ["App\\Jobs\\Timer\\CountJob", [100, True]]]}}
    with Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"}, overrides=overrides):
        time.sleep(1.6)
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    assert 3 <= len(runs) <= 5, runs
    assert all(r["cid"] > 0 for r in runs) and len({r["cid"] for r in runs}) == 1, "one coroutine runs the job"
    assert all(b["from"] >= a["to"] for a, b in zip(runs, runs[1:])), "runs do not overlap"
    ticks = [float(line.split()[0]) for line in count.read_text().splitlines()]
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert len(ticks) >= 13 and max(gaps) < 0.18, "the 100 ms job kept its pace while the other slept"


@pytest.mark.skipif(IS_LUMEN, reason="the route below is Laravel's")
def test_coroutine_run_in_a_request_returns_once_its_coroutines_ended(laravel_app):
    with open(laravel_app / "routes" / "web.php", "a") as web:
        web.write(ROUTES)
    with Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"}) as s:
        out = httpx.get(s.url + "/coroutine/run").json()
        assert out["ran"] is True and len(out["cids"]) == 3 and out["outside"] == -1
        assert 0.099 <= out["took"] < 0.2, out


PIPE_PROCESS = r"""<?php
namespace App\Processes;
use Hhxsv5\LaravelS\Swoole\Process\CustomProcessInterface;
use Swoole\Http\Server;
use Swoole\Process;
use Swoole\Timer;
class PipeProcess implements CustomProcessInterface
{
    public static function callback(Server $swoole, Process $process)
    {
        Timer::tick(100, function () {
            file_put_contents(storage_path('app/pipe-ticks.log'), microtime(true) . "\n", FILE_APPEND);
        });
        // The README's pipe loop: only this coroutine waits in read().
        while ($data = $process->read()) {
            $process->write('TestProcess: ' . $data);
        }
        file_put_contents(storage_path('app/process-events.log'), 'loop ended ' . getmypid() . "\n", FILE_APPEND);
    }
    public static function onReload(Server $swoole, Process $process)
    {
        Timer::clearAll();
    }
}
"""


@pytest.mark.skipif(IS_LUMEN, reason="the route below is Laravel's")
def test_a_pipe_read_in_a_custom_process_lets_its_timers_run_and_ends_on_reload(laravel_app):
    (laravel_app / "app" / "Processes" / "PipeProcess.php").write_text(PIPE_PROCESS)
    processes = {"test": {"class": "App\\Processes\\PipeProcess", "pipe": 1, "restart_interval": 1}}
    ticks = laravel_app / "storage" / "app" / "pipe-ticks.log"
    events = laravel_app / "storage" / "app" / "process-events.log"
    with Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1"}, overrides={"processes": processes}) as s:
        assert wait(lambda: ticks.exists() and len(ticks.read_text().split()) >= 5), "ticks while read() waits"
        body = httpx.get(s.url + "/process/write").text
        assert "TestProcess: TestController: write data" in body
        started = time.time()
        assert s.command("reload").returncode == 0
        assert time.time() - started < 2.0
        assert wait(lambda: events.exists() and "loop ended" in events.read_text()), "read() returned false on reload"
