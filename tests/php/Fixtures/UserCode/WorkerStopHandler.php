<?php

namespace LaravelS\Tests\Fixtures\UserCode;

use Hhxsv5\LaravelS\Swoole\Events\WorkerStopInterface;
use Swoole\Http\Server;

class WorkerStopHandler implements WorkerStopInterface
{
    public function __construct()
    {
    }

    public function handle(Server $server, $workerId)
    {
    }
}
