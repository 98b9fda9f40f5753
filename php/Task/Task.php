<?php

namespace LaravelS\Task;

/**
 * A unit of background work (`Hhxsv5\LaravelS\Swoole\Task\Task`): `deliver()` hands it to a
 * task worker and returns at once; `handle()` runs there; the optional `finish()` runs
 * afterwards in the worker that delivered it.
 */
abstract class Task extends BackgroundWork
{
    /** The work; runs in a task worker. */
    abstract public function handle();

    /** Queues $task for a task worker; false (with the reason logged) when it could not be. */
    public static function deliver(self $task): bool
    {
        return self::queue($task);
    }

    public function runInTaskWorker(): void
    {
        $this->handle();
    }
}
