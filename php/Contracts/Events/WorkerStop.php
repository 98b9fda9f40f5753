<?php

namespace LaravelS\Contracts\Events;

/**
 * A handler listed under config('laravels.event_handlers.WorkerStop'): runs in a worker that is
 * leaving normally (stop, reload, max_request).
 *
 * Also known as Hhxsv5\LaravelS\Swoole\Events\WorkerStopInterface. The server parameter keeps
 * LaravelS's type, Swoole\Http\Server, which resolves to this package's server class.
 */
interface WorkerStop
{
    public function handle(\Swoole\Http\Server $server, $workerId);
}
