<?php

namespace App\Jobs\Timer;

use Hhxsv5\LaravelS\Swoole\Timer\CronJob;

/** Throws on every run: the timer logs it and goes on with the other jobs. */
class FailingJob extends CronJob
{
    public function interval()
    {
        return 250;
    }

    public function isImmediate()
    {
        return false;
    }

    public function run()
    {
        throw new \RuntimeException('this cron job fails on purpose');
    }
}
