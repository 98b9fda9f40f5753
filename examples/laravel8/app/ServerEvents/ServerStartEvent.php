<?php

namespace App\ServerEvents;

use Hhxsv5\LaravelS\Swoole\Events\ServerStartInterface;
use Swoole\Http\Server;

/** Attaches a property in the master, as the README's ServerStart example does. */
class ServerStartEvent implements ServerStartInterface
{
    public function __construct()
    {
    }

    public function handle(Server $server)
    {
        $server->startedBy = getmypid();
    }
}
