<?php

namespace LaravelS\Contracts\Events;

/**
 * A handler listed under config('laravels.event_handlers.Finish'): Swoole's onFinish, in the
 * worker that called app('swoole')->task() without a finish callback, between two of its
 * requests, with the result the task worker returned or passed to finish().
 */
interface Finish
{
    public function handle(\Swoole\Http\Server $server, $taskId, $data);
}
