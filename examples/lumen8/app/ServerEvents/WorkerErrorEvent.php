<?php

namespace App\ServerEvents;

use Hhxsv5\LaravelS\Swoole\Events\WorkerErrorInterface;
use Swoole\Http\Server;

/** Records "WorkerError workerId workerPid exitCode signal" in storage/app/server-events.log. */
class WorkerErrorEvent implements WorkerErrorInterface
{
    public function __construct()
    {
    }

    public function handle(Server $server, $workerId, $workerPid, $exitCode, $signal)
    {
        file_put_contents(storage_path('app/server-events.log'), "WorkerError $workerId $workerPid $exitCode $signal\n", FILE_APPEND);
    }
}
