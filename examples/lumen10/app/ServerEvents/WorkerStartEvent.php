<?php

namespace App\ServerEvents;

use Hhxsv5\LaravelS\Swoole\Events\WorkerStartInterface;
use Swoole\Http\Server;

/** Records "WorkerStart workerId pid" in storage/app/server-events.log. */
class WorkerStartEvent implements WorkerStartInterface
{
    public function __construct()
    {
    }

    public function handle(Server $server, $workerId)
    {
        file_put_contents(storage_path('app/server-events.log'), "WorkerStart $workerId " . getmypid() . "\n", FILE_APPEND);
    }
}
