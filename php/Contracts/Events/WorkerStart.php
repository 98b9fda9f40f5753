<?php

namespace LaravelS\Contracts\Events;

/**
 * A handler listed under config('laravels.event_handlers.WorkerStart'): runs in each worker once it
 * has booted the application.
 *
 * Also known as Hhxsv5\LaravelS\Swoole\Events\WorkerStartInterface. The server parameter keeps
 * LaravelS's type, Swoole\Http\Server, which resolves to this package's server class.
 */
interface WorkerStart
{
    public function handle(\Swoole\Http\Server $server, $workerId);
}
