<?php

namespace App\ServerEvents;

use Hhxsv5\LaravelS\Swoole\Events\ServerStartInterface;
use Swoole\Atomic;
use Swoole\Http\Server;

/** Attaches properties in the master, as the README's ServerStart example does. */
class ServerStartEvent implements ServerStartInterface
{
    public function __construct()
    {
    }

    public function handle(Server $server)
    {
        $server->startedBy = getmypid();
        // A counter shared by every process (the README's example).
        $server->atomicCount = new Atomic(2233);
    }
}
