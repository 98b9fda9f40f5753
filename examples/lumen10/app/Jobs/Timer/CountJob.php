<?php

namespace App\Jobs\Timer;

use Hhxsv5\LaravelS\Swoole\Timer\CronJob;

/** Appends "microtime pid" to storage/app/timer/count.log on each run (for the tests). */
class CountJob extends CronJob
{
    public function run()
    {
        @mkdir(storage_path('app/timer'), 0777, true);
        file_put_contents(storage_path('app/timer/count.log'), sprintf("%.6f %d\n", microtime(true), getmypid()), FILE_APPEND);
    }
}
