<?php

namespace LaravelS\Tests\Fixtures\UserCode;

use Hhxsv5\LaravelS\Swoole\Events\WorkerErrorInterface;
use Swoole\Http\Server;

class WorkerErrorHandler implements WorkerErrorInterface
{
    public function __construct()
    {
    }

    public function handle(Server $server, $workerId, $workerPId, $exitCode, $signal)
    {
    }
}
