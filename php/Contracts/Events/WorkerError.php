<?php

namespace LaravelS\Contracts\Events;

/**
 * A handler listed under config('laravels.event_handlers.WorkerError'): runs when a worker died
 * abnormally; $exitCode and $signal say how.
 *
 * Also known as Hhxsv5\LaravelS\Swoole\Events\WorkerErrorInterface. The server parameter keeps
 * LaravelS's type, Swoole\Http\Server, which resolves to this package's server class.
 */
interface WorkerError
{
    public function handle(\Swoole\Http\Server $server, $workerId, $workerPid, $exitCode, $signal);
}
