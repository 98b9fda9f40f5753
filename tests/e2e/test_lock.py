"""Swoole\\Lock between workers (issue 16, item 2): a lock made in a ServerStart handler,
as the seed makes its Atomic there, is one lock for every worker. Swoole's documented use:
`$lock->lock()` waits for the holder, `trylock()` fails at once while it is held."""
import threading
import time

import httpx
import pytest

from harness import IS_LUMEN, Server

pytestmark = pytest.mark.skipif(IS_LUMEN, reason="the routes below are Laravel's")

HANDLER = """<?php
namespace App\\Events;
use Hhxsv5\\LaravelS\\Swoole\\Events\\ServerStartInterface;
use Swoole\\Http\\Server;
use Swoole\\Lock;
class LockStart implements ServerStartInterface
{
    public function handle(Server $server)
    {
        $server->mutex = new Lock(SWOOLE_MUTEX);
        $server->rw = new Lock(SWOOLE_RWLOCK);
    }
}
"""
ROUTES = """
Route::get('/lock/hold/{ms}', function ($ms) {
    $lock = app('swoole')->mutex;
    $lock->lock();
    usleep($ms * 1000);
    $lock->unlock();
    return 'held ' . getmypid();
});
Route::get('/lock/try', function () {
    $lock = app('swoole')->mutex;
    if (!$lock->trylock()) {
        return 'busy ' . getmypid();
    }
    $lock->unlock();
    return 'free ' . getmypid();
});
Route::get('/lock/wait', function () {
    $started = microtime(true);
    $got = app('swoole')->mutex->lockwait(3.0);
    if ($got) {
        app('swoole')->mutex->unlock();
    }
    return sprintf('%s %.3f', $got ? 'got' : 'timeout', microtime(true) - $started);
});
"""


def test_a_lock_made_at_server_start_is_one_for_every_worker(laravel_app):
    (laravel_app / "app" / "Events").mkdir(exist_ok=True)
    (laravel_app / "app" / "Events" / "LockStart.php").write_text(HANDLER)
    with open(laravel_app / "routes" / "web.php", "a") as web:
        web.write(ROUTES)
    with Server(laravel_app, overrides={"event_handlers": {"ServerStart": ["App\\Events\\LockStart"]}}, env={"LARAVELS_WORKER_NUM": "3"}) as s:
        assert httpx.get(s.url + "/lock/try").text.startswith("free ")
        holder = threading.Thread(target=httpx.get, args=(s.url + "/lock/hold/1500",), kwargs={"timeout": 10})
        holder.start()
        time.sleep(0.4)
        # Another worker (the holder's is busy) finds it held, and lockwait waits for it.
        busy = httpx.get(s.url + "/lock/try", timeout=10).text
        assert busy.startswith("busy "), busy
        waited = httpx.get(s.url + "/lock/wait", timeout=10).text.split()
        holder.join()
        assert waited[0] == "got" and float(waited[1]) > 0.3, waited  # it waited for the holder, and got it
        assert httpx.get(s.url + "/lock/try").text.startswith("free ")
