<?php

namespace App\Jobs\Timer;

use Hhxsv5\LaravelS\Swoole\Timer\CronJob;

/** Pushes "tick from timer" to every established WebSocket connection: pushes from the timer. */
class PushJob extends CronJob
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
        $swoole = app('swoole');
        foreach ($swoole->connections as $fd) {
            if ($swoole->isEstablished($fd)) {
                $swoole->push($fd, 'tick from timer');
            }
        }
    }
}
