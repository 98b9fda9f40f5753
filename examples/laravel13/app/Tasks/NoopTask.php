<?php

namespace App\Tasks;

use Hhxsv5\LaravelS\Swoole\Task\Task;

/** An empty task whose finish() counts itself in the delivering worker (for bench/tasks.py). */
class NoopTask extends Task
{
    public static $finished = 0;

    public function handle()
    {
    }

    public function finish()
    {
        self::$finished++;
    }
}
