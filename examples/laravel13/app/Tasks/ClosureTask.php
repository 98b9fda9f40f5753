<?php

namespace App\Tasks;

use Hhxsv5\LaravelS\Swoole\Task\Task;

/** A task that carries a closure and runs it in the task worker. */
class ClosureTask extends Task
{
    private $work;

    public function __construct(\Closure $work)
    {
        $this->work = $work;
    }

    public function handle()
    {
        ($this->work)();
    }
}
