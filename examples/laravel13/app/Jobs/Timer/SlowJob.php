<?php

namespace App\Jobs\Timer;

use Hhxsv5\LaravelS\Swoole\Timer\CronJob;

/** Runs for 3 s each time: reload must not wait for it longer than timer.max_wait_time. */
class SlowJob extends CronJob
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
        sleep(3);
    }
}
