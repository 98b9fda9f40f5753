<?php

namespace LaravelS\Contracts\Events;

/**
 * A handler listed under config('laravels.event_handlers.ServerStop'): runs in the master after the
 * server stopped normally.
 *
 * Also known as Hhxsv5\LaravelS\Swoole\Events\ServerStopInterface. The server parameter keeps
 * LaravelS's type, Swoole\Http\Server, which resolves to this package's server class.
 */
interface ServerStop
{
    public function handle(\Swoole\Http\Server $server);
}
