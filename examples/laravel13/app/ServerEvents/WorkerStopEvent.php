<?php

namespace App\ServerEvents;

use Hhxsv5\LaravelS\Swoole\Events\WorkerStopInterface;
use Swoole\Http\Server;

/** Records "WorkerStop workerId pid" in storage/app/server-events.log. */
class WorkerStopEvent implements WorkerStopInterface
{
    public function __construct()
    {
    }

    public function handle(Server $server, $workerId)
    {
        file_put_contents(storage_path('app/server-events.log'), "WorkerStop $workerId " . getmypid() . "\n", FILE_APPEND);
    }
}
