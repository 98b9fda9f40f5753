<?php

namespace App\Tasks;

use Hhxsv5\LaravelS\Swoole\Task\Task;

/** Pushes a WebSocket message from a task worker: pushes work from any process. */
class PushTask extends Task
{
    public function __construct(private int $fd, private string $message)
    {
    }

    public function handle()
    {
        app('swoole')->push($this->fd, $this->message . ' (from task worker pid ' . getmypid() . ')');
    }
}
