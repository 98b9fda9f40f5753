<?php

namespace App\Jobs\Timer;

use App\Tasks\TestTask;
use Hhxsv5\LaravelS\Swoole\Task\Task;
use Hhxsv5\LaravelS\Swoole\Timer\CronJob;

/** Delivers a task on each run, as the README's TestCronJob does (no finish() from here). */
class DeliveringJob extends CronJob
{
    private $runs = 0;

    public function interval()
    {
        return 300;
    }

    public function isImmediate()
    {
        return true;
    }

    public function run()
    {
        $this->runs++;
        Task::deliver(new TestTask('from-timer-' . $this->runs));
    }
}
