<?php

namespace LaravelS\Contracts\Events;

/**
 * A handler listed under config('laravels.event_handlers.Task'): Swoole's onTask, in a task
 * worker, for what app('swoole')->task(), taskwait() or taskWaitMulti() delivered that is not
 * a LaravelS Task or Event (those run themselves). Handlers run in order until one returns a
 * value other than null: that value is the task's result (as Swoole's onTask return value),
 * given to taskwait() or to the delivering worker's finish callback / Finish handlers.
 * $server->finish($data) inside the handler sets the result too.
 */
interface Task
{
    public function handle(\Swoole\Http\Server $server, $taskId, $srcWorkerId, $data);
}
