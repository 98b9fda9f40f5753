<?php

namespace LaravelS\Contracts\Events;

/**
 * A handler listed under config('laravels.event_handlers.ServerStart'): runs in the master once it
 * has started, before any worker. Keep it short, e.g. attach shared counters to $server.
 *
 * Also known as Hhxsv5\LaravelS\Swoole\Events\ServerStartInterface. The server parameter keeps
 * LaravelS's type, Swoole\Http\Server, which resolves to this package's server class.
 */
interface ServerStart
{
    public function handle(\Swoole\Http\Server $server);
}
