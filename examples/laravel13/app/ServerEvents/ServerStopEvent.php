<?php

namespace App\ServerEvents;

use Hhxsv5\LaravelS\Swoole\Events\ServerStopInterface;
use Swoole\Http\Server;

class ServerStopEvent implements ServerStopInterface
{
    public function __construct()
    {
    }

    public function handle(Server $server)
    {
        file_put_contents(storage_path('app/server-events.log'), 'ServerStop ' . getmypid() . "\n", FILE_APPEND);
    }
}
